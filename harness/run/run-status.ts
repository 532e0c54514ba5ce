// What a run is doing right now, for the live progress line: the runner updates it, the command
// renders it. Plain data plus the history's live counts, which from the final phase on include
// the final reads: the counts when the clients stopped are kept apart (clientCounts).
import type { HistoryCounts } from "./history-writer.js";

export type RunPhase =
  | "starting"
  | "running"
  | "healing"
  | "final-reads"
  | "checking"
  | "done"
  | "interrupted";

export interface RunStatus {
  /** Leaving "running" snapshots `counts` into `clientCounts`. */
  phase: RunPhase;
  runDir?: string;
  /** performance.now() when the clients started. */
  clientsStartedAtMs?: number;
  timeLimitMs: number;
  /** Ops of integer processes recorded so far, by type: client ops, then final reads too. */
  counts: Readonly<HistoryCounts>;
  /** The counts as the clients stopped (when the phase left "running"): client ops only. */
  clientCounts?: Readonly<HistoryCounts>;
  /** The fault in force, as the nemesis reports it (undefined: none). */
  activeFault?: string;
  /** Flushes the history (a second Ctrl-C exits at once, after this). */
  flushHistory?: () => void;
}

export function newRunStatus(timeLimitMs: number): RunStatus {
  let phase: RunPhase = "starting";
  const status: RunStatus = {
    timeLimitMs,
    counts: { invoke: 0, ok: 0, fail: 0, info: 0 },
    get phase() {
      return phase;
    },
    set phase(next: RunPhase) {
      // The clients have all returned before the runner moves on (to healing, or interrupted).
      if (phase === "running" && next !== "running") status.clientCounts ??= { ...status.counts };
      phase = next;
    },
  };
  return status;
}

/** The client ops: all counts while the clients run, the snapshot after. */
export function clientOpCounts(status: RunStatus): Readonly<HistoryCounts> {
  return status.clientCounts ?? status.counts;
}

/** Final reads completed so far (everything recorded after the clients stopped). */
export function finalReadCount(status: RunStatus): number {
  const client = status.clientCounts;
  if (client === undefined) return 0;
  const done = (c: Readonly<HistoryCounts>) => c.ok + c.fail + c.info;
  return done(status.counts) - done(client);
}
