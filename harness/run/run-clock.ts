// The clock a run's loops read and wait on (the runner, the clients, the nemesis, the final
// reads): real time by default, virtual time under the sim runtime (its cluster supplies one), so
// the same code runs in either. `nowMs` is monotonic, in milliseconds from any origin; `sleep`
// resolves after `ms`, or at once when the signal aborts (never rejects).

export interface RunClock {
  nowMs(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** performance.now() and setTimeout. */
export const realClock: RunClock = {
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

/** The clock's time in integer nanoseconds (the history's clock). */
export function clockNs(clock: RunClock): () => bigint {
  return () => BigInt(Math.round(clock.nowMs() * 1e6));
}
