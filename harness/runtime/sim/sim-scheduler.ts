// Virtual time for the sim runtime: one queue of events ordered by (time, insertion), and the
// driver that runs the harness's async code (runner, clients, nemesis, final reads) in that time.
// The harness awaits promises the scheduler hands out (`waiter`, `sleep`, the RunClock); while one
// is pending the driver runs events in order, and after an event settles one it stops until the
// harness's microtasks have run (it resumes from a nextTick queued behind them), so woken code
// acts at the instant it was woken and the same inputs give the same interleaving, run after run.
// With nothing pending, time stands still; it moves in whole nanoseconds. Contract: while a sim
// promise is pending the harness awaits nothing real (I/O, real timers); an event that throws
// rejects every pending promise.
// (Hot paths use objects with methods, not closures: tsx names every closure it creates.)
import type { RunClock } from "../../run/run-clock.js";

/** What an event does: a function, or an object's `fire`. */
export type SimAction = (() => void) | { fire(): void };

export interface SimTimer {
  cancel(): void;
}

class SimEvent implements SimTimer {
  cancelled = false;
  constructor(
    readonly atMs: number,
    readonly seq: number,
    readonly action: SimAction,
  ) {}

  cancel(): void {
    this.cancelled = true;
  }
}

/** Told when a signal aborts (through the scheduler's one listener per signal). */
export interface Abortable {
  aborted(): void;
}

/** What the scheduler holds of a pending promise: how to fail it. */
interface Pending {
  fail(err: Error): void;
}

/** A promise the harness awaits, settled by sim events; `settle` counts once. */
export class SimWaiter<T> implements Pending {
  readonly promise: Promise<T>;
  #resolve!: (value: T) => void;
  #reject!: (err: Error) => void;
  #done = false;

  constructor(readonly scheduler: SimScheduler) {
    this.promise = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  get done(): boolean {
    return this.#done;
  }

  settle(value: T): void {
    if (this.#done) return;
    this.#done = true;
    this.scheduler.settled(this);
    this.#resolve(value);
  }

  fail(err: Error): void {
    if (this.#done) return;
    this.#done = true;
    this.#reject(err);
  }
}

class Sleeper implements Abortable {
  timer: SimTimer | undefined;
  constructor(
    readonly waiter: SimWaiter<void>,
    readonly signal: AbortSignal | undefined,
  ) {}

  fire(): void {
    if (this.signal) this.waiter.scheduler.unlisten(this.signal, this);
    this.waiter.settle();
  }

  aborted(): void {
    this.timer?.cancel();
    this.waiter.settle();
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
  /** The promises pending on the sim. */
  readonly #pending = new Set<Pending>();
  readonly #aborts = new Map<
    AbortSignal,
    { targets: Set<Abortable>; onAbort: { handleEvent(): void } }
  >();
  #woke = false;
  #scheduled = false;
  #sliceEndMs = 0;
  /** Events run so far (for benchmarks and tests). */
  eventCount = 0;

  nowMs(): number {
    return this.#nowMs;
  }

  /** Runs the action at `atMs` (now, if that has passed), on the nanosecond grid. */
  at(atMs: number, action: SimAction): SimTimer {
    const event = new SimEvent(Math.max(onGrid(atMs), this.#nowMs), this.#seq++, action);
    this.#push(event);
    return event;
  }

  after(ms: number, action: SimAction): SimTimer {
    return this.at(this.#nowMs + ms, action);
  }

  /** A new pending promise. */
  waiter<T>(): SimWaiter<T> {
    const waiter = new SimWaiter<T>(this);
    this.#pending.add(waiter);
    this.#kick();
    return waiter;
  }

  /** A waiter settled: the driver stops so that its harness code runs now. */
  settled(waiter: Pending): void {
    this.#pending.delete(waiter);
    this.#woke = true;
  }

  /** A promise that `start`'s events settle (the first call counts). */
  wait<T>(start: (settle: (value: T) => void) => void): Promise<T> {
    const waiter = this.waiter<T>();
    start((value) => waiter.settle(value));
    return waiter.promise;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (ms <= 0 || signal?.aborted) return Promise.resolve();
    const sleeper = new Sleeper(this.waiter<void>(), signal);
    sleeper.timer = this.after(ms, sleeper);
    if (signal) this.listen(signal, sleeper);
    return sleeper.waiter.promise;
  }

  /** Tells `target` when `signal` aborts (EventTarget listeners cost more, one per call). */
  listen(signal: AbortSignal, target: Abortable): void {
    let listening = this.#aborts.get(signal);
    if (listening === undefined) {
      const targets = new Set<Abortable>();
      const onAbort = {
        handleEvent: () => {
          this.#aborts.delete(signal);
          for (const t of [...targets]) t.aborted();
        },
      };
      listening = { targets, onAbort };
      this.#aborts.set(signal, listening);
      signal.addEventListener("abort", onAbort, { once: true });
    }
    listening.targets.add(target);
  }

  /** The last target of a signal gone, its one listener goes too (signals outlive clusters). */
  unlisten(signal: AbortSignal, target: Abortable): void {
    const listening = this.#aborts.get(signal);
    if (listening === undefined || !listening.targets.delete(target)) return;
    if (listening.targets.size > 0) return;
    this.#aborts.delete(signal);
    signal.removeEventListener("abort", listening.onAbort);
  }

  #kick(): void {
    if (this.#scheduled || this.#pending.size === 0) return;
    this.#scheduled = true;
    // Queued behind every microtask so far, and those they queue in turn: the woken harness
    // code runs to its next await before time moves on. Now and then a macrotask goes first.
    queueMicrotask(this.#afterMicrotasks);
  }

  readonly #afterMicrotasks = (): void => {
    if (performance.now() < this.#sliceEndMs) process.nextTick(this.#drive);
    else setImmediate(this.#drive);
  };

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
        const { action } = event;
        if (typeof action === "function") action();
        else action.fire();
        if (n % EVENTS_PER_LOOK === 0 && performance.now() >= this.#sliceEndMs) break;
      }
    } catch (err) {
      const failure = err instanceof Error ? err : new Error(String(err));
      for (const waiter of [...this.#pending]) waiter.fail(failure);
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

/** Virtual time is whole nanoseconds (in ms): the history's times are exact, so a run replayed
 * from them (a script) happens at the very same instants. */
function onGrid(ms: number): number {
  return Math.round(ms * 1e6) / 1e6;
}

function earlier(a: SimEvent, b: SimEvent): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}
