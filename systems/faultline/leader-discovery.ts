// How a session of the faultline system's leader build finds the leader and waits for one: the
// leader of the highest term any node reports (a deposed leader may not know it yet), polled on
// the session's clock — real time over HTTP, virtual time on the sim — and the failover built on
// it (the election is the promotion; a rejoined node follows by itself). A node's health comes
// from its transport: GET /health, or the sim's replica.
import type { NodeId, SessionClock, SystemFailover, SystemSession } from "../system.js";
import type { NodeHealth } from "./admin-client.js";

export type HealthOf = (node: NodeId, signal: AbortSignal) => Promise<NodeHealth | undefined>;

/** The leader of the highest term any node reports. */
export async function currentLeader(
  nodes: readonly NodeId[],
  healthOf: HealthOf,
  signal: AbortSignal,
): Promise<NodeId | undefined> {
  const answers = await Promise.all(nodes.map((node) => healthOf(node, signal)));
  const leaders = answers.filter((h) => h?.role === "leader");
  leaders.sort((a, b) => (b?.term ?? 0) - (a?.term ?? 0));
  return leaders[0]?.node;
}

/** Polls `until` every 50 ms until it gives a value, the signal aborts, or `timeoutMs` passes. */
export async function poll<T>(
  until: () => Promise<T | undefined>,
  timeoutMs: number,
  signal: AbortSignal,
  clock: SessionClock,
): Promise<T | undefined> {
  const deadline = clock.nowMs() + timeoutMs;
  while (!signal.aborted && clock.nowMs() < deadline) {
    const value = await until();
    if (value !== undefined) return value;
    await clock.sleep(50, signal);
  }
  return undefined;
}

/** The leader build's failover: the election is the promotion; a rejoined node follows. */
function electionFailover(
  electionTimeoutMs: number,
  nodes: readonly NodeId[],
  healthOf: HealthOf,
  clock: SessionClock,
): SystemFailover {
  // Raft elects within a few timeouts once a majority hears each other.
  const waitMs = 20 * electionTimeoutMs;
  return {
    async promote(fenced, _choice, record, signal) {
      const started = clock.nowMs();
      const others = nodes.filter((node) => node !== fenced);
      const elected = await poll(
        () => currentLeader(others, healthOf, signal),
        waitMs,
        signal,
        clock,
      );
      if (elected === undefined) throw new Error(`no other node was elected within ${waitMs} ms`);
      record({ step: "elected", node: elected, ms: Math.round(clock.nowMs() - started) });
      return elected;
    },
    // A node of an electing cluster rejoins by itself once it runs and hears the others; this
    // only records whom it follows when it soon does (a partition may keep it from it a while).
    async rejoin(node, record, signal) {
      const soonMs = 4 * electionTimeoutMs;
      const health = await poll(
        async () => {
          const h = await healthOf(node, signal);
          return h?.role === "follower" && typeof h.leader === "string" ? h : undefined;
        },
        soonMs,
        signal,
        clock,
      );
      record({ step: "follows", node, leader: health?.leader ?? null, term: health?.term ?? null });
    },
  };
}

/** The leader build's part of a session: leader discovery, failover, waiting for a leader. */
export function leaderSession(
  electionTimeoutMs: number,
  nodes: readonly NodeId[],
  healthOf: HealthOf,
  clock: SessionClock,
): Required<Pick<SystemSession, "leader" | "failover" | "settled">> {
  return {
    leader: (signal) => currentLeader(nodes, healthOf, signal),
    failover: electionFailover(electionTimeoutMs, nodes, healthOf, clock),
    async settled(signal) {
      const waitMs = 20 * electionTimeoutMs;
      const leader = await poll(
        () => currentLeader(nodes, healthOf, signal),
        waitMs,
        signal,
        clock,
      );
      if (leader === undefined && !signal.aborted)
        throw new Error(`no leader was elected within ${waitMs} ms of the cluster's start`);
    },
  };
}
