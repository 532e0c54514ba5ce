// A paired history (op-pairs.ts order) in typed columns: each client op's f, outcome, times and
// op indexes, its key as an id, the slot of the value a write puts in the store, its basis's
// slots, and a completed read's siblings with their items' slots (value-slots.ts). Worked out
// once per history, from the pairing's positions (no object a pair), and shared, read-only, by
// the checkers that judge it: their hot loops read integers, never an op object, a Map or a
// canonical JSON text. Something a checker would reject (a read whose value is no list, a
// malformed cas, an op without a key) is marked here, not thrown: the checker that reads those
// ops throws it, as it always did.
import type { History, Op } from "./history.js";
import { basisOf, type OpPair, opPair, pairPositions } from "./op-pairs.js";
import { grown } from "./typed-arrays.js";
import { ValueSlots } from "./value-slots.js";

/** `written[p]` of a malformed cas (its value is not [FROM, TO]). */
export const MALFORMED = -2;

/** `outcome[p]` codes, in op-pairs.ts Outcome order (an op that never completed is INFO). */
export const OK = 0;
export const FAIL = 1;
export const INFO = 2;
export const OUTCOME_NAMES = ["ok", "fail", "info"] as const;
const OUTCOME_CODES: Record<string, number> = { ok: OK, fail: FAIL, info: INFO };

export interface InternedHistory {
  readonly history: History;
  /** Pair p is history[invokeAt[p]] and history[completeAt[p]] (-1: never completed). */
  readonly invokeAt: Int32Array;
  readonly completeAt: Int32Array;
  readonly nemesis: readonly Op[];
  /** f id → the f; pair → its f's id (fId("read") finds one). */
  readonly fs: readonly string[];
  readonly f: Int32Array;
  /** Pair → OK, FAIL or INFO, and its invoke and completion times (ns; Infinity when it never
   * completed). */
  readonly outcome: Uint8Array;
  readonly invokeTime: Float64Array;
  readonly completeTime: Float64Array;
  /** Key id → the key; pair → its key's id (-1 when the invoke has no string key). */
  readonly keys: readonly string[];
  readonly key: Int32Array;
  readonly slots: ValueSlots;
  /** Pair → the slot of what its write, cas or add puts in the store; -1 for other ops;
   * MALFORMED for a cas whose value is not [FROM, TO]. */
  readonly written: Int32Array;
  /** Pair p's basis (OpPair.basis) is basisSlots[basisStart[p] … basisStart[p + 1]); hasBasis[p]
   * is 0 when the pair has none (undefined, not empty). */
  readonly basisStart: Int32Array;
  readonly basisSlots: Int32Array;
  readonly hasBasis: Uint8Array;
  /** An ok read or final read's siblings are siblingStart[p] … siblingStart[p + 1]; sibling s's
   * items are items[itemStart[s] … itemStart[s + 1]): a list's items, or the sibling itself. */
  readonly siblingStart: Int32Array;
  readonly itemStart: Int32Array;
  readonly items: Int32Array;
  /** Sibling → 1 when it is a list (a cart's items). */
  readonly isList: Uint8Array;
  /** Pair → 1 for an ok read or final read whose value is not a list of siblings. */
  readonly brokenRead: Uint8Array;
  /** The pairs of key k, in invoke order: byKey[byKeyStart[k] … byKeyStart[k + 1]). */
  readonly byKeyStart: Int32Array;
  readonly byKey: Int32Array;
  /** The id of an f (-1 when no op has it). */
  fId(name: string): number;
  /** Pair p as op-pairs.ts has it (a new object: for examples and the few final reads). */
  pair(p: number): OpPair;
  /** Pair p's invoke, and its completion (undefined when it never completed). */
  invoke(p: number): Op;
  complete(p: number): Op | undefined;
  /** The op index that names pair p: its completion's, else its invoke's. */
  opIndex(p: number): number;
}

const interned = new WeakMap<History, InternedHistory>();

export function internHistory(history: History): InternedHistory {
  let result = interned.get(history);
  if (result === undefined) {
    result = intern(history);
    interned.set(history, result);
  }
  return result;
}

/** Strings to small integers, in order of first appearance. */
class Ids {
  readonly list: string[] = [];
  private readonly ids = new Map<string, number>();
  /** The last name asked for and its id: ops come in runs of one f, and of one key. */
  private lastName: string | undefined;
  private lastId = -1;
  id(name: string): number {
    if (name === this.lastName) return this.lastId;
    this.lastName = name;
    this.lastId = this.idOf(name);
    return this.lastId;
  }
  private idOf(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.list.push(name) - 1;
      this.ids.set(name, id);
    }
    return id;
  }
  find(name: string): number {
    return this.ids.get(name) ?? -1;
  }
}

/** `written[p]` of an op that writes nothing (not a write, cas or add). */
const NOT_WRITTEN = -1;

/** The slot of the value a write-like invoke puts in the store (read-values.ts writtenValue),
 * NOT_WRITTEN, or MALFORMED for a cas whose value is not [FROM, TO]. */
function writtenSlot(op: Op, key: number, slots: ValueSlots): number {
  const f = op.f;
  if (f === "write" || f === "add") return slots.slot(key, op.value);
  if (f !== "cas") return NOT_WRITTEN;
  const value = op.value;
  return Array.isArray(value) && value.length === 2 ? slots.slot(key, value[1]) : MALFORMED;
}

/** The growing value columns: bases, siblings and their items. */
class ValueColumns {
  readonly slots = new ValueSlots();
  basisSlots: Int32Array;
  basisCount = 0;
  itemStart: Int32Array;
  isList: Uint8Array;
  siblingCount = 0;
  items: Int32Array;
  itemCount = 0;

  /** Sized for the history up front (sizes): a million-op history's columns are big buffers,
   * and every regrowth is external memory that can set off a full GC of the history's heap. */
  constructor(sizes: { basis: number; siblings: number; items: number }) {
    this.basisSlots = new Int32Array(sizes.basis);
    this.itemStart = new Int32Array(sizes.siblings + 1);
    this.isList = new Uint8Array(sizes.siblings + 1);
    this.items = new Int32Array(sizes.items);
  }

  basis(key: number, basis: readonly unknown[]): void {
    if (this.basisCount + basis.length > this.basisSlots.length) {
      this.basisSlots = grown(this.basisSlots, this.basisCount + basis.length);
    }
    const slots = this.basisSlots;
    let at = this.basisCount;
    for (let i = 0; i < basis.length; i++) slots[at++] = this.slots.slot(key, basis[i]);
    this.basisCount = at;
  }

  siblings(key: number, siblings: readonly unknown[]): void {
    if (this.siblingCount + siblings.length + 1 > this.itemStart.length) {
      this.itemStart = grown(this.itemStart, this.siblingCount + siblings.length + 1);
      this.isList = grown(this.isList, this.siblingCount + siblings.length + 1);
    }
    for (let s = 0; s < siblings.length; s++) {
      const sibling = siblings[s];
      const list = Array.isArray(sibling);
      const size = list ? sibling.length : 1;
      if (this.itemCount + size > this.items.length) {
        this.items = grown(this.items, this.itemCount + size);
      }
      const items = this.items;
      let at = this.itemCount;
      this.itemStart[this.siblingCount] = at;
      this.isList[this.siblingCount++] = list ? 1 : 0;
      if (list) for (let i = 0; i < size; i++) items[at++] = this.slots.slot(key, sibling[i]);
      else items[at++] = this.slots.slot(key, sibling);
      this.itemCount = at;
    }
  }
}

/** Whether pair p's siblings are interned: an ok read or final read whose value is a list. */
function readsSiblings(invoke: Op, complete: Op | undefined): boolean {
  return (
    complete?.type === "ok" &&
    (invoke.f === "read" || invoke.f === "final-read") &&
    Array.isArray(complete.value)
  );
}

/** How many basis values, siblings and sibling items the pairs hold (ValueColumns' sizes). */
function columnSizes(history: History, invokeAt: Int32Array, completeAt: Int32Array) {
  const sizes = { basis: 0, siblings: 0, items: 0 };
  for (let p = 0; p < invokeAt.length; p++) {
    const invoke = history[invokeAt[p]!]!;
    const complete = completeAt[p]! < 0 ? undefined : history[completeAt[p]!]!;
    sizes.basis += basisOf(invoke, complete)?.length ?? 0;
    if (!readsSiblings(invoke, complete)) continue;
    const siblings = complete!.value as unknown[];
    sizes.siblings += siblings.length;
    for (let s = 0; s < siblings.length; s++) {
      const sibling = siblings[s];
      sizes.items += Array.isArray(sibling) ? sibling.length : 1;
    }
  }
  return sizes;
}

function intern(history: History): InternedHistory {
  const { invokeAt, completeAt, nemesis } = pairPositions(history);
  const n = invokeAt.length;
  const fs = new Ids();
  const keys = new Ids();
  const v = new ValueColumns(columnSizes(history, invokeAt, completeAt));
  const f = new Int32Array(n);
  const outcome = new Uint8Array(n);
  const invokeTime = new Float64Array(n);
  const completeTime = new Float64Array(n);
  const key = new Int32Array(n);
  const written = new Int32Array(n);
  const basisStart = new Int32Array(n + 1);
  const hasBasis = new Uint8Array(n);
  const siblingStart = new Int32Array(n + 1);
  const brokenRead = new Uint8Array(n);
  for (let p = 0; p < n; p++) {
    const invoke = history[invokeAt[p]!]!;
    const complete = completeAt[p]! < 0 ? undefined : history[completeAt[p]!]!;
    f[p] = fs.id(invoke.f);
    outcome[p] = complete === undefined ? INFO : OUTCOME_CODES[complete.type]!;
    invokeTime[p] = invoke.time;
    completeTime[p] = complete === undefined ? Number.POSITIVE_INFINITY : complete.time;
    const k = typeof invoke.key === "string" ? keys.id(invoke.key) : -1;
    key[p] = k;
    written[p] = writtenSlot(invoke, k, v.slots);
    basisStart[p] = v.basisCount;
    const basis = basisOf(invoke, complete);
    if (basis !== undefined) {
      hasBasis[p] = 1;
      v.basis(k, basis);
    }
    siblingStart[p] = v.siblingCount;
    if (readsSiblings(invoke, complete)) v.siblings(k, complete!.value as unknown[]);
    else if (outcome[p] === OK && (invoke.f === "read" || invoke.f === "final-read")) {
      brokenRead[p] = 1;
    }
  }
  basisStart[n] = v.basisCount;
  siblingStart[n] = v.siblingCount;
  v.itemStart = grown(v.itemStart, v.siblingCount + 1);
  v.itemStart[v.siblingCount] = v.itemCount;
  return {
    history,
    invokeAt,
    completeAt,
    nemesis,
    fs: fs.list,
    f,
    outcome,
    invokeTime,
    completeTime,
    keys: keys.list,
    key,
    slots: v.slots,
    written,
    basisStart,
    basisSlots: v.basisSlots.subarray(0, v.basisCount),
    hasBasis,
    siblingStart,
    itemStart: v.itemStart.subarray(0, v.siblingCount + 1),
    items: v.items.subarray(0, v.itemCount),
    isList: v.isList.subarray(0, v.siblingCount),
    brokenRead,
    ...pairsByKey(key, keys.list.length),
    fId: (name) => fs.find(name),
    pair: (p) => opPair(history, invokeAt[p]!, completeAt[p]!),
    invoke: (p) => history[invokeAt[p]!]!,
    complete: (p) => (completeAt[p]! < 0 ? undefined : history[completeAt[p]!]),
    opIndex: (p) => history[completeAt[p]! < 0 ? invokeAt[p]! : completeAt[p]!]!.index,
  };
}

/** The pairs of each key in invoke order, by a counting sort on the key ids. */
function pairsByKey(key: Int32Array, keyCount: number) {
  const byKeyStart = new Int32Array(keyCount + 1);
  for (let p = 0; p < key.length; p++) if (key[p]! >= 0) byKeyStart[key[p]! + 1]!++;
  for (let k = 0; k < keyCount; k++) byKeyStart[k + 1]! += byKeyStart[k]!;
  const next = byKeyStart.slice(0, keyCount);
  const byKey = new Int32Array(byKeyStart[keyCount]!);
  for (let p = 0; p < key.length; p++) if (key[p]! >= 0) byKey[next[key[p]!]!++] = p;
  return { byKeyStart, byKey };
}
