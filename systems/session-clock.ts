// The real clock, for everything that waits on one: a session waiting for a leader or a
// failover, and the harness's run (whose loops use it unless the cluster keeps virtual time).
// `nowMs` is monotonic; `sleep` resolves after `ms`, or at once when the signal aborts (never
// rejects).
import type { SessionClock } from "./system.js";

/** performance.now() and setTimeout. */
export const realClock: SessionClock = {
  nowMs: () => performance.now(),
  sleep(ms, signal) {
    if (ms <= 0 || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      }
      signal?.addEventListener("abort", done, { once: true });
    });
  },
};
