// The linearizability search on one independent part of a history: Wing & Gong's search with
// Lowe's memoisation, laid out the Porcupine way (a doubly-linked list of call/return entries,
// lift/unlift, a memo of (linearized set, state)). Beyond Porcupine: the set is hashed
// incrementally (Zobrist) and stored as a window (linearizable-memo.ts), in typed arrays; states
// are interned to small ints and transitions cached (linearizable-states.ts); info ops (outcome
// unknown) return at the end of time and need never be placed; a configuration is pruned when
// one with the same ok ops and state and a SUBSET of the info ops used was explored; info ops
// with equal inputs are placed in call order only; and a read that matches the state is placed
// at once, with no alternative tried. A part's fixed-size arrays share one buffer: a small part
// costs a few allocations, not dozens.
import { ConfigurationMemo, type Configuration } from "./linearizable-memo.js";
import { REJECTED, StateTable } from "./linearizable-states.js";
import type { AnyModel } from "./models/model.js";

export interface SearchCall {
  input: unknown;
  /** undefined when the outcome is unknown. */
  output: unknown;
  /** An op of unknown outcome: it may take effect any time after its call, or never. */
  info: boolean;
  /** Event positions in real-time order; an info op's return is at +Infinity. */
  callPos: number;
  returnPos: number;
}

export interface SearchOptions {
  /** performance.now() after which the search gives up with "unknown". */
  deadline: number;
  /** The memo may hold this many configurations, or bytes, before the search gives up. */
  maxCacheEntries: number;
  maxMemoryBytes: number;
  /** Porcupine's algorithm for comparison: the memo prunes exact (linearized set, state)
   * repeats only: no info-set subsumption, no info symmetry, no eager reads. */
  baseline: boolean;
}

export type SearchOutcome =
  | { kind: "ok"; order: number[]; steps: number; cacheEntries: number }
  | {
      kind: "illegal";
      /** The call whose return no linearization could reach: the shortest failing prefix ends there. */
      blocked: number;
      /** The longest partial linearization found (call ids in order) and the state after it. */
      order: number[];
      state: unknown;
      steps: number;
      cacheEntries: number;
    }
  | { kind: "unknown"; reason: string; steps: number; cacheEntries: number };

/** Deterministic 32-bit random words for the Zobrist hashes, shared by every search (a prefix
 * of one fixed sequence, extended when a part has more calls than any before). */
const zobristWords: { a: Int32Array; b: Int32Array } = {
  a: new Int32Array(0),
  b: new Int32Array(0),
};
function zobrist(count: number): { a: Int32Array; b: Int32Array } {
  if (zobristWords.a.length < count) {
    const size = Math.max(count, zobristWords.a.length * 2, 1024);
    zobristWords.a = xorshiftWords(size, 0x2545f491);
    zobristWords.b = xorshiftWords(size, 0x6c8e9cf5);
  }
  return zobristWords;
}
function xorshiftWords(count: number, seed: number): Int32Array {
  const words = new Int32Array(count);
  let x = seed;
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x;
  }
  return words;
}

/** A search's fixed-size arrays (per entry, per call, per word of the linearized sets), as
 * views of one buffer, for up to `capacity` calls: a search may use a bigger one than it needs. */
class SearchArrays implements EntryList {
  readonly next: Int32Array;
  readonly prev: Int32Array;
  readonly entryCall: Int32Array;
  readonly isCall: Int32Array;
  readonly match: Int32Array;
  readonly byCall: Int32Array;
  readonly byReturn: Int32Array;
  readonly callEntry: Int32Array;
  readonly slot: Int32Array;
  readonly previousInClass: Int32Array;
  readonly readOnly: Int32Array;
  readonly resets: Int32Array;
  readonly stackEntry: Int32Array;
  readonly stackStateId: Int32Array;
  readonly stackLow: Int32Array;
  readonly stackHigh: Int32Array;
  readonly stackForced: Int32Array;
  readonly bestStack: Int32Array;
  /** The ok and the info ops placed, one bit a slot (`words` words each). */
  readonly okBits: Int32Array;
  readonly infoBits: Int32Array;

  constructor(readonly capacity: number) {
    const entries = 2 * capacity + 2;
    const words = (capacity + 31) >>> 5 || 1;
    const ints = new Int32Array(5 * entries + 13 * capacity + 2 * words);
    let offset = 0;
    const take = (length: number) => {
      offset += length;
      return ints.subarray(offset - length, offset);
    };
    this.next = take(entries);
    this.prev = take(entries);
    this.entryCall = take(entries);
    this.isCall = take(entries);
    this.match = take(entries);
    this.byCall = take(capacity);
    this.byReturn = take(capacity);
    this.callEntry = take(capacity);
    this.slot = take(capacity);
    this.previousInClass = take(capacity);
    this.readOnly = take(capacity);
    this.resets = take(capacity);
    this.stackEntry = take(capacity);
    this.stackStateId = take(capacity);
    this.stackLow = take(capacity);
    this.stackHigh = take(capacity);
    this.stackForced = take(capacity);
    this.bestStack = take(capacity);
    this.okBits = take(words);
    this.infoBits = take(words);
  }
}

/**
 * What one search allocates, kept for the next: searches run one at a time (synchronously),
 * most parts are small, and for a small part allocating its typed arrays costs more than the
 * search. Large arrays are not kept (see the reset methods), so memory goes back after a big part.
 */
const scratch = {
  arrays: new SearchArrays(64),
  memo: new ConfigurationMemo(),
  table: new StateTable(),
};
const KEPT_CALLS_MAX = 1 << 12;

/** Arrays for a search of n calls, with empty linearized sets. */
function searchArrays(n: number): SearchArrays {
  let arrays = scratch.arrays;
  if (arrays.capacity < n) {
    arrays = new SearchArrays(n);
    if (n <= KEPT_CALLS_MAX) scratch.arrays = arrays;
  }
  arrays.okBits.fill(0);
  arrays.infoBits.fill(0);
  return arrays;
}

/** Writes into `order` (its first calls.length slots) the call indexes sorted by `key`, ties in
 * call order (no sort when the calls come sorted, as they usually do). */
function sortCalls(
  calls: readonly SearchCall[],
  key: (c: SearchCall) => number,
  order: Int32Array,
): void {
  let sorted = true;
  for (let c = 0; c < calls.length; c++) {
    order[c] = c;
    if (c > 0 && key(calls[c]!) < key(calls[c - 1]!)) sorted = false;
  }
  if (!sorted) {
    order
      .subarray(0, calls.length)
      .sort((a, b) => key(calls[a]!) - key(calls[b]!) || calls[a]!.callPos - calls[b]!.callPos);
  }
}

interface EntryList {
  next: Int32Array;
  prev: Int32Array;
  entryCall: Int32Array;
  isCall: Int32Array;
  /** A call entry's return entry. */
  match: Int32Array;
  /** Scratch: calls by call position, by return position, and each call's entry. */
  byCall: Int32Array;
  byReturn: Int32Array;
  callEntry: Int32Array;
}

/**
 * The entries 1..2n in event order (0 is the head, 2n+1 the tail sentinel): calls before
 * returns at equal positions, returns at equal positions (the info ones at +Infinity) in call
 * order; next/prev link them in that order.
 */
function linkEntries(calls: readonly SearchCall[], list: EntryList): void {
  const n = calls.length;
  const { byCall, byReturn, callEntry } = list;
  sortCalls(calls, (c) => c.callPos, byCall);
  sortCalls(calls, (c) => c.returnPos, byReturn);
  let i = 0;
  let j = 0;
  for (let e = 1; e <= 2 * n; e++) {
    const takeCall =
      i < n && (j >= n || calls[byCall[i]!]!.callPos <= calls[byReturn[j]!]!.returnPos);
    if (takeCall) {
      const c = byCall[i++]!;
      list.entryCall[e] = c;
      list.isCall[e] = 1;
      callEntry[c] = e;
    } else {
      const c = byReturn[j++]!;
      list.entryCall[e] = c;
      list.isCall[e] = 0;
      list.match[callEntry[c]!] = e;
    }
  }
  for (let e = 0; e <= 2 * n + 1; e++) {
    list.next[e] = e + 1;
    list.prev[e] = e - 1;
  }
}

export function searchLinearization(
  model: AnyModel,
  initial: unknown,
  calls: readonly SearchCall[],
  options: SearchOptions,
): SearchOutcome {
  try {
    return new PartSearch(model, initial, calls, options).run();
  } finally {
    scratch.table.release(); // its states can be large (kv strings): not kept
  }
}

/** What a fresh configuration's scan found (scanFresh): no shortcut, or a dead end. */
const NOTHING = -1;
const DEAD = -2;

/** One search: the entry list, the linearized set, the stack of placements and the memo. */
class PartSearch {
  private readonly a: SearchArrays;
  private readonly table = scratch.table;
  private readonly memo = scratch.memo;
  private readonly config: Configuration;
  private readonly tail: number;
  private readonly okCount: number;
  private readonly zA: Int32Array;
  private readonly zB: Int32Array;
  private readonly hashesInfo: boolean;
  private depth = 0;
  /** The longest linearization so far (bestStack), copied incrementally: below `stableDepth`
   * the stack has not changed since the last copy. */
  private bestDepth = 0;
  private stableDepth = 0;
  private bestStateId: number;
  /** The furthest return entry a branch got stuck at: the end of the shortest failing prefix. */
  private furthest = -1;
  private stateId: number;
  private remainingOk: number;
  private steps = 0;
  /** The entry to try next, and whether the configuration was just entered (not scanned). */
  private entry: number;
  private fresh: boolean;

  constructor(
    private readonly model: AnyModel,
    initial: unknown,
    private readonly calls: readonly SearchCall[],
    private readonly options: SearchOptions,
  ) {
    const n = calls.length;
    let infoCount = 0;
    for (let c = 0; c < n; c++) if (calls[c]!.info) infoCount++;
    this.okCount = n - infoCount;
    const infoWords = Math.max(1, (infoCount + 31) >>> 5);
    this.a = searchArrays(n);
    linkEntries(calls, this.a);
    this.tail = 2 * n + 1;
    this.assignSlots();
    this.classifyCalls();
    ({ a: this.zA, b: this.zB } = zobrist(n));
    this.hashesInfo = options.baseline;
    this.table.reset(model, calls, this.a.readOnly, this.a.resets);
    this.memo.reset(infoCount > 0 ? infoWords : 0, this.hashesInfo);
    this.stateId = this.table.intern(model.init(initial));
    this.bestStateId = this.stateId;
    this.config = {
      hashA: 0,
      hashB: 0,
      stateId: this.stateId,
      low: 0,
      high: -1,
      okBits: this.a.okBits,
      infoBits: this.a.infoBits,
    };
    this.remainingOk = this.okCount;
    this.entry = this.a.next[0]!;
    this.fresh = !options.baseline;
  }

  /**
   * Ok ops and info ops get separate bit slots: only ok ops enter the hash under subsumption.
   * Info ops with equal inputs are interchangeable once called (both return at the end of
   * time), so only the earliest-called unused one of each class may be placed: a
   * linearization using a later one can swap it for the earlier (previousInClass).
   */
  private assignSlots(): void {
    const { calls } = this;
    const { slot, previousInClass } = this.a;
    let ok = 0;
    let info = 0;
    for (let c = 0; c < calls.length; c++) slot[c] = calls[c]!.info ? info++ : ok++;
    previousInClass.fill(-1);
    if (this.options.baseline || info < 2) return;
    const lastInClass = new Map<string, number>();
    for (let c = 0; c < calls.length; c++) {
      if (!calls[c]!.info) continue;
      const cls = JSON.stringify(calls[c]!.input) ?? "";
      const before = lastInClass.get(cls);
      if (before !== undefined) previousInClass[c] = before;
      lastInClass.set(cls, c);
    }
  }

  /**
   * Eager reads: a read-only op that is callable now and matches the state can be placed now
   * in some linearization if in any (moving it earlier breaks no real-time order, changes no
   * state), so a configuration with such a read needs no other branch. Lookahead: ops that
   * can leave any state (writes, puts); with none in reach, the first read to complete must
   * be reachable from the state by the others (model.mayLeadTo).
   */
  private classifyCalls(): void {
    const { model, calls } = this;
    const { readOnly, resets } = this.a;
    const pruned = !this.options.baseline;
    const eager = pruned && model.readOnly !== undefined;
    const lookahead = pruned && model.resets !== undefined && model.mayLeadTo !== undefined;
    for (let c = 0; c < calls.length; c++) {
      const call = calls[c]!;
      readOnly[c] = eager && !call.info && model.readOnly!(call.input) ? 1 : 0;
      resets[c] = !lookahead || model.resets!(call.input) ? 1 : 0;
    }
  }

  run(): SearchOutcome {
    const { next, isCall } = this.a;
    while (this.remainingOk > 0) {
      if ((++this.steps & 0x3ff) === 0) {
        const outOfBudget = this.budgetExhausted();
        if (outOfBudget !== undefined) return outOfBudget;
      }
      let dead = false;
      if (this.fresh) {
        this.fresh = false;
        const read = this.scanFresh();
        if (read >= 0) {
          if (this.tryPlace(read, this.stateId, 1)) {
            this.entry = next[0]!;
            this.fresh = true;
            continue;
          }
          dead = true; // seen with this read placed: this configuration can do no better
        } else dead = read === DEAD;
      }
      const entry = this.entry;
      if (!dead && entry !== this.tail && isCall[entry] === 1) {
        if (this.tryCall(entry)) {
          this.entry = next[0]!;
          this.fresh = !this.options.baseline;
        } else this.entry = next[entry]!;
        continue;
      }
      // A return entry of an op not yet linearized: this branch got stuck there.
      if (!dead) this.reached(entry);
      if (!this.backtrack()) return this.illegal();
    }
    const order = Array.from(
      this.a.stackEntry.subarray(0, this.depth),
      (e) => this.a.entryCall[e]!,
    );
    return { kind: "ok", order, steps: this.steps, cacheEntries: this.memo.entries };
  }

  private budgetExhausted(): SearchOutcome | undefined {
    const { options, steps } = this;
    const cacheEntries = this.memo.entries;
    if (performance.now() > options.deadline) {
      return { kind: "unknown", reason: "time budget exhausted", steps, cacheEntries };
    }
    const bytes = this.memo.bytes + this.table.bytes;
    if (cacheEntries > options.maxCacheEntries || bytes > options.maxMemoryBytes) {
      return { kind: "unknown", reason: "memory budget exhausted", steps, cacheEntries };
    }
    return undefined;
  }

  /**
   * A configuration just entered: the entry of a read to place at once (one that matches the
   * state), DEAD when the first op to return can no longer be satisfied (only ops that do not
   * reset, like appends, are in reach, and none of the states they lead to matches it), else
   * NOTHING.
   */
  private scanFresh(): number {
    const { next, isCall, entryCall, readOnly, resets } = this.a;
    const { table, stateId, tail } = this;
    let resetAvailable = false;
    let e = next[0]!;
    for (; e !== tail && isCall[e] === 1; e = next[e]!) {
      const c = entryCall[e]!;
      if (readOnly[c] === 1 && table.step(stateId, c) === stateId) return e;
      if (resets[c] === 1) resetAvailable = true;
    }
    if (e === tail || resetAvailable || readOnly[entryCall[e]!] !== 1) return NOTHING;
    const blocked = this.calls[entryCall[e]!]!;
    if (this.model.mayLeadTo!(table.states[stateId], blocked.input, blocked.output)) {
      return NOTHING;
    }
    // Every continuation gets stuck exactly at that return: record it as reached.
    this.reached(e);
    return DEAD;
  }

  /** Tries the call at entry `at` from the current configuration (not a forced read). */
  private tryCall(at: number): boolean {
    const { entryCall, previousInClass, infoBits, slot } = this.a;
    const c = entryCall[at]!;
    const before = previousInClass[c]!;
    // An info op whose earlier twin is unused waits for it (info symmetry, assignSlots).
    if (before >= 0 && (infoBits[slot[before]! >>> 5]! & (1 << (slot[before]! & 31))) === 0) {
      return false;
    }
    const afterId = this.table.step(this.stateId, c);
    return afterId !== REJECTED && this.tryPlace(at, afterId, 0);
  }

  /** Places the call at entry `at`, leading to state `afterId`; true (and the new
   * configuration entered) unless the memo has seen it (or one that subsumes it). */
  private tryPlace(at: number, afterId: number, forced: number): boolean {
    const { a, config } = this;
    const c = a.entryCall[at]!;
    const lowBefore = config.low;
    const highBefore = config.high;
    this.toggle(c);
    this.placed(c);
    config.stateId = afterId;
    if (!this.memo.remember(config)) {
      this.toggle(c);
      config.low = lowBefore;
      config.high = highBefore;
      return false;
    }
    const depth = this.depth++;
    a.stackEntry[depth] = at;
    a.stackStateId[depth] = this.stateId;
    a.stackLow[depth] = lowBefore;
    a.stackHigh[depth] = highBefore;
    a.stackForced[depth] = forced;
    this.stateId = afterId;
    lift(a, at);
    if (!this.calls[c]!.info) this.remainingOk--;
    return true;
  }

  /**
   * This configuration is dead: undoes placements up to one whose siblings remain to be tried
   * (a forced read has none, so its parent is dead too), and moves on to the next sibling.
   * False when there is nothing left to undo: no linearization exists.
   */
  private backtrack(): boolean {
    const a = this.a;
    let forced = 1;
    while (forced === 1) {
      if (this.depth === 0) return false;
      const depth = --this.depth;
      if (depth < this.stableDepth) this.stableDepth = depth;
      const entry = a.stackEntry[depth]!;
      forced = a.stackForced[depth]!;
      this.stateId = a.stackStateId[depth]!;
      this.config.low = a.stackLow[depth]!;
      this.config.high = a.stackHigh[depth]!;
      const c = a.entryCall[entry]!;
      this.toggle(c);
      if (!this.calls[c]!.info) this.remainingOk++;
      unlift(a, entry);
      this.entry = entry;
    }
    this.entry = a.next[this.entry]!;
    return true;
  }

  /** Flips call c in the linearized set (and its hash). */
  private toggle(c: number): void {
    const s = this.a.slot[c]!;
    if (this.calls[c]!.info) {
      this.a.infoBits[s >>> 5]! ^= 1 << (s & 31);
      if (!this.hashesInfo) return;
    } else {
      this.a.okBits[s >>> 5]! ^= 1 << (s & 31);
    }
    this.config.hashA ^= this.zA[c]!;
    this.config.hashB ^= this.zB[c]!;
  }

  /** Moves the window's `low` and `high` after placing call c. */
  private placed(c: number): void {
    if (this.calls[c]!.info) return;
    const config = this.config;
    const s = this.a.slot[c]!;
    if (s > config.high) config.high = s;
    if (s !== config.low) return;
    const okBits = this.a.okBits;
    let low = s;
    while (low < this.okCount && (okBits[low >>> 5]! & (1 << (low & 31))) !== 0) low++;
    config.low = low;
  }

  /** Notes that a branch got stuck at return entry `at`: the furthest one is the end of the
   * shortest failing prefix, and the stack then is the longest linearization found. */
  private reached(at: number): void {
    if (at <= this.furthest) return;
    this.furthest = at;
    const { bestStack, stackEntry } = this.a;
    bestStack.set(stackEntry.subarray(this.stableDepth, this.depth), this.stableDepth);
    this.bestDepth = this.depth;
    this.stableDepth = this.depth;
    this.bestStateId = this.stateId;
  }

  private illegal(): SearchOutcome {
    const { entryCall, bestStack } = this.a;
    return {
      kind: "illegal",
      blocked: entryCall[Math.max(this.furthest, 1)]!,
      order: Array.from(bestStack.subarray(0, this.bestDepth), (e) => entryCall[e]!),
      state: this.table.states[this.bestStateId],
      steps: this.steps,
      cacheEntries: this.memo.entries,
    };
  }
}

/** Unlinks the call entry `at` and its return entry. */
function lift(list: EntryList, at: number): void {
  const { next, prev } = list;
  const r = list.match[at]!;
  next[prev[at]!] = next[at]!;
  prev[next[at]!] = prev[at]!;
  next[prev[r]!] = next[r]!;
  prev[next[r]!] = prev[r]!;
}

/** Relinks the return entry of call entry `at`, then the entry itself. */
function unlift(list: EntryList, at: number): void {
  const { next, prev } = list;
  const r = list.match[at]!;
  next[prev[r]!] = r;
  prev[next[r]!] = r;
  next[prev[at]!] = at;
  prev[next[at]!] = at;
}
