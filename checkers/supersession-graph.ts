// Which values of a register key superseded which (Riak causality): a write that happened or may
// have happened (ok or info) whose basis held x supersedes x with its own value, and supersession
// is transitive: if 3's basis held 2 and 2's basis held 1, then 3 superseded 1. Queries are
// single passes over the writes or iterative walks (a chain can be as long as the history), never
// recursion. One node object a value (a million-op history has hundreds of thousands of values),
// which also carries what the caller records of the value's last write (`W`).
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

/** What the graph knows of one value. */
export interface ValueFacts<W> {
  readonly id: ValueId;
  /** The caller's record of its last write, whatever the outcome (undefined: never written). */
  written: W | undefined;
  /** The earliest and the latest invoke (ns) of an ok or info write of it (NaN: none). */
  firstInvoke: number;
  lastInvoke: number;
  /** The earliest invoke (ns) of a write whose basis held it (Infinity: none). */
  firstSupersession: number;
  /** The basis values of its writes. */
  bases: ValueId[] | undefined;
  /** The earliest acknowledgement of a write that superseded it, directly or transitively
   * (Infinity: none), once `settle` has run. */
  supersededAt: number;
}

/** A write with its value's node and its basis values' nodes (resolved once, when added). */
interface Edge<W> {
  write: SupersedingWrite;
  own: ValueFacts<W>;
  basis: ValueFacts<W>[];
}

const INFINITY = Number.POSITIVE_INFINITY;

export class SupersessionGraph<W> {
  private readonly nodes = new Map<ValueId, ValueFacts<W>>();
  /** The writes in invoke order (add's order). */
  private readonly edges: Edge<W>[] = [];

  /** Records a write of any outcome (the last one recorded is kept). */
  record(value: ValueId, written: W): void {
    this.node(value).written = written;
  }

  /** Adds an ok or info write; writes come in invoke order. */
  add(write: SupersedingWrite, basis: readonly ValueId[], invokeTime: number): void {
    const own = this.node(write.value);
    if (!(own.firstInvoke <= invokeTime)) own.firstInvoke = invokeTime;
    if (!(own.lastInvoke >= invokeTime)) own.lastInvoke = invokeTime;
    const older: ValueFacts<W>[] = [];
    for (const id of basis) {
      if (id === write.value) continue; // a value rewritten over itself supersedes nothing
      const node = this.node(id);
      if (invokeTime < node.firstSupersession) node.firstSupersession = invokeTime;
      older.push(node);
      if (own.bases === undefined) own.bases = [id];
      else own.bases.push(id);
    }
    if (older.length > 0) this.edges.push({ write, own, basis: older });
  }

  /** Works out every value's supersededAt; call once every write is added. */
  settle(): void {
    for (let i = this.edges.length - 1; i >= 0; i--) {
      const { write, own, basis } = this.edges[i]!;
      const through = Math.min(write.ackTime, own.supersededAt);
      for (const node of basis) if (through < node.supersededAt) node.supersededAt = through;
    }
  }

  /** The facts of a value (undefined when nothing wrote or superseded it). */
  facts(value: ValueId): ValueFacts<W> | undefined {
    return this.nodes.get(value);
  }

  entries(): IterableIterator<[ValueId, ValueFacts<W>]> {
    return this.nodes.entries();
  }

  /**
   * value → the least `weight(w)` over every write w that superseded it, directly or
   * transitively (absent: none did). One pass over the writes, latest invoked first: a write
   * based on y was invoked after y was read, so after y's write, so y's own answer is complete
   * when its write's turn comes (with a value written twice, a write based on it invoked
   * between its writes can be missed: only later answers, never wrong ones).
   */
  earliestAll(weight: (w: SupersedingWrite) => number): Map<ValueId, number> {
    const best = new Map<ValueFacts<W>, number>();
    for (let i = this.edges.length - 1; i >= 0; i--) {
      const { write, own, basis } = this.edges[i]!;
      const through = Math.min(weight(write), best.get(own) ?? INFINITY);
      if (through === INFINITY) continue;
      for (const node of basis) if (through < (best.get(node) ?? INFINITY)) best.set(node, through);
    }
    return new Map([...best].map(([node, at]) => [node.id, at]));
  }

  /**
   * For the siblings of one read (and their facts): the index of a sibling that superseded
   * each, directly or transitively (-1: none), or undefined when none superseded another.
   * A value is read before a write based on it is invoked, so invokes only grow along a chain
   * from x: x can be covered only by a sibling written after x's first supersession, which
   * leaves the usual read (live siblings) at one comparison a sibling.
   */
  newerSiblings(
    ids: readonly ValueId[],
    facts: readonly (ValueFacts<W> | undefined)[],
  ): number[] | undefined {
    if (ids.length < 2) return undefined;
    let latest = Number.NEGATIVE_INFINITY;
    for (const f of facts) if (f !== undefined && f.lastInvoke > latest) latest = f.lastInvoke;
    let newer: number[] | undefined;
    ids.forEach((x, i) => {
      const floor = facts[i]?.firstSupersession ?? INFINITY;
      if (floor > latest) return;
      const j = ids.findIndex((v, k) => v !== x && this.covers(v, facts[k], x, floor));
      if (j < 0) return;
      newer ??= ids.map(() => -1);
      newer[i] = j;
    });
    return newer;
  }

  /** Whether v (with its facts) superseded x, whose first supersession was at `floor`: a walk
   * back through the bases, skipping values whose every write was invoked before `floor`. */
  private covers(
    v: ValueId,
    vFacts: ValueFacts<W> | undefined,
    x: ValueId,
    floor: number,
  ): boolean {
    const before = (f: ValueFacts<W> | undefined) => f !== undefined && f.lastInvoke < floor;
    if (before(vFacts)) return false;
    const visited = new Set<ValueId>([v]);
    const stack = [v];
    while (stack.length > 0) {
      for (const older of this.nodes.get(stack.pop()!)?.bases ?? []) {
        if (older === x) return true;
        if (visited.has(older) || before(this.nodes.get(older))) continue;
        visited.add(older);
        stack.push(older);
      }
    }
    return false;
  }

  private node(value: ValueId): ValueFacts<W> {
    let node = this.nodes.get(value);
    if (node === undefined) {
      node = {
        id: value,
        written: undefined,
        firstInvoke: Number.NaN,
        lastInvoke: Number.NaN,
        firstSupersession: INFINITY,
        bases: undefined,
        supersededAt: INFINITY,
      };
      this.nodes.set(value, node);
    }
    return node;
  }
}
