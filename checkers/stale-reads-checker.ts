// stale-reads: reads that return what the store's own order had already superseded (R3). A value
// (a register value, a cart item) is LIVE for a read when it was known before the read began (its
// write or add acknowledged, or a read that returned it completed), no write (ok or info) whose
// basis held it was invoked before the read completed, and it is not LOST: R2 counts a lost write,
// so R3 does not count it again. Lost means absent from the key's last read (the final reads' last
// round, all nodes together; for a cart key without final reads, its latest client read), known
// before that read began and superseded by nothing (lost-writes' "lost", siblings' "dropped").
//   superseded-read        a client read that misses a live value (whoever wrote or saw it);
//   superseded-final-read  a node's last final read that misses a live value;
// and per client process (a retired process's successor is another session), per key:
//   monotonic-reads   a read misses a live value the session's previous read of the key saw;
//   read-your-writes  a read misses a live value the session wrote (acknowledged) before it began
//                     (judged by the session's first read after the write only: once, not per read).
// A read sees its siblings (a cart sibling: its items); each read counts at most once per anomaly.
// Under last-write-wins (options.strategy "lww") the store's own order is its timestamps, which
// the history does not record: a value whose write overlapped another write of the key may have
// been overwritten by it at any moment (and brought back by a later write that had read it), so
// it is never held against a read. Counted with lags (ms since the value was known); `excused`
// counts reads whose only misses were lost (or, under lww, overwritable) values. Invalid for
// session violations when the test claims "session" or "linearizable", and for superseded reads
// when it claims "linearizable"; "eventual", the default, allows them.
// Reads the interned history (interned-history.ts): a value is its key's slot, what a read
// returned is marked by a stamp a slot, so a 1000-item cart read costs no Set and no JSON text.
import { AnomalyReport } from "./anomaly-report.js";
import type { CheckOptions, CheckResult, Checker, Validity } from "./checker.js";
import { internedFinalReads, lastRounds } from "./final-reads.js";
import type { History } from "./history.js";
import { FAIL, type InternedHistory, internHistory, MALFORMED, OK } from "./interned-history.js";
import { keyOf } from "./op-pairs.js";
import { nanosToMs, quantiles } from "./quantiles.js";
import { siblingsOf, valueFromId, valueId, writtenValue } from "./read-values.js";

interface Known {
  /** When the value was first known to exist (ns): its write's ack or its first read's end. */
  time: number;
  op: number;
}

/** What the whole history says about one key (its values' facts are by slot, in Facts). */
interface KeyFacts {
  id: number;
  cart: boolean;
  /** Whether any write's basis held one of its values (only then can an entry be superseded). */
  superseding: boolean;
  /** Its known values' slots, in the order they became known. */
  known: number[];
  /** Client reads (ok), in invoke order. */
  reads: number[];
  /** The last final round: node → its read (a pair). */
  finals: Map<string, number>;
}

/** Per slot: when it became known (and by which op), the earliest invoke (ns) of a write (ok or
 * info) whose basis held it, and whether R2 counts it lost (or, under lww, it was overwritable);
 * `mark` is the stamp of the last read marked as returning it. */
class Facts {
  readonly knownTime: Float64Array;
  readonly knownOp: Int32Array;
  readonly supersededFrom: Float64Array;
  readonly lost: Uint8Array;
  private readonly mark: Int32Array;
  private stamp = 0;

  constructor(
    readonly h: InternedHistory,
    slotCount: number,
  ) {
    this.knownTime = new Float64Array(slotCount).fill(Number.POSITIVE_INFINITY);
    this.knownOp = new Int32Array(slotCount).fill(-1);
    this.supersededFrom = new Float64Array(slotCount).fill(Number.POSITIVE_INFINITY);
    this.lost = new Uint8Array(slotCount);
    this.mark = new Int32Array(slotCount);
  }

  known(slot: number): Known {
    return { time: this.knownTime[slot]!, op: this.knownOp[slot]! };
  }

  /** Marks the values read pair p returned (a cart sibling: its items); `has` then asks. */
  markRead(p: number): void {
    this.stamp++;
    this.markMore(p);
  }

  /** Adds read pair p's values to the current marking. */
  markMore(p: number): void {
    const { siblingStart, itemStart, items } = this.h;
    const from = itemStart[siblingStart[p]!]!;
    const to = itemStart[siblingStart[p + 1]!]!;
    for (let i = from; i < to; i++) this.mark[items[i]!] = this.stamp;
  }

  has(slot: number): boolean {
    return this.mark[slot] === this.stamp;
  }

  isLive(slot: number, knownTime: number, p: number): boolean {
    return (
      knownTime < this.h.invokeTime[p]! &&
      !(this.supersededFrom[slot]! < this.h.completeTime[p]!) &&
      this.lost[slot] === 0
    );
  }
}

interface Session {
  /** The session's previous read of the key (a pair, -1: none), and when it ended. */
  seen: number;
  seenKnown: Known;
  ownWrites: Map<number, Known>;
}

/** A read's miss: the value's slot, when it was known, and the lag (ms) from then to the read. */
interface Miss {
  slot: number;
  known: Known;
  lagMs: number;
}

const F_JUDGED = ["read", "write", "cas", "add"];

export const staleReadsChecker: Checker = {
  name: "stale-reads",
  check(history: History, options: CheckOptions): CheckResult {
    const h = internHistory(history);
    const facts = new Facts(h, h.slots.count);
    const keys = keyFacts(h, facts, options.strategy === "lww");
    const report = new AnomalyReport();
    const consistency = options.consistency ?? "eventual";
    const judgesSessions = consistency !== "eventual";
    const judgesSuperseded = consistency === "linearizable";
    const lags = { superseded: [] as number[], monotonic: [] as number[], own: [] as number[] };
    let excused = 0;
    let finalSuperseded = 0;

    for (const keyFact of keys.values()) {
      const key = h.keys[keyFact.id]!;
      supersededReads(h, facts, keyFact, (p, miss, lostMissed) => {
        if (miss === undefined) {
          if (lostMissed) excused++;
          return;
        }
        lags.superseded.push(miss.lagMs);
        report.note(
          "superseded-read",
          missExample(h, key, p, miss, [miss.known.op, h.complete(p)!.index]),
          judgesSuperseded,
        );
      });
      for (const [node, p] of keyFact.finals) {
        facts.markRead(p);
        const miss = firstKnownMiss(facts, keyFact.known, p);
        if (miss === undefined) continue;
        finalSuperseded++;
        const value = slotValue(h, miss.slot);
        report.note(
          "superseded-final-read",
          { key, node, value, ops: [miss.known.op, h.complete(p)!.index] },
          false,
        );
      }
    }

    const sessions = new Map<string, Session>();
    const readers = new Set<unknown>();
    let reads = 0;
    const judged = F_JUDGED.map((name) => h.fId(name));
    const READ = judged[0];
    const { f, outcome, key: keyIds, written } = h;
    for (let p = 0; p < f.length; p++) {
      if (outcome[p] !== OK || !judged.includes(f[p]!)) continue;
      const process = h.invoke(p).process;
      const sessionId = `${process} ${keyIds[p]}`;
      let session = sessions.get(sessionId);
      if (session === undefined) {
        session = { seen: -1, seenKnown: { time: 0, op: -1 }, ownWrites: new Map() };
        sessions.set(sessionId, session);
      }
      const known = { time: h.completeTime[p]!, op: h.complete(p)!.index };
      if (f[p] !== READ) {
        session.ownWrites.set(written[p]!, known);
        continue;
      }
      reads++;
      readers.add(process);
      const key = h.keys[keyIds[p]!]!;
      facts.markRead(p);
      const monotonic = session.seen < 0 ? undefined : seenMiss(h, facts, session, p);
      if (monotonic !== undefined) {
        lags.monotonic.push(monotonic.lagMs);
        const ops = [monotonic.known.op, h.complete(p)!.index];
        report.note("monotonic-reads", missExample(h, key, p, monotonic, ops), judgesSessions);
      }
      const own = ownMiss(facts, session.ownWrites, p);
      // Own writes are judged by the first read after them only: a write missing for good counts
      // once, not on every later read.
      session.ownWrites.clear();
      if (own !== undefined) {
        lags.own.push(own.lagMs);
        const ops = [own.known.op, h.complete(p)!.index];
        report.note("read-your-writes", missExample(h, key, p, own, ops), judgesSessions);
      }
      session.seen = p;
      session.seenKnown = known;
    }

    const sessionViolations = lags.monotonic.length + lags.own.length;
    let valid: Validity = true;
    if (reads === 0) valid = "unknown";
    else if (judgesSessions && sessionViolations > 0) valid = false;
    else if (judgesSuperseded && lags.superseded.length > 0) valid = false;
    return {
      valid,
      consistency,
      anomalies: report.anomalies,
      counts: {
        reads,
        sessions: readers.size,
        "superseded-read": lags.superseded.length,
        "superseded-final-read": finalSuperseded,
        "monotonic-reads": lags.monotonic.length,
        "read-your-writes": lags.own.length,
        excused,
      },
      supersededLagMs: quantiles(lags.superseded),
      monotonicLagMs: quantiles(lags.monotonic),
      readYourWritesLagMs: quantiles(lags.own),
      examples: report.examples,
      counterexamples: report.counterexamples,
    };
  },
};

/** A slot's value as examples name it (canonical: object keys sorted). */
function slotValue(h: InternedHistory, slot: number): unknown {
  return valueFromId(valueId(h.slots.values[slot]));
}

function missExample(h: InternedHistory, key: string, p: number, miss: Miss, ops: number[]) {
  return {
    process: h.invoke(p).process,
    key,
    value: slotValue(h, miss.slot),
    lagMs: miss.lagMs,
    ops,
  };
}

function missOf(h: InternedHistory, slot: number, known: Known, p: number): Miss {
  return { slot, known, lagMs: nanosToMs(Math.max(0, h.invokeTime[p]! - known.time)) };
}

/** The first of the key's known values that is live for read p and not marked (read p's). */
function firstKnownMiss(facts: Facts, known: readonly number[], p: number): Miss | undefined {
  for (const slot of known) {
    if (facts.has(slot)) continue;
    if (facts.isLive(slot, facts.knownTime[slot]!, p))
      return missOf(facts.h, slot, facts.known(slot), p);
  }
  return undefined;
}

/** The first value of the session's previous read that is live for read p (marked) and missing
 * from it: known since that read ended. */
function seenMiss(h: InternedHistory, facts: Facts, session: Session, p: number): Miss | undefined {
  const { siblingStart, itemStart, items } = h;
  const seen = session.seen;
  const time = session.seenKnown.time;
  const to = itemStart[siblingStart[seen + 1]!]!;
  for (let i = itemStart[siblingStart[seen]!]!; i < to; i++) {
    const slot = items[i]!;
    if (facts.has(slot)) continue;
    if (facts.isLive(slot, time, p)) return missOf(h, slot, session.seenKnown, p);
  }
  return undefined;
}

/** The first of the session's own writes since its last read that is live for read p (marked)
 * and missing from it. */
function ownMiss(facts: Facts, ownWrites: Map<number, Known>, p: number): Miss | undefined {
  for (const [slot, known] of ownWrites) {
    if (facts.has(slot)) continue;
    if (facts.isLive(slot, known.time, p)) return missOf(facts.h, slot, known, p);
  }
  return undefined;
}

/**
 * Calls `found` for each client read of the key with the oldest live value it missed, if any,
 * and whether it missed a lost one. One sweep in invoke order: a value enters once known before
 * the read began and leaves for good once superseded before a read began (no later read can be
 * held to it then).
 */
function supersededReads(
  h: InternedHistory,
  facts: Facts,
  keyFact: KeyFacts,
  found: (p: number, miss: Miss | undefined, lostMissed: boolean) => void,
): void {
  const { knownTime, supersededFrom, lost } = facts;
  const byKnown = [...keyFact.known].sort((a, b) => knownTime[a]! - knownTime[b]!);
  let next = 0;
  let entered: number[] = [];
  for (const p of keyFact.reads) {
    const began = h.invokeTime[p]!;
    for (; next < byKnown.length && knownTime[byKnown[next]!]! < began; next++) {
      entered.push(byKnown[next]!);
    }
    // Cart items are never superseded: only register keys ever drop an entry.
    if (keyFact.superseding) entered = entered.filter((slot) => !(supersededFrom[slot]! < began));
    facts.markRead(p);
    let miss: Miss | undefined;
    let lostMissed = false;
    for (const slot of entered) {
      if (facts.has(slot)) continue;
      if (lost[slot] === 1) {
        lostMissed = true;
      } else if (facts.isLive(slot, knownTime[slot]!, p)) {
        miss = missOf(h, slot, facts.known(slot), p);
        break;
      }
    }
    if (miss !== undefined || lostMissed) found(p, miss, lostMissed);
  }
}

/** Throws what the old pair-based reading threw for pair p: no key, a read whose value is no
 * list, or (when `write`) a cas whose value is not [FROM, TO]. */
function rejectBroken(h: InternedHistory, p: number, write: boolean): void {
  if (h.key[p]! < 0) keyOf(h.pair(p));
  if (h.brokenRead[p] === 1) siblingsOf(h.complete(p)!);
  if (write && h.written[p] === MALFORMED) writtenValue(h.invoke(p));
}

/** Per key: what is known when, what was superseded when, the reads, and what R2 counts lost
 * (with `lww`, also what a concurrent write may have overwritten). Keys in the order the
 * history first names them (then keys only final reads name). */
function keyFacts(h: InternedHistory, facts: Facts, lww: boolean): Map<number, KeyFacts> {
  const keys = new Map<number, KeyFacts>();
  const factsOf = (id: number) => {
    let keyFact = keys.get(id);
    if (keyFact === undefined) {
      keyFact = { id, cart: false, superseding: false, known: [], reads: [], finals: new Map() };
      keys.set(id, keyFact);
    }
    return keyFact;
  };
  const { knownTime, knownOp, supersededFrom } = facts;
  const learn = (keyFact: KeyFacts, slot: number, time: number, op: number) => {
    if (knownOp[slot]! < 0) keyFact.known.push(slot);
    if (knownOp[slot]! < 0 || time < knownTime[slot]!) {
      knownTime[slot] = time;
      knownOp[slot] = op;
    }
  };
  const { f, outcome, key, written, siblingStart, itemStart, items } = h;
  const { basisStart, basisSlots, hasBasis } = h;
  const [READ, WRITE, CAS, ADD] = F_JUDGED.map((name) => h.fId(name));
  for (let p = 0; p < f.length; p++) {
    const code = f[p]!;
    if (code !== READ && code !== WRITE && code !== CAS && code !== ADD) continue;
    if (key[p]! < 0) rejectBroken(h, p, false);
    const keyFact = factsOf(key[p]!);
    if (code === ADD) keyFact.cart = true;
    const ok = outcome[p] === OK;
    if (code === READ) {
      if (!ok) continue;
      rejectBroken(h, p, false);
      keyFact.reads.push(p);
      const time = h.completeTime[p]!;
      const op = h.complete(p)!.index;
      const to = itemStart[siblingStart[p + 1]!]!;
      for (let i = itemStart[siblingStart[p]!]!; i < to; i++) learn(keyFact, items[i]!, time, op);
      continue;
    }
    if (ok) {
      rejectBroken(h, p, true);
      learn(keyFact, written[p]!, h.completeTime[p]!, h.complete(p)!.index);
    }
    if (outcome[p] === FAIL || hasBasis[p] === 0 || code === ADD) continue;
    const invokeTime = h.invokeTime[p]!;
    for (let b = basisStart[p]!; b < basisStart[p + 1]!; b++) {
      const slot = basisSlots[b]!;
      keyFact.superseding = true;
      if (invokeTime < supersededFrom[slot]!) supersededFrom[slot] = invokeTime;
    }
  }
  for (const byNode of lastRounds(internedFinalReads(h)).values()) {
    const first = byNode.values().next().value!;
    const keyFact = factsOf(key[first.at]!);
    for (const [node, read] of byNode) keyFact.finals.set(node, read.at);
  }
  for (const keyFact of keys.values()) markLost(h, facts, keyFact);
  if (lww) overwritable(h, facts, keys);
  return keys;
}

/** Marks, per key, the values whose write (ok or info) overlapped another write of the key in
 * time: under lww either may carry the later timestamp. Sorted sweep: n log n. */
function overwritable(h: InternedHistory, facts: Facts, keys: Map<number, KeyFacts>): void {
  const [WRITE, CAS, ADD] = ["write", "cas", "add"].map((name) => h.fId(name));
  const { f, outcome, byKey, byKeyStart, invokeTime, completeTime, written } = h;
  for (let k = 0; k < h.keys.length; k++) {
    const writes: number[] = [];
    for (let i = byKeyStart[k]!; i < byKeyStart[k + 1]!; i++) {
      const p = byKey[i]!;
      const code = f[p]!;
      if ((code !== WRITE && code !== CAS && code !== ADD) || outcome[p] === FAIL) continue;
      writes.push(p);
    }
    if (writes.length === 0 || !keys.has(k)) continue;
    writes.sort((a, b) => invokeTime[a]! - invokeTime[b]!);
    // A write overlaps another when the next one began before it ended, or an earlier one was
    // still running when it began.
    let latestEnd = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < writes.length; i++) {
      const write = writes[i]!;
      const next = writes[i + 1];
      if (
        latestEnd > invokeTime[write]! ||
        (next !== undefined && invokeTime[next]! < completeTime[write]!)
      ) {
        if (written[write] === MALFORMED) writtenValue(h.invoke(write));
        facts.lost[written[write]!] = 1;
      }
      latestEnd = Math.max(latestEnd, completeTime[write]!);
    }
  }
}

/** Marks the values R2 counts as lost: known before the key's last read, superseded by nothing,
 * and absent from it. The last read is the final round (every node's answer together); a cart key
 * without final reads falls back to its latest client read, as lost-writes does. */
function markLost(h: InternedHistory, facts: Facts, keyFact: KeyFacts): void {
  let last = [...keyFact.finals.values()];
  if (last.length === 0 && keyFact.cart) {
    let latest = -1;
    for (const p of keyFact.reads) {
      if (latest < 0 || h.invokeTime[p]! > h.invokeTime[latest]!) latest = p;
    }
    if (latest >= 0) last = [latest];
  }
  if (last.length === 0) return;
  let began = Number.NEGATIVE_INFINITY;
  for (const p of last) if (h.invokeTime[p]! > began) began = h.invokeTime[p]!;
  facts.markRead(last[0]!);
  for (const p of last.slice(1)) facts.markMore(p);
  for (const slot of keyFact.known) {
    const superseded = facts.supersededFrom[slot]! < Number.POSITIVE_INFINITY;
    if (facts.knownTime[slot]! < began && !facts.has(slot) && !superseded) facts.lost[slot] = 1;
  }
}
