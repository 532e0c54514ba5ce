// The clock a run's loops read and wait on (the runner, the clients, the nemesis, the final
// reads): real time by default, virtual time under the sim runtime (its cluster supplies one), so
// the same code runs in either. `nowMs` is monotonic, in milliseconds from any origin; `sleep`
// resolves after `ms`, or at once when the signal aborts (never rejects).
import { realClock } from "../../systems/session-clock.js";
import type { SessionClock } from "../../systems/system.js";

/** A session's clock is the run's: one interface, so the sim's clock serves both. */
export type RunClock = SessionClock;

export { realClock };

/** The clock's time in integer nanoseconds (the history's clock). */
export function clockNs(clock: RunClock): () => bigint {
  return () => BigInt(Math.round(clock.nowMs() * 1e6));
}
