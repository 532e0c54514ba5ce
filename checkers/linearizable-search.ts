// The linearizability search on one independent part of a history: Wing & Gong's search with
// Lowe's memoisation, laid out the Porcupine way (a doubly-linked list of call/return entries,
// lift/unlift, a cache of (linearized set, state)). Beyond Porcupine: the linearized set is
// hashed incrementally (Zobrist, no bitset clone per step); states are interned to small ints;
// ops of unknown outcome (info) return at the end of time and never have to be placed; and a
// configuration is pruned when one with the same ok ops, the same state and a SUBSET of the
// info ops used was already explored (it could do everything this one can).
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
  /** The memo may hold this many configurations before the search gives up ("unknown"). */
  maxCacheEntries: number;
  /** Prune by info-set subsumption (true) or by exact (linearized set, state) only (Porcupine). */
  subsumeInfo: boolean;
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

interface CacheEntry {
  hashB: number;
  stateId: number;
  ok: Uint32Array;
  info: Uint32Array | undefined;
}

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
  const okBits = new Uint32Array(Math.max(1, (okCount + 31) >>> 5));
  const infoBits = new Uint32Array(Math.max(1, (infoCount + 31) >>> 5));
  const zA = zobrist(n, 0x2545f491);
  const zB = zobrist(n, 0x6c8e9cf5);
  const hashesInfo = !options.subsumeInfo;
  let hashA = 0;
  let hashB = 0;

  const stateIds = new Map<string, number>();
  const intern = (state: unknown): number => {
    const key = model.key(state);
    let id = stateIds.get(key);
    if (id === undefined) stateIds.set(key, (id = stateIds.size));
    return id;
  };

  const cache = new Map<number, CacheEntry[]>();
  let cacheEntries = 0;
  const sameWords = (a: Uint32Array, b: Uint32Array): boolean => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  };
  const subset = (a: Uint32Array, b: Uint32Array): boolean => {
    for (let i = 0; i < a.length; i++) if ((a[i]! & ~b[i]!) !== 0) return false;
    return true;
  };
  /** Records the configuration; false when it (or one that subsumes it) was seen already. */
  const remember = (stateId: number): boolean => {
    const h = (hashA ^ Math.imul(stateId + 1, 0x9e3779b1)) & 0x3fffffff;
    const hb = hashB ^ Math.imul(stateId + 1, 0x85ebca6b);
    let bucket = cache.get(h);
    if (bucket === undefined) cache.set(h, (bucket = []));
    let superseded = false;
    for (const e of bucket) {
      if (e.hashB !== hb || e.stateId !== stateId || !sameWords(e.ok, okBits)) continue;
      if (e.info === undefined) return false;
      if (hashesInfo ? sameWords(e.info, infoBits) : subset(e.info, infoBits)) return false;
      if (subset(infoBits, e.info)) superseded = true;
    }
    const entry: CacheEntry = {
      hashB: hb,
      stateId,
      ok: okBits.slice(),
      info: infoCount > 0 ? infoBits.slice() : undefined,
    };
    if (superseded) {
      // Keep the bucket an antichain: drop configurations the new one subsumes.
      const kept = bucket.filter(
        (e) =>
          !(
            e.hashB === hb &&
            e.stateId === stateId &&
            sameWords(e.ok, okBits) &&
            subset(infoBits, e.info!)
          ),
      );
      cacheEntries -= bucket.length - kept.length;
      kept.push(entry);
      cache.set(h, kept);
    } else bucket.push(entry);
    cacheEntries++;
    return true;
  };

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

  const stackEntry = new Int32Array(n);
  const stackStateId = new Int32Array(n);
  const stackState: unknown[] = new Array(n);
  let depth = 0;
  let state = model.init(initial);
  let stateId = intern(state);
  let remainingOk = okCount;
  let steps = 0;
  let furthest = -1;
  let bestOrder: number[] = [];
  let bestState: unknown = state;
  let entry = next[0]!;

  while (remainingOk > 0) {
    if ((++steps & 0x3ff) === 0) {
      if (performance.now() > options.deadline) {
        return { kind: "unknown", reason: "time budget exhausted", steps, cacheEntries };
      }
      if (cacheEntries > options.maxCacheEntries) {
        return { kind: "unknown", reason: "memory budget exhausted", steps, cacheEntries };
      }
    }
    if (entry !== tail && isCall[entry] === 1) {
      const c = entryCall[entry]!;
      const call = calls[c]!;
      const after = model.step(state, call.input, call.output);
      if (after !== undefined) {
        const afterId = intern(after);
        toggle(c);
        if (remember(afterId)) {
          stackEntry[depth] = entry;
          stackState[depth] = state;
          stackStateId[depth] = stateId;
          depth++;
          state = after;
          stateId = afterId;
          // lift: unlink the call entry and its return entry.
          const r = match[entry]!;
          next[prev[entry]!] = next[entry]!;
          prev[next[entry]!] = prev[entry]!;
          next[prev[r]!] = next[r]!;
          prev[next[r]!] = prev[r]!;
          if (!call.info) remainingOk--;
          entry = next[0]!;
          continue;
        }
        toggle(c);
      }
      entry = next[entry]!;
      continue;
    }
    // A return entry of an op not yet linearized (or the end): this branch is dead.
    if (entry > furthest) {
      furthest = entry;
      bestOrder = Array.from(stackEntry.subarray(0, depth), (e) => entryCall[e]!);
      bestState = state;
    }
    if (depth === 0) {
      return {
        kind: "illegal",
        blocked: entryCall[furthest]!,
        order: bestOrder,
        state: bestState,
        steps,
        cacheEntries,
      };
    }
    depth--;
    entry = stackEntry[depth]!;
    state = stackState[depth];
    stateId = stackStateId[depth]!;
    const c = entryCall[entry]!;
    toggle(c);
    if (!calls[c]!.info) remainingOk++;
    // unlift: relink the return entry, then the call entry.
    const r = match[entry]!;
    next[prev[r]!] = r;
    prev[next[r]!] = r;
    next[prev[entry]!] = entry;
    prev[next[entry]!] = entry;
    entry = next[entry]!;
  }
  const order = Array.from(stackEntry.subarray(0, depth), (e) => entryCall[e]!);
  return { kind: "ok", order, steps, cacheEntries };
}
