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
import { AnomalyReport } from "./anomaly-report.js";
import type { CheckOptions, CheckResult, Checker, Validity } from "./checker.js";
import { finalReadsOf, lastRounds } from "./final-reads.js";
import type { History } from "./history.js";
import { keyOf, type OpPair, pairOps } from "./op-pairs.js";
import { nanosToMs, quantiles } from "./quantiles.js";
import { siblingsOf, type ValueId, valueFromId, valueId, writtenValue } from "./read-values.js";

interface Known {
  /** When the value was first known to exist (ns): its write's ack or its first read's end. */
  time: number;
  op: number;
}

/** What the whole history says about one key's values. */
interface KeyFacts {
  cart: boolean;
  known: Map<ValueId, Known>;
  /** value → earliest invoke (ns) of a write (ok or info) whose basis held it. */
  supersededFrom: Map<ValueId, number>;
  /** Values R2 counts as lost, and (under lww) values a concurrent write may have overwritten. */
  lost: Set<ValueId>;
  /** Client reads (ok), in invoke order. */
  reads: OpPair[];
  /** The last final round: node → its read. */
  finals: Map<string, OpPair>;
}

interface Session {
  /** The values of the session's previous read of the key, and when it ended. */
  seen: { ids: ReadonlySet<ValueId>; known: Known };
  ownWrites: Map<ValueId, Known>;
}

/** A read's miss: the value, when it was known, and the lag (ms) from then to the read. */
interface Miss {
  id: ValueId;
  known: Known;
  lagMs: number;
}

export const staleReadsChecker: Checker = {
  name: "stale-reads",
  check(history: History, options: CheckOptions): CheckResult {
    const { pairs } = pairOps(history);
    const facts = keyFacts(pairs, options.strategy === "lww");
    const report = new AnomalyReport();
    const consistency = options.consistency ?? "eventual";
    const judgesSessions = consistency !== "eventual";
    const judgesSuperseded = consistency === "linearizable";
    const lags = { superseded: [] as number[], monotonic: [] as number[], own: [] as number[] };
    let excused = 0;
    let finalSuperseded = 0;

    for (const [key, keyFact] of facts) {
      for (const { read, miss, lostMissed } of supersededReads(keyFact)) {
        if (miss === undefined) {
          if (lostMissed) excused++;
          continue;
        }
        lags.superseded.push(miss.lagMs);
        report.note(
          "superseded-read",
          missExample(key, read, miss, [miss.known.op, read.complete!.index]),
          judgesSuperseded,
        );
      }
      for (const [node, read] of keyFact.finals) {
        const { known } = keyFact;
        const miss = firstMiss(
          keyFact,
          read,
          readValues(read),
          known.keys(),
          (id) => known.get(id)!,
        );
        if (miss === undefined) continue;
        finalSuperseded++;
        report.note(
          "superseded-final-read",
          { key, node, value: valueFromId(miss.id), ops: [miss.known.op, read.complete!.index] },
          false,
        );
      }
    }

    const sessions = new Map<string, Session>();
    const readers = new Set<unknown>();
    let reads = 0;
    for (const pair of pairs) {
      const f = pair.invoke.f;
      if (pair.type !== "ok" || (f !== "read" && f !== "write" && f !== "cas" && f !== "add"))
        continue;
      const key = keyOf(pair);
      const sessionId = `${pair.invoke.process} ${JSON.stringify(key)}`;
      let session = sessions.get(sessionId);
      if (session === undefined) {
        session = { seen: { ids: new Set(), known: { time: 0, op: -1 } }, ownWrites: new Map() };
        sessions.set(sessionId, session);
      }
      const known = { time: pair.completeTime, op: pair.complete!.index };
      if (f !== "read") {
        session.ownWrites.set(valueId(writtenValue(pair.invoke)), known);
        continue;
      }
      reads++;
      readers.add(pair.invoke.process);
      const keyFact = facts.get(key)!;
      const values = readValues(pair);
      const { seen } = session;
      const monotonic = firstMiss(keyFact, pair, values, seen.ids, () => seen.known);
      if (monotonic !== undefined) {
        lags.monotonic.push(monotonic.lagMs);
        const ops = [monotonic.known.op, pair.complete!.index];
        report.note("monotonic-reads", missExample(key, pair, monotonic, ops), judgesSessions);
      }
      const ownWrites = session.ownWrites;
      const own = firstMiss(keyFact, pair, values, ownWrites.keys(), (id) => ownWrites.get(id)!);
      // Own writes are judged by the first read after them only: a write missing for good counts
      // once, not on every later read.
      session.ownWrites.clear();
      if (own !== undefined) {
        lags.own.push(own.lagMs);
        const ops = [own.known.op, pair.complete!.index];
        report.note("read-your-writes", missExample(key, pair, own, ops), judgesSessions);
      }
      session.seen = { ids: values, known };
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

function missExample(key: string, read: OpPair, miss: Miss, ops: number[]) {
  return {
    process: read.invoke.process,
    key,
    value: valueFromId(miss.id),
    lagMs: miss.lagMs,
    ops,
  };
}

/** The values a completed read returned (a cart sibling: its items). */
function readValues(pair: OpPair): Set<ValueId> {
  const op = pair.complete!;
  const values = new Set<ValueId>();
  for (const sibling of siblingsOf(op)) {
    if (Array.isArray(sibling)) for (const item of sibling) values.add(valueId(item));
    else values.add(valueId(sibling));
  }
  return values;
}

/** The first of `candidates` (known since knownOf) that is live for `read` and missing from its
 * `values`. */
function firstMiss(
  keyFact: KeyFacts,
  read: OpPair,
  values: ReadonlySet<ValueId>,
  candidates: Iterable<ValueId>,
  knownOf: (id: ValueId) => Known,
): Miss | undefined {
  for (const id of candidates) {
    if (values.has(id)) continue;
    const known = knownOf(id);
    if (isLive(keyFact, id, known, read)) {
      return { id, known, lagMs: nanosToMs(Math.max(0, read.invokeTime - known.time)) };
    }
  }
  return undefined;
}

function isLive(keyFact: KeyFacts, id: ValueId, known: Known, read: OpPair): boolean {
  return (
    known.time < read.invokeTime &&
    !((keyFact.supersededFrom.get(id) ?? Number.POSITIVE_INFINITY) < read.completeTime) &&
    !keyFact.lost.has(id)
  );
}

/**
 * Each client read of the key with the oldest live value it missed, if any, and whether it missed
 * a lost one. One sweep in invoke order: a value enters once known before the read began and
 * leaves for good once superseded before a read began (no later read can be held to it then).
 */
function* supersededReads(
  keyFact: KeyFacts,
): Generator<{ read: OpPair; miss: Miss | undefined; lostMissed: boolean }> {
  const byKnown = [...keyFact.known].sort(([, a], [, b]) => a.time - b.time);
  let next = 0;
  let entered: [ValueId, Known][] = [];
  for (const read of keyFact.reads) {
    for (; next < byKnown.length && byKnown[next]![1].time < read.invokeTime; next++) {
      entered.push(byKnown[next]!);
    }
    // Cart items are never superseded: only register keys ever drop an entry.
    if (keyFact.supersededFrom.size > 0) {
      entered = entered.filter(
        ([id]) => !((keyFact.supersededFrom.get(id) ?? Number.POSITIVE_INFINITY) < read.invokeTime),
      );
    }
    const values = readValues(read);
    let miss: Miss | undefined;
    let lostMissed = false;
    for (const [id, known] of entered) {
      if (values.has(id)) continue;
      if (keyFact.lost.has(id)) {
        lostMissed = true;
      } else if (isLive(keyFact, id, known, read)) {
        miss = { id, known, lagMs: nanosToMs(Math.max(0, read.invokeTime - known.time)) };
        break;
      }
    }
    if (miss !== undefined || lostMissed) yield { read, miss, lostMissed };
  }
}

/** Per key: what is known when, what was superseded when, the reads, and what R2 counts lost
 * (with `lww`, also what a concurrent write may have overwritten). */
function keyFacts(pairs: readonly OpPair[], lww: boolean): Map<string, KeyFacts> {
  const facts = new Map<string, KeyFacts>();
  const factsOf = (key: string) => {
    let keyFact = facts.get(key);
    if (keyFact === undefined) {
      keyFact = {
        cart: false,
        known: new Map(),
        supersededFrom: new Map(),
        lost: new Set(),
        reads: [],
        finals: new Map(),
      };
      facts.set(key, keyFact);
    }
    return keyFact;
  };
  const learn = (keyFact: KeyFacts, id: ValueId, known: Known) => {
    const seen = keyFact.known.get(id);
    if (seen === undefined || known.time < seen.time) keyFact.known.set(id, known);
  };
  for (const pair of pairs) {
    const f = pair.invoke.f;
    if (f !== "read" && f !== "write" && f !== "cas" && f !== "add") continue;
    const keyFact = factsOf(keyOf(pair));
    if (f === "add") keyFact.cart = true;
    const known = { time: pair.completeTime, op: pair.complete?.index ?? pair.invoke.index };
    if (f === "read") {
      if (pair.type !== "ok") continue;
      keyFact.reads.push(pair);
      for (const id of readValues(pair)) learn(keyFact, id, known);
      continue;
    }
    if (pair.type === "ok") learn(keyFact, valueId(writtenValue(pair.invoke)), known);
    if (pair.type === "fail" || pair.basis === undefined || f === "add") continue;
    for (const v of pair.basis) {
      const id = valueId(v);
      const from = keyFact.supersededFrom.get(id) ?? Number.POSITIVE_INFINITY;
      if (pair.invokeTime < from) keyFact.supersededFrom.set(id, pair.invokeTime);
    }
  }
  for (const [key, byNode] of lastRounds(finalReadsOf(pairs))) {
    const keyFact = factsOf(key);
    for (const [node, read] of byNode) keyFact.finals.set(node, read.pair);
  }
  for (const keyFact of facts.values()) keyFact.lost = lostValues(keyFact);
  if (lww) {
    for (const [key, ids] of overwritable(pairs)) {
      const keyFact = facts.get(key);
      for (const id of ids) keyFact?.lost.add(id);
    }
  }
  return facts;
}

/** Per key, the values whose write (ok or info) overlapped another write of the key in time:
 * under lww either may carry the later timestamp. Sorted sweep: n log n. */
function overwritable(pairs: readonly OpPair[]): Map<string, Set<ValueId>> {
  const byKey = new Map<string, OpPair[]>();
  for (const pair of pairs) {
    const f = pair.invoke.f;
    if ((f !== "write" && f !== "cas" && f !== "add") || pair.type === "fail") continue;
    const writes = byKey.get(keyOf(pair)) ?? [];
    writes.push(pair);
    byKey.set(keyOf(pair), writes);
  }
  const result = new Map<string, Set<ValueId>>();
  for (const [key, writes] of byKey) {
    writes.sort((a, b) => a.invokeTime - b.invokeTime);
    const ids = new Set<ValueId>();
    // A write overlaps another when the next one began before it ended, or an earlier one was
    // still running when it began.
    let latestEnd = Number.NEGATIVE_INFINITY;
    for (const [i, write] of writes.entries()) {
      const next = writes[i + 1];
      if (
        latestEnd > write.invokeTime ||
        (next !== undefined && next.invokeTime < write.completeTime)
      )
        ids.add(valueId(writtenValue(write.invoke)));
      latestEnd = Math.max(latestEnd, write.completeTime);
    }
    result.set(key, ids);
  }
  return result;
}

/** The values R2 counts as lost: known before the key's last read, superseded by nothing, and
 * absent from it. The last read is the final round (every node's answer together); a cart key
 * without final reads falls back to its latest client read, as lost-writes does. */
function lostValues(keyFact: KeyFacts): Set<ValueId> {
  const finals = [...keyFact.finals.values()];
  let last: OpPair[] = finals;
  if (finals.length === 0 && keyFact.cart) {
    const latest = keyFact.reads.reduce<OpPair | undefined>(
      (a, b) => (a === undefined || b.invokeTime > a.invokeTime ? b : a),
      undefined,
    );
    if (latest !== undefined) last = [latest];
  }
  const lost = new Set<ValueId>();
  if (last.length === 0) return lost;
  const began = Math.max(...last.map((p) => p.invokeTime));
  const present = new Set<ValueId>();
  for (const pair of last) for (const id of readValues(pair)) present.add(id);
  for (const [id, known] of keyFact.known) {
    if (known.time < began && !present.has(id) && !keyFact.supersededFrom.has(id)) lost.add(id);
  }
  return lost;
}
