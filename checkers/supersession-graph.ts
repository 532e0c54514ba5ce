// Which values of a register key superseded which (Riak causality): a write that happened or may
// have happened (ok or info) whose basis held x supersedes x with its own value, and supersession
// is transitive: if 3's basis held 2 and 2's basis held 1, then 3 superseded 1. Built over an
// interned history (interned-history.ts): a value is its key's slot, what the graph knows of it
// sits in typed arrays indexed by the slot, a write is its pair, and its value's bases are stored
// flat. Queries are single passes over the writes or iterative walks (a chain can be as long as
// the history), never recursion.
import { FAIL, type InternedHistory, MALFORMED, OK } from "./interned-history.js";
import { keyOf } from "./op-pairs.js";
import { writtenValue } from "./read-values.js";

const INFINITY = Number.POSITIVE_INFINITY;

export class SupersessionGraph {
  /** Slot → the pair of its last write, whatever the outcome (-1: never written). */
  readonly lastWrite: Int32Array;
  /** Slot → the earliest and the latest invoke (ns) of an ok or info write of it (NaN: none). */
  readonly firstInvoke: Float64Array;
  readonly lastInvoke: Float64Array;
  /** Slot → the earliest invoke (ns) of a write whose basis held it (Infinity: none). */
  readonly firstSupersession: Float64Array;
  /** Slot → the earliest acknowledgement of a write that superseded it, directly or
   * transitively (Infinity: none). */
  readonly supersededAt: Float64Array;
  /** How many slots it has facts for. */
  readonly slotCount: number;
  /** Register key ids in the order of their first write. */
  readonly keyOrder: number[] = [];
  /** Pair → 1 for an ok or info write whose basis held another value than its own. */
  private readonly isEdge: Uint8Array;
  /** The basis values of slot v's writes: bases[basesStart[v] … basesStart[v + 1]). */
  private readonly basesStart: Int32Array;
  private readonly bases: Int32Array;
  /** covers' visited marks: a slot is visited when its mark is the current walk's number. */
  private readonly visited: Int32Array;
  private walk = 0;

  /**
   * The graph of every write and cas to a key that is not a cart key (`cartKey[k]` 1), for
   * `slotCount` slots (the history's, and any the caller adds above them). Throws what the
   * checkers always threw for a write without a key or a malformed cas.
   */
  constructor(
    private readonly h: InternedHistory,
    cartKey: Uint8Array,
    slotCount: number,
  ) {
    const n = h.f.length;
    this.lastWrite = new Int32Array(slotCount).fill(-1);
    this.firstInvoke = new Float64Array(slotCount).fill(Number.NaN);
    this.lastInvoke = new Float64Array(slotCount).fill(Number.NaN);
    this.firstSupersession = new Float64Array(slotCount).fill(INFINITY);
    this.supersededAt = new Float64Array(slotCount).fill(INFINITY);
    this.slotCount = slotCount;
    this.isEdge = new Uint8Array(n);
    this.basesStart = new Int32Array(slotCount + 1);
    this.visited = new Int32Array(slotCount);
    const { f, key, written, outcome, invokeTime, basisStart, basisSlots } = h;
    const WRITE = h.fId("write");
    const CAS = h.fId("cas");
    const keyWritten = new Uint8Array(h.keys.length);
    for (let p = 0; p < n; p++) {
      if (f[p] !== WRITE && f[p] !== CAS) continue;
      const k = key[p]!;
      if (k < 0) keyOf(h.pair(p)); // throws: no key
      if (cartKey[k] === 1) continue;
      const own = written[p]!;
      if (own === MALFORMED) writtenValue(h.invoke(p)); // throws: names the cas
      if (keyWritten[k] === 0) {
        keyWritten[k] = 1;
        this.keyOrder.push(k);
      }
      this.lastWrite[own] = p;
      if (outcome[p] === FAIL) continue;
      const at = invokeTime[p]!;
      if (!(this.firstInvoke[own]! <= at)) this.firstInvoke[own] = at;
      if (!(this.lastInvoke[own]! >= at)) this.lastInvoke[own] = at;
      for (let i = basisStart[p]!; i < basisStart[p + 1]!; i++) {
        const older = basisSlots[i]!;
        if (older === own) continue; // a value rewritten over itself supersedes nothing
        if (at < this.firstSupersession[older]!) this.firstSupersession[older] = at;
        this.basesStart[own + 1]!++;
        this.isEdge[p] = 1;
      }
    }
    for (let v = 0; v < slotCount; v++) this.basesStart[v + 1]! += this.basesStart[v]!;
    this.bases = new Int32Array(this.basesStart[slotCount]!);
    const next = this.basesStart.slice(0, slotCount);
    for (let p = 0; p < n; p++) {
      if (this.isEdge[p] === 0) continue;
      const own = written[p]!;
      for (let i = basisStart[p]!; i < basisStart[p + 1]!; i++) {
        if (basisSlots[i] !== own) this.bases[next[own]!++] = basisSlots[i]!;
      }
    }
    this.settle();
  }

  /** The ack (ns) of write p, or Infinity for an info write (it may have happened, never
   * acknowledged). */
  ackTime(p: number): number {
    return this.h.outcome[p] === OK ? this.h.completeTime[p]! : INFINITY;
  }

  /** Every value's supersededAt: the writes latest invoked first, so a value's own answer is
   * complete when the write based on it comes. */
  private settle(): void {
    const { written, basisStart, basisSlots } = this.h;
    for (let p = this.isEdge.length - 1; p >= 0; p--) {
      if (this.isEdge[p] === 0) continue;
      const own = written[p]!;
      const through = Math.min(this.ackTime(p), this.supersededAt[own]!);
      for (let i = basisStart[p]!; i < basisStart[p + 1]!; i++) {
        const older = basisSlots[i]!;
        if (older !== own && through < this.supersededAt[older]!) {
          this.supersededAt[older] = through;
        }
      }
    }
  }

  /**
   * Slot → the least `weight(p)` over every write p to key `k` that superseded it, directly or
   * transitively (absent: none did). One pass over the key's writes, latest invoked first: a
   * write based on y was invoked after y was read, so after y's write, so y's own answer is
   * complete when its write's turn comes (with a value written twice, a write based on it
   * invoked between its writes can be missed: only later answers, never wrong ones).
   */
  earliestAll(k: number, weight: (p: number) => number): Map<number, number> {
    const { written, basisStart, basisSlots, byKey, byKeyStart } = this.h;
    const best = new Map<number, number>();
    for (let i = byKeyStart[k + 1]! - 1; i >= byKeyStart[k]!; i--) {
      const p = byKey[i]!;
      if (this.isEdge[p] === 0) continue;
      const own = written[p]!;
      const through = Math.min(weight(p), best.get(own) ?? INFINITY);
      if (through === INFINITY) continue;
      for (let b = basisStart[p]!; b < basisStart[p + 1]!; b++) {
        const older = basisSlots[b]!;
        if (older !== own && through < (best.get(older) ?? INFINITY)) best.set(older, through);
      }
    }
    return best;
  }

  /**
   * For the siblings of one read, `ids[start … end)`: the offset (from start) of a sibling that
   * superseded each, directly or transitively (-1: none), or undefined when none superseded
   * another. A value is read before a write based on it is invoked, so invokes only grow along a
   * chain from x: x can be covered only by a sibling written after x's first supersession, which
   * leaves the usual read (live siblings) at one comparison a sibling.
   */
  newerSiblings(ids: Int32Array, start: number, end: number): Int32Array | undefined {
    if (end - start < 2) return undefined;
    let latest = Number.NEGATIVE_INFINITY;
    for (let i = start; i < end; i++) {
      if (this.lastInvoke[ids[i]!]! > latest) latest = this.lastInvoke[ids[i]!]!;
    }
    let newer: Int32Array | undefined;
    for (let i = start; i < end; i++) {
      const x = ids[i]!;
      const floor = this.firstSupersession[x]!;
      if (floor > latest) continue;
      for (let j = start; j < end; j++) {
        if (ids[j] === x || !this.covers(ids[j]!, x, floor)) continue;
        newer ??= new Int32Array(end - start).fill(-1);
        newer[i - start] = j - start;
        break;
      }
    }
    return newer;
  }

  /** Whether v superseded x, whose first supersession was at `floor`: a walk back through the
   * bases, skipping values whose every write was invoked before `floor`. */
  private covers(v: number, x: number, floor: number): boolean {
    if (this.lastInvoke[v]! < floor) return false;
    const walk = ++this.walk;
    this.visited[v] = walk;
    const stack = [v];
    while (stack.length > 0) {
      const at = stack.pop()!;
      for (let i = this.basesStart[at]!; i < this.basesStart[at + 1]!; i++) {
        const older = this.bases[i]!;
        if (older === x) return true;
        if (this.visited[older] === walk || this.lastInvoke[older]! < floor) continue;
        this.visited[older] = walk;
        stack.push(older);
      }
    }
    return false;
  }
}
