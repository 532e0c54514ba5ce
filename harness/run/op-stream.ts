// The op stream of one client thread, drawn from the workload's fast-check arbitrary under the
// run's seed: the same seed, thread and test give the same plans in the same order, however the
// run's timing goes. Plans come in batches of fc.sample, each batch under a seed mixed from the
// run's seed, the thread and the batch number.
import fc from "fast-check";

const BATCH_SIZE = 256;

/** A 31-bit seed from the run's seed and two counters (a small integer hash, stable forever). */
export function mixSeed(seed: number, thread: number, batch: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (thread + 0x632be5ab), 0xc2b2ae35);
  h = Math.imul(h ^ (batch + 0x27d4eb2f), 0x165667b1);
  return (h ^ (h >>> 15)) & 0x7fffffff;
}

/** An endless stream of plans for thread `thread`. */
export function* opStream<T>(
  arbitrary: fc.Arbitrary<T>,
  seed: number,
  thread: number,
): Generator<T, never> {
  for (let batch = 0; ; batch++) {
    yield* fc.sample(arbitrary, { seed: mixSeed(seed, thread, batch), numRuns: BATCH_SIZE });
  }
}
