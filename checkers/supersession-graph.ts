// Which values of a register key superseded which (Riak causality): a write that happened or may
// have happened (ok or info) whose basis held x supersedes x with its own value, and supersession
// is transitive: if 3's basis held 2 and 2's basis held 1, then 3 superseded 1. Queries walk the
// graph lazily and iteratively (a chain can be as long as the history), memoised per question.
import type { ValueId } from "./read-values.js";

/** One ok or info write, as an edge from each value of its basis to its own value. */
export interface SupersedingWrite {
  value: ValueId;
  process: unknown;
  /** The ack (ns), or Infinity for an info write (it may have happened, never acknowledged). */
  ackTime: number;
  /** The op that names it in examples: its completion, else its invoke. */
  op: number;
}

export class SupersessionGraph {
  /** value → the writes whose basis held it. */
  private readonly successors = new Map<ValueId, SupersedingWrite[]>();
  /** value → the basis values of its ok or info writes. */
  private readonly bases = new Map<ValueId, ValueId[]>();
  /** value → the earliest and the latest invoke (ns) of an ok or info write of it. */
  private readonly firstInvokes = new Map<ValueId, number>();
  private readonly lastInvokes = new Map<ValueId, number>();

  add(write: SupersedingWrite, basis: readonly ValueId[], invokeTime: number): void {
    const seen = this.firstInvokes.get(write.value);
    if (seen === undefined || invokeTime < seen) this.firstInvokes.set(write.value, invokeTime);
    const last = this.lastInvokes.get(write.value);
    if (last === undefined || invokeTime > last) this.lastInvokes.set(write.value, invokeTime);
    for (const id of basis) {
      if (id === write.value) continue; // a value rewritten over itself supersedes nothing
      const list = this.successors.get(id);
      if (list === undefined) this.successors.set(id, [write]);
      else list.push(write);
      const own = this.bases.get(write.value);
      if (own === undefined) this.bases.set(write.value, [id]);
      else own.push(id);
    }
  }

  /** Whether an ok or info write superseded x (directly). */
  isSuperseded(x: ValueId): boolean {
    return this.successors.has(x);
  }

  /** The earliest invoke of an ok or info write of x; undefined when none wrote it. */
  firstInvoke(x: ValueId): number | undefined {
    return this.firstInvokes.get(x);
  }

  /**
   * The least `weight(w)` over every write w that superseded x, directly or transitively
   * (Infinity when none did), memoised in `memo` (one memo per weight function).
   */
  earliest(
    x: ValueId,
    weight: (w: SupersedingWrite) => number,
    memo: Map<ValueId, number>,
  ): number {
    const known = memo.get(x);
    if (known !== undefined) return known;
    // Iterative post-order walk; a value on the stack reads as Infinity (a cycle, possible only
    // in a broken history, adds nothing).
    const frames = [{ value: x, next: 0, best: Number.POSITIVE_INFINITY }];
    memo.set(x, Number.POSITIVE_INFINITY);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1]!;
      const writes = this.successors.get(frame.value);
      if (writes !== undefined && frame.next < writes.length) {
        const w = writes[frame.next++]!;
        frame.best = Math.min(frame.best, weight(w));
        const later = memo.get(w.value);
        if (later !== undefined) frame.best = Math.min(frame.best, later);
        else {
          memo.set(w.value, Number.POSITIVE_INFINITY);
          frames.push({ value: w.value, next: 0, best: Number.POSITIVE_INFINITY });
        }
        continue;
      }
      frames.pop();
      memo.set(frame.value, frame.best);
      const parent = frames[frames.length - 1];
      if (parent !== undefined) parent.best = Math.min(parent.best, frame.best);
    }
    return memo.get(x)!;
  }

  /**
   * Whether v superseded x, directly or transitively: x is in v's basis, or in the basis of a
   * value of v's basis, and so on. A value is read before a write based on it is invoked, so
   * invokes only go back in time along a chain: a value whose every write was invoked before
   * x's first write cannot lead to it.
   */
  covers(v: ValueId, x: ValueId): boolean {
    if (v === x) return false;
    const floor = this.firstInvokes.get(x) ?? Number.NEGATIVE_INFINITY;
    const visited = new Set<ValueId>([v]);
    const stack = [v];
    while (stack.length > 0) {
      for (const older of this.bases.get(stack.pop()!) ?? []) {
        if (older === x) return true;
        if (visited.has(older) || (this.lastInvokes.get(older) ?? floor) < floor) continue;
        visited.add(older);
        stack.push(older);
      }
    }
    return false;
  }
}
