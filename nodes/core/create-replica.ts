// The core's factory (contract 1): picks the replica for the configured build and strategy.
// `recovered` are the replica's own log records, in the order it persisted them.
import { LeaderReplica } from "./leader-replica.js";
import { leaderlessStrategies } from "./leaderless-strategies.js";
import { LeaderlessReplica } from "./leaderless-replica.js";
import type { ReplicaFactory } from "./replica.js";

export const createReplica: ReplicaFactory = (config, recovered) => {
  if (config.build === "leader") return new LeaderReplica(config, recovered);
  switch (config.strategy) {
    case "lww":
      return new LeaderlessReplica(config, leaderlessStrategies.lww, recovered);
    case "reject":
      return new LeaderlessReplica(config, leaderlessStrategies.reject, recovered);
    case "siblings":
      return new LeaderlessReplica(config, leaderlessStrategies.siblings, recovered);
  }
};
