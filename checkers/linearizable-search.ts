// The linearizability search on one independent part of a history: Wing & Gong's search with
// Lowe's memoisation, laid out the Porcupine way (a doubly-linked list of call/return entries,
// lift/unlift, a memo of (linearized set, state)). Beyond Porcupine: the set is hashed
// incrementally (Zobrist) and stored as a window (see `remember`), in typed arrays; states are
// interned to small ints; info ops (outcome unknown) return at the end of time and need never
// be placed; a configuration is pruned when one with the same ok ops and state and a SUBSET of
// the info ops used was explored; info ops with equal inputs are placed in call order only;
// and a read that matches the state is placed at once, with no alternative tried.
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

/** Deterministic 32-bit random words for the Zobrist hashes (one fixed seed). */
function zobrist(count: number, seed: number): Int32Array {
  const words = new Int32Array(count);
  let x = seed | 0 || 1;
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x;
  }
  return words;
}

export function searchLinearization(
  model: AnyModel,
  initial: unknown,
  calls: readonly SearchCall[],
  options: SearchOptions,
): SearchOutcome {
  const n = calls.length;
  // Entries 1..2n in event order; 0 is the head, 2n+1 the tail sentinel.
  const events: { pos: number; isCall: boolean; call: number }[] = [];
  for (let c = 0; c < n; c++) {
    events.push({ pos: calls[c]!.callPos, isCall: true, call: c });
    events.push({ pos: calls[c]!.returnPos, isCall: false, call: c });
  }
  events.sort(
    (a, b) =>
      a.pos - b.pos ||
      (a.isCall === b.isCall ? 0 : a.isCall ? -1 : 1) ||
      calls[a.call]!.callPos - calls[b.call]!.callPos,
  );
  const tail = 2 * n + 1;
  const next = new Int32Array(2 * n + 2);
  const prev = new Int32Array(2 * n + 2);
  const entryCall = new Int32Array(2 * n + 2);
  const isCall = new Uint8Array(2 * n + 2);
  const match = new Int32Array(2 * n + 2);
  const callEntry = new Int32Array(n);
  for (let i = 0; i < events.length; i++) {
    const e = i + 1;
    const ev = events[i]!;
    entryCall[e] = ev.call;
    isCall[e] = ev.isCall ? 1 : 0;
    if (ev.isCall) callEntry[ev.call] = e;
    else match[callEntry[ev.call]!] = e;
  }
  for (let e = 0; e <= tail; e++) {
    next[e] = e + 1;
    prev[e] = e - 1;
  }

  // Ok ops and info ops get separate bit slots: only ok ops enter the hash under subsumption.
  const slot = new Int32Array(n);
  let okCount = 0;
  let infoCount = 0;
  for (let c = 0; c < n; c++) slot[c] = calls[c]!.info ? infoCount++ : okCount++;
  // Info ops with equal inputs are interchangeable once called (both return at the end of
  // time), so only the earliest-called unused one of each class may be placed: a linearization
  // using a later one can swap it for the earlier. This cuts the info orderings the search tries.
  const previousInClass = new Int32Array(n).fill(-1);
  const lastInClass = new Map<string, number>();
  for (let c = 0; c < n && !options.baseline; c++) {
    if (!calls[c]!.info) continue;
    const cls = JSON.stringify(calls[c]!.input) ?? "";
    const before = lastInClass.get(cls);
    if (before !== undefined) previousInClass[c] = before;
    lastInClass.set(cls, c);
  }
  const okBits = new Uint32Array(Math.max(1, (okCount + 31) >>> 5));
  const infoBits = new Uint32Array(Math.max(1, (infoCount + 31) >>> 5));
  const zA = zobrist(n, 0x2545f491);
  const zB = zobrist(n, 0x6c8e9cf5);
  const hashesInfo = options.baseline;
  let hashA = 0;
  let hashB = 0;

  // States are interned to small ints (the memo and the stack hold ints); interning hashes the
  // state's key, which for a kv string is O(length), hence the per-(state, call) memo below.
  const stateIds = new Map<string, number>();
  const states: unknown[] = [];
  const intern = (state: unknown): number => {
    const key = model.key(state);
    let id = stateIds.get(key);
    if (id === undefined) {
      id = states.length;
      stateIds.set(key, id);
      states.push(state);
    }
    return id;
  };
  const transitions: (Map<number, number> | undefined)[] = new Array(n);
  /** The state id after call c from state id s, or -1 when the model rejects it. The step
   * itself is cheap (a failed read is one compare); interning its result is not, so that is
   * memoised per (state, call). */
  const stepId = (s: number, c: number): number => {
    const call = calls[c]!;
    const next = model.step(states[s], call.input, call.output);
    if (next === undefined) return -1;
    let known = transitions[c];
    if (known === undefined) {
      known = new Map();
      transitions[c] = known;
    }
    let after = known.get(s);
    if (after === undefined) {
      after = intern(next);
      known.set(s, after);
    }
    return after;
  };

  // The memo: a chained hash table in typed arrays (no object or bitset clone per entry, so
  // no garbage). The linearized ok set is stored compactly: every ok slot below `low` (the
  // first unplaced one) is placed, and the placed ones above it are concurrent with it, so
  // the set is `low` plus the words from low to `high` (the last placed): a window about as
  // wide as the concurrency, not the history. Info sets are stored whole (for subsumption).
  const infoWords = infoBits.length;
  let capacity = 1024;
  let heads = new Int32Array(capacity).fill(-1);
  let chain = new Int32Array(capacity);
  let entryHashA = new Int32Array(capacity);
  let entryHashB = new Int32Array(capacity);
  let entryState = new Int32Array(capacity);
  let entryLow = new Int32Array(capacity);
  let entryOffset = new Int32Array(capacity);
  let entryLength = new Int32Array(capacity);
  let okArena = new Uint32Array(capacity * 2);
  let okArenaUsed = 0;
  let infoArena = new Uint32Array(infoCount > 0 ? capacity * infoWords : 0);
  let cacheEntries = 0;
  let low = 0;
  let high = -1;
  const widen = <T extends Int32Array | Uint32Array>(a: T, size: number): T => {
    const b = new (a.constructor as new (size: number) => T)(size);
    b.set(a);
    return b;
  };
  const grow = (): void => {
    const bigger = capacity * 2;
    entryHashA = widen(entryHashA, bigger);
    entryHashB = widen(entryHashB, bigger);
    entryState = widen(entryState, bigger);
    entryLow = widen(entryLow, bigger);
    entryOffset = widen(entryOffset, bigger);
    entryLength = widen(entryLength, bigger);
    if (infoCount > 0) infoArena = widen(infoArena, bigger * infoWords);
    chain = new Int32Array(bigger);
    heads = new Int32Array(bigger).fill(-1);
    const mask = bigger - 1;
    for (let e = 0; e < cacheEntries; e++) {
      const h = entryHashA[e]! & mask;
      chain[e] = heads[h]!;
      heads[h] = e;
    }
    capacity = bigger;
  };
  const memoryBytes = (): number => okArena.length * 4 + infoArena.length * 4 + capacity * 4 * 8;
  /** Records the configuration; false when it (or one that subsumes it) was seen already. */
  const remember = (stateId: number): boolean => {
    const ha = hashA ^ Math.imul(stateId + 1, 0x9e3779b1);
    const hb = hashB ^ Math.imul(stateId + 1, 0x85ebca6b);
    const h = ha & (capacity - 1);
    const first = low >>> 5;
    const length = high >= low ? (high >>> 5) - first + 1 : 0;
    let supersededEntry = -1;
    for (let e = heads[h]!; e >= 0; e = chain[e]!) {
      if (
        entryHashB[e] !== hb ||
        entryHashA[e] !== ha ||
        entryState[e] !== stateId ||
        entryLow[e] !== low ||
        entryLength[e] !== length
      ) {
        continue;
      }
      let same = true;
      for (let w = 0, o = entryOffset[e]!; w < length; w++) {
        if (okArena[o + w] !== okBits[first + w]) {
          same = false;
          break;
        }
      }
      if (!same) continue;
      if (infoCount === 0) return false;
      // Seen with fewer (or the same) info ops used: it could do all this one can → prune.
      let seenSubset = true;
      let seenSuperset = true;
      for (let w = 0, o = e * infoWords; w < infoWords; w++) {
        const seen = infoArena[o + w]!;
        const now = infoBits[w]!;
        if ((seen & ~now) !== 0) seenSubset = false;
        if ((now & ~seen) !== 0) seenSuperset = false;
      }
      if (hashesInfo ? seenSubset && seenSuperset : seenSubset) return false;
      if (!hashesInfo && seenSuperset && supersededEntry < 0) supersededEntry = e;
    }
    if (supersededEntry >= 0) {
      // This configuration subsumes a seen one (and none subsumes it): it takes its place.
      infoArena.set(infoBits, supersededEntry * infoWords);
      return true;
    }
    if (cacheEntries === capacity) {
      grow();
      return remember(stateId);
    }
    if (okArenaUsed + length > okArena.length) {
      okArena = widen(okArena, Math.max(okArena.length * 2, okArenaUsed + length));
    }
    const e = cacheEntries++;
    entryHashA[e] = ha;
    entryHashB[e] = hb;
    entryState[e] = stateId;
    entryLow[e] = low;
    entryLength[e] = length;
    entryOffset[e] = okArenaUsed;
    okArena.set(okBits.subarray(first, first + length), okArenaUsed);
    okArenaUsed += length;
    if (infoCount > 0) infoArena.set(infoBits, e * infoWords);
    chain[e] = heads[h]!;
    heads[h] = e;
    return true;
  };

  /** Flips call c in the linearized set (and its hash); `low`/`high` are the caller's. */
  const toggle = (c: number): void => {
    const s = slot[c]!;
    if (calls[c]!.info) {
      infoBits[s >>> 5]! ^= 1 << (s & 31);
      if (hashesInfo) {
        hashA ^= zA[c]!;
        hashB ^= zB[c]!;
      }
    } else {
      okBits[s >>> 5]! ^= 1 << (s & 31);
      hashA ^= zA[c]!;
      hashB ^= zB[c]!;
    }
  };
  /** Moves `low` and `high` after placing call c. */
  const placed = (c: number): void => {
    if (calls[c]!.info) return;
    const s = slot[c]!;
    if (s > high) high = s;
    if (s === low) {
      while (low < okCount && (okBits[low >>> 5]! & (1 << (low & 31))) !== 0) low++;
    }
  };

  const stackEntry = new Int32Array(n);
  const stackStateId = new Int32Array(n);
  const stackLow = new Int32Array(n);
  const stackHigh = new Int32Array(n);
  /** 1 when the frame placed a read forced by the eager-read rule (no alternatives). */
  const stackForced = new Uint8Array(n);
  // The longest linearization so far, copied incrementally: below `stableDepth` the stack has
  // not changed since the last copy.
  const bestStack = new Int32Array(n);
  let bestDepth = 0;
  let stableDepth = 0;
  let depth = 0;
  let stateId = intern(model.init(initial));
  let remainingOk = okCount;
  let steps = 0;
  let furthest = -1;
  let bestStateId = stateId;
  let entry = next[0]!;

  // Eager reads: a read-only op that is callable now and matches the state can be placed now
  // in some linearization if in any (moving it earlier breaks no real-time order, changes no
  // state), so a configuration with such a read needs no other branch.
  const readOnly = new Uint8Array(n);
  if (!options.baseline && model.readOnly !== undefined) {
    for (let c = 0; c < n; c++)
      readOnly[c] = !calls[c]!.info && model.readOnly(calls[c]!.input) ? 1 : 0;
  }
  // Lookahead: ops that can leave any state (writes, puts). With none in reach, the first
  // read to complete must be reachable from the state by the others (model.mayLeadTo).
  const resets = new Uint8Array(n).fill(1);
  if (!options.baseline && model.resets !== undefined && model.mayLeadTo !== undefined) {
    for (let c = 0; c < n; c++) resets[c] = model.resets(calls[c]!.input) ? 1 : 0;
  }
  let fresh = !options.baseline;

  /** Notes that a branch got stuck at return entry `at`: the furthest one is the end of the
   * shortest failing prefix, and the stack then is the longest linearization found. */
  const reached = (at: number): void => {
    if (at <= furthest) return;
    furthest = at;
    bestStack.set(stackEntry.subarray(stableDepth, depth), stableDepth);
    bestDepth = depth;
    stableDepth = depth;
    bestStateId = stateId;
  };

  /** Tries to place the call at `at`; true (and the new configuration entered) unless the
   * model rejects it or the memo has seen it (or one that subsumes it). */
  const tryPlace = (at: number, afterId: number, forced: number): boolean => {
    const c = entryCall[at]!;
    toggle(c);
    const lowBefore = low;
    const highBefore = high;
    placed(c);
    if (!remember(afterId)) {
      toggle(c);
      low = lowBefore;
      high = highBefore;
      return false;
    }
    stackEntry[depth] = at;
    stackStateId[depth] = stateId;
    stackLow[depth] = lowBefore;
    stackHigh[depth] = highBefore;
    stackForced[depth] = forced;
    depth++;
    stateId = afterId;
    // lift: unlink the call entry and its return entry.
    const r = match[at]!;
    next[prev[at]!] = next[at]!;
    prev[next[at]!] = prev[at]!;
    next[prev[r]!] = next[r]!;
    prev[next[r]!] = prev[r]!;
    if (!calls[c]!.info) remainingOk--;
    return true;
  };

  while (remainingOk > 0) {
    if ((++steps & 0x3ff) === 0) {
      if (performance.now() > options.deadline) {
        return { kind: "unknown", reason: "time budget exhausted", steps, cacheEntries };
      }
      if (cacheEntries > options.maxCacheEntries || memoryBytes() > options.maxMemoryBytes) {
        return { kind: "unknown", reason: "memory budget exhausted", steps, cacheEntries };
      }
    }
    let dead = false;
    if (fresh) {
      // A configuration just entered: place a matching read first, if there is one; and see
      // whether the first op that must complete (the first return) can still be satisfied.
      fresh = false;
      let read = -1;
      let resetAvailable = false;
      let e = next[0]!;
      for (; e !== tail && isCall[e] === 1; e = next[e]!) {
        const c = entryCall[e]!;
        if (readOnly[c] === 1 && stepId(stateId, c) === stateId) {
          read = e;
          break;
        }
        if (resets[c] === 1) resetAvailable = true;
      }
      if (read < 0 && e !== tail && !resetAvailable && readOnly[entryCall[e]!] === 1) {
        // Only ops that do not reset (appends) can be placed before this read returns: if
        // none of the states they lead to can match it, this configuration is dead.
        const blocked = calls[entryCall[e]!]!;
        if (!model.mayLeadTo!(states[stateId], blocked.input, blocked.output)) {
          // Every continuation gets stuck exactly at that return: record it as reached.
          dead = true;
          reached(e);
        }
      }
      if (read >= 0) {
        if (tryPlace(read, stateId, 1)) {
          entry = next[0]!;
          fresh = true;
          continue;
        }
        dead = true; // seen with this read placed: this configuration can do no better
      }
    }
    if (!dead && entry !== tail && isCall[entry] === 1) {
      const c = entryCall[entry]!;
      const before = previousInClass[c]!;
      const afterId =
        before >= 0 && (infoBits[slot[before]! >>> 5]! & (1 << (slot[before]! & 31))) === 0
          ? -1
          : stepId(stateId, c);
      if (afterId >= 0 && tryPlace(entry, afterId, 0)) {
        entry = next[0]!;
        fresh = !options.baseline;
        continue;
      }
      entry = next[entry]!;
      continue;
    }
    // A return entry of an op not yet linearized: this branch got stuck there.
    if (!dead) reached(entry);
    // This configuration is dead: undo placements up to one whose siblings remain to be tried
    // (a forced read has none, so its parent is dead too).
    let forced = 1;
    while (forced === 1) {
      if (depth === 0) {
        return {
          kind: "illegal",
          blocked: entryCall[Math.max(furthest, 1)]!,
          order: Array.from(bestStack.subarray(0, bestDepth), (e) => entryCall[e]!),
          state: states[bestStateId],
          steps,
          cacheEntries,
        };
      }
      depth--;
      if (depth < stableDepth) stableDepth = depth;
      entry = stackEntry[depth]!;
      forced = stackForced[depth]!;
      stateId = stackStateId[depth]!;
      low = stackLow[depth]!;
      high = stackHigh[depth]!;
      const c = entryCall[entry]!;
      toggle(c);
      if (!calls[c]!.info) remainingOk++;
      // unlift: relink the return entry, then the call entry.
      const r = match[entry]!;
      next[prev[r]!] = r;
      prev[next[r]!] = r;
      next[prev[entry]!] = entry;
      prev[next[entry]!] = entry;
    }
    entry = next[entry]!;
  }
  const order = Array.from(stackEntry.subarray(0, depth), (e) => entryCall[e]!);
  return { kind: "ok", order, steps, cacheEntries };
}
