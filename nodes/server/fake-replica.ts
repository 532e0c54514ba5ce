// A stand-in for the replica core in the shell's own tests: one register per key that persists
// every write, answers reads from memory, and forwards each write to every peer as a "copy"
// message (applied by the receiver, no acks). Fault model: none of its own — it only lets the
// shell's effect ordering, durability and transport be tested without the real core.
import type { Effect, Json, Replica, ReplicaFactory } from "../core/replica.js";

export const createFakeReplica: ReplicaFactory = (config, recovered) => {
  const state = new Map<string, { value: Json; version: number }>();
  const apply = (record: Json): void => {
    const { key, value, version } = record as { key: string; value: Json; version: number };
    const old = state.get(key);
    if (!old || old.version < version) state.set(key, { value, version });
  };
  for (const record of recovered) apply(record);
  let nodes = [...config.nodes];
  const replica: Replica = {
    step(input) {
      switch (input.kind) {
        case "get": {
          const s = state.get(input.key);
          const body = { values: s ? [s.value] : [], context: String(s?.version ?? 0) };
          return [{ kind: "reply", req: input.req, status: 200, body }];
        }
        case "put": {
          if (input.value === "poison")
            throw new Error("the fake core fails on the value 'poison'");
          const version = (state.get(input.key)?.version ?? 0) + 1;
          const record = { key: input.key, value: input.value, version };
          apply(record);
          const effects: Effect[] = [{ kind: "persist", record }];
          for (const to of nodes)
            if (to !== config.id)
              effects.push({ kind: "send", to, msg: { type: "copy", ...record } });
          effects.push({
            kind: "reply",
            req: input.req,
            status: 200,
            body: { context: String(version) },
          });
          return effects;
        }
        case "receive": {
          if (input.msg.type !== "copy") return [];
          const { key, value, version } = input.msg;
          const record = { key, value, version } as Json;
          apply(record);
          return [{ kind: "persist", record }];
        }
        case "peers":
          nodes = [...input.nodes];
          return [];
        case "tick":
          return [];
      }
    },
    dump() {
      return Object.fromEntries(
        [...state].map(([k, s]) => [k, { values: [s.value], context: String(s.version) }]),
      );
    },
    role() {
      return "peer";
    },
  };
  return replica;
};
