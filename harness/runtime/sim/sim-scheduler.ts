// Virtual time for the sim runtime: one queue of events ordered by (time, insertion), and the
// driver that runs the harness's async code (runner, clients, nemesis, final reads) in that time.
// The harness awaits promises the scheduler hands out (`wait`, `sleep`, the RunClock); while one
// is pending the driver runs events in order, and after an event settles one it stops until the
// harness's microtasks have run (it resumes from a nextTick queued behind them), so woken code
// acts at the instant it was woken and the same inputs give the same interleaving, run after run.
// With nothing pending, time stands still. Contract: while a sim promise is pending the harness
// awaits nothing real (I/O, real timers); an event that throws rejects every pending promise.
import type { RunClock } from "../../run/run-clock.js";

export interface SimTimer {
  cancel(): void;
}

class SimEvent implements SimTimer {
  cancelled = false;
  constructor(
    readonly atMs: number,
    readonly seq: number,
    readonly run: () => void,
  ) {}

  cancel(): void {
    this.cancelled = true;
  }
}

/** Real time the driver may keep the event loop before it lets a macrotask run (signals, I/O). */
const SLICE_MS = 20;
/** Events between two looks at the real clock. */
const EVENTS_PER_LOOK = 1024;

export class SimScheduler implements RunClock {
  #nowMs = 0;
  #seq = 0;
  readonly #heap: SimEvent[] = [];
  /** The rejecters of the promises pending on the sim. */
  readonly #pending = new Set<(err: Error) => void>();
  #woke = false;
  #scheduled = false;
  #sliceEndMs = 0;
  /** Events run so far (for benchmarks and tests). */
  eventCount = 0;

  nowMs(): number {
    return this.#nowMs;
  }

  /** Runs `run` at `atMs` (now, if that has passed). */
  at(atMs: number, run: () => void): SimTimer {
    const event = new SimEvent(Math.max(atMs, this.#nowMs), this.#seq++, run);
    this.#push(event);
    return event;
  }

  after(ms: number, run: () => void): SimTimer {
    return this.at(this.#nowMs + ms, run);
  }

  /** A promise that sim events settle through `settle` (the first call counts). */
  wait<T>(start: (settle: (value: T) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let done = false;
      const fail = (err: Error) => {
        done = true;
        reject(err);
      };
      this.#pending.add(fail);
      start((value) => {
        if (done) return;
        done = true;
        this.#pending.delete(fail);
        this.#woke = true;
        resolve(value);
      });
      this.#kick();
    });
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (ms <= 0 || signal?.aborted) return Promise.resolve();
    return this.wait<void>((settle) => {
      const onAbort = () => {
        timer.cancel();
        settle();
      };
      const timer = this.after(ms, () => {
        signal?.removeEventListener("abort", onAbort);
        settle();
      });
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  #kick(): void {
    if (this.#scheduled || this.#pending.size === 0) return;
    this.#scheduled = true;
    // Queued behind every microtask so far, and those they queue in turn: the woken harness
    // code runs to its next await before time moves on. Now and then a macrotask goes first.
    queueMicrotask(() => {
      if (performance.now() < this.#sliceEndMs) process.nextTick(this.#drive);
      else setImmediate(this.#drive);
    });
  }

  readonly #drive = (): void => {
    this.#scheduled = false;
    this.#woke = false;
    const now = performance.now();
    if (now >= this.#sliceEndMs) this.#sliceEndMs = now + SLICE_MS;
    try {
      for (let n = 1; this.#pending.size > 0 && !this.#woke; n++) {
        const event = this.#pop();
        if (event === undefined)
          throw new Error(
            "the simulation is stuck: a promise waits for an event that nothing scheduled",
          );
        if (event.cancelled) continue;
        this.#nowMs = event.atMs;
        this.eventCount++;
        event.run();
        if (n % EVENTS_PER_LOOK === 0 && performance.now() >= this.#sliceEndMs) break;
      }
    } catch (err) {
      const failure = err instanceof Error ? err : new Error(String(err));
      for (const fail of [...this.#pending]) fail(failure);
      this.#pending.clear();
      return;
    }
    this.#kick();
  };

  #push(event: SimEvent): void {
    const heap = this.#heap;
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!earlier(event, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = event;
  }

  #pop(): SimEvent | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && earlier(heap[right]!, heap[left]!) ? right : left;
      if (!earlier(heap[child]!, last)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}

function earlier(a: SimEvent, b: SimEvent): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}
