// What a run is doing right now, for the live progress line: the runner updates it, the command
// renders it. Plain data plus the history's live counts.
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
  phase: RunPhase;
  runDir?: string;
  /** performance.now() when the clients started. */
  clientsStartedAtMs?: number;
  timeLimitMs: number;
  /** Client ops recorded so far, by type. */
  counts: Readonly<HistoryCounts>;
  /** The fault in force, as the nemesis reports it (undefined: none). */
  activeFault?: string;
  /** Flushes the history (a second Ctrl-C exits at once, after this). */
  flushHistory?: () => void;
}

export function newRunStatus(timeLimitMs: number): RunStatus {
  return { phase: "starting", timeLimitMs, counts: { invoke: 0, ok: 0, fail: 0, info: 0 } };
}
