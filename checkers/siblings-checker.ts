// siblings: sibling preservation for register writes that carry a causal context (`basis`).
// A value is superseded by an ok or info write whose basis held it, and transitively by whatever
// superseded that write's value (supersession-graph.ts); it is superseded *before* a read when
// one such write was acknowledged before the read began. Each value a read returns is, in order:
//   unexpected     no ok or info write produced it;
//   future-read    every ok or info write of it was invoked after the read completed;
//   false-sibling  another value of the same read superseded it (directly or transitively);
//   resurrected    superseded before the read, and back on a replica that had applied the
//                  supersession: the node read had already returned, before this read began, a
//                  value that superseded it; or the read is in the last final round and every
//                  node's last round agrees (every replica holds the value after its supersession);
//   a stale read   superseded before the read, on a node with no such evidence: a lagging replica
//                  that may not have applied the superseding write yet. Counted (staleReads;
//                  laggingFinalReads for a last final round that does not agree, which convergence
//                  judges), and judged per the test's claim as `stale-read`: "linearizable" judges
//                  every client read, "session" one by the process whose own write superseded the
//                  value (session guarantees are per client), "eventual" (the default) none.
// Reads carry `node`; final reads are judged in each node's last round only. Also:
//   dropped        an acknowledged value nothing superseded is in no node's last final read.
// And the distribution of sibling counts per client read. Under lww every silently overwritten
// concurrent write is dropped. Keys the cart workload adds to are left to lost-writes.
// Linear in the history's size (reads × their sibling and basis sizes), but for false siblings:
// a read of k siblings walks back from each through the writes concurrent with the others.
import { AnomalyReport } from "./anomaly-report.js";
import type { CheckOptions, CheckResult, Checker, Validity } from "./checker.js";
import { type FinalRead, finalReadsOf, lastRounds } from "./final-reads.js";
import type { History } from "./history.js";
import { keyOf, type OpPair, pairOps } from "./op-pairs.js";
import { canonicalJson, siblingsOf, type ValueId, valueId, writtenValue } from "./read-values.js";
import { SupersessionGraph, type SupersedingWrite } from "./supersession-graph.js";

const ANOMALIES = [
  "dropped",
  "resurrected",
  "false-sibling",
  "unexpected",
  "future-read",
  "stale-read",
] as const;

interface Written {
  value: unknown;
  pair: OpPair;
}

/** Everything known about one register key. */
interface KeyFacts {
  /** Its values, each with its last write (any outcome): what dropped and unexpected name. */
  graph: SupersessionGraph<Written>;
  /** node → value → the earliest completion (ns) of a read on that node that returned it
   * (filled only for a key with a value read after its supersession: see indexSeen). */
  seenOn: Map<string, Map<ValueId, number>>;
  /** The graph's `earliestAll` answers, kept per process and per node. */
  byProcess: Map<unknown, Map<ValueId, number>>;
  byNode: Map<string, Map<ValueId, number>>;
}

/** One read as judged: a client read or a final read. */
interface JudgedRead {
  pair: OpPair;
  key: string;
  node: string;
  /** "client", a final read in a node's last round ("last"), or an earlier one ("early"). */
  kind: "client" | "last" | "early";
  /** Every node's last final round agrees on this key (for a "last" read). */
  agreed: boolean;
}

const nodeOf = (pair: OpPair): string => {
  const node = pair.invoke.node ?? pair.complete?.node;
  return typeof node === "string" ? node : "";
};

function factsOf(keys: Map<string, KeyFacts>, key: string): KeyFacts {
  let facts = keys.get(key);
  if (facts === undefined) {
    facts = {
      graph: new SupersessionGraph<Written>(),
      seenOn: new Map(),
      byProcess: new Map(),
      byNode: new Map(),
    };
    keys.set(key, facts);
  }
  return facts;
}

function memoOf<K>(memos: Map<K, Map<ValueId, number>>, at: K): Map<ValueId, number> {
  let memo = memos.get(at);
  if (memo === undefined) {
    memo = new Map();
    memos.set(at, memo);
  }
  return memo;
}

/** The writes of register keys into their graphs; cart keys (which adds touch) are left out. */
function collectWrites(pairs: readonly OpPair[], cartKeys: ReadonlySet<string>) {
  const keys = new Map<string, KeyFacts>();
  for (const pair of pairs) {
    const op = pair.invoke;
    if (op.f !== "write" && op.f !== "cas") continue;
    const key = keyOf(pair);
    if (cartKeys.has(key)) continue;
    const facts = factsOf(keys, key);
    const value = writtenValue(op);
    const id = valueId(value);
    facts.graph.record(id, { value, pair });
    if (pair.type === "fail") continue;
    const write: SupersedingWrite = {
      value: id,
      process: op.process,
      ackTime: pair.type === "ok" ? pair.completeTime : Number.POSITIVE_INFINITY,
      op: pair.complete?.index ?? op.index,
    };
    facts.graph.add(write, (pair.basis ?? []).map(valueId), pair.invokeTime);
  }
  for (const facts of keys.values()) facts.graph.settle();
  return keys;
}

/** The reads to judge, in history order: client reads, then final reads (with their round's
 * standing); cart keys are left out. */
function collectReads(
  pairs: readonly OpPair[],
  finals: readonly FinalRead[],
  last: Map<string, Map<string, FinalRead>>,
  cartKeys: ReadonlySet<string>,
): JudgedRead[] {
  const reads: JudgedRead[] = [];
  for (const pair of pairs) {
    if (pair.type !== "ok" || pair.invoke.f !== "read") continue;
    const key = keyOf(pair);
    if (!cartKeys.has(key)) {
      reads.push({ pair, key, node: nodeOf(pair), kind: "client", agreed: false });
    }
  }
  const lastPairs = new Set<OpPair>();
  const agreedKeys = new Set<string>();
  for (const [key, byNode] of last) {
    const views = [...byNode.values()].map((read) => siblingSetOf(read));
    if (views.every((view) => view === views[0])) agreedKeys.add(key);
    for (const read of byNode.values()) lastPairs.add(read.pair);
  }
  for (const read of finals) {
    if (read.pair.type !== "ok" || cartKeys.has(read.key)) continue;
    const kind = lastPairs.has(read.pair) ? "last" : "early";
    reads.push({ ...read, kind, agreed: agreedKeys.has(read.key) });
  }
  return reads;
}

/** The seenOn of the given keys, from every read of them. */
function indexSeen(
  reads: readonly JudgedRead[],
  keys: ReadonlySet<string>,
  facts: Map<string, KeyFacts>,
): void {
  for (const read of reads) {
    if (!keys.has(read.key)) continue;
    const seen = memoOf(facts.get(read.key)!.seenOn, read.node);
    for (const v of siblingsOf(read.pair.complete!)) {
      const id = valueId(v);
      const at = seen.get(id);
      if (at === undefined || read.pair.completeTime < at) seen.set(id, read.pair.completeTime);
    }
  }
}

/** A final read's siblings as one comparable text (order does not matter). */
function siblingSetOf(read: FinalRead): string {
  return canonicalJson(siblingsOf(read.pair.complete!).map(canonicalJson).sort());
}

interface Tallies {
  clientReads: number;
  staleReads: number;
  laggingFinalReads: number;
  siblingCounts: Record<number, number>;
}

/** What judging reads needs besides the read and its key: the claim, where findings go, and
 * the values read after their supersession (judged once every read is indexed). */
interface Judging {
  consistency: string;
  report: AnomalyReport;
  tallies: Tallies;
  superseded: Superseded[];
}

/** A value a read returned after its supersession was acknowledged. */
interface Superseded {
  read: JudgedRead;
  id: ValueId;
  value: unknown;
  supersededAt: number;
}

/** How many different values (a read's siblings are few: no Set for them). */
function distinctCount(ids: readonly ValueId[]): number {
  if (ids.length > 16) return new Set(ids).size;
  let count = 0;
  for (let i = 0; i < ids.length; i++) if (ids.indexOf(ids[i]!) === i) count++;
  return count;
}

/** Judges every value of one read (see the header for the order of the questions). */
function judgeRead(read: JudgedRead, facts: KeyFacts, judging: Judging): void {
  const { report, tallies } = judging;
  const { pair, key, node } = read;
  const op = pair.complete!;
  const values = siblingsOf(op);
  const ids = values.map(valueId);
  if (read.kind === "client") {
    tallies.clientReads++;
    const distinct = distinctCount(ids);
    tallies.siblingCounts[distinct] = (tallies.siblingCounts[distinct] ?? 0) + 1;
  }
  const { graph } = facts;
  const known = ids.map((id) => graph.facts(id));
  const newerSiblings = graph.newerSiblings(ids, known);
  values.forEach((value, i) => {
    const id = ids[i]!;
    const f = known[i];
    if (f === undefined || Number.isNaN(f.firstInvoke)) {
      const why = f?.written !== undefined ? "its write failed" : "never written";
      report.note("unexpected", { key, value, why, ops: [op.index] });
      return;
    }
    if (f.firstInvoke > pair.completeTime) {
      const writeOp = f.written!.pair.invoke.index;
      report.note("future-read", { key, value, node, ops: [op.index, writeOp] });
      return;
    }
    const newer = newerSiblings?.[i] ?? -1;
    if (newer >= 0) {
      const writer = known[newer]!.written!.pair;
      const writeOp = writer.complete?.index ?? writer.invoke.index;
      report.note("false-sibling", {
        key,
        value,
        with: values[newer],
        ops: [op.index, writeOp],
      });
      return;
    }
    if (read.kind === "early") return;
    const supersededAt = f.supersededAt;
    if (supersededAt < pair.invokeTime) judging.superseded.push({ read, id, value, supersededAt });
  });
}

/** A value superseded before the read began: resurrected, or a stale read (see the header). */
function judgeSuperseded(
  { read, id, value, supersededAt }: Superseded,
  facts: KeyFacts,
  { consistency, report, tallies }: Judging,
): void {
  const { pair, key, node } = read;
  const began = pair.invokeTime;
  const op = pair.complete!.index;
  // The ops of an example: this read and a write that superseded the value before it began
  // (found only for an example the report keeps: it walks the graph).
  const opsBy = (name: string, test: (w: SupersedingWrite) => boolean) =>
    report.keeps(name) ? [op, supersedingOp(facts, id, test)] : [op];
  const acknowledged = (w: SupersedingWrite) => w.ackTime < began;
  const seenPastAt = answerOf(facts.byNode, node, facts, (w) => {
    return facts.seenOn.get(node)?.get(w.value) ?? Number.POSITIVE_INFINITY;
  }).get(id);
  if ((seenPastAt ?? Number.POSITIVE_INFINITY) < began || (read.kind === "last" && read.agreed)) {
    report.note("resurrected", { key, value, node, ops: opsBy("resurrected", acknowledged) });
    return;
  }
  if (read.kind === "last") {
    tallies.laggingFinalReads++;
    return;
  }
  tallies.staleReads++;
  const process = pair.invoke.process;
  const ownAt = () =>
    answerOf(facts.byProcess, process, facts, (w) =>
      w.process === process ? w.ackTime : Number.POSITIVE_INFINITY,
    ).get(id) ?? Number.POSITIVE_INFINITY;
  const judgedAt =
    consistency === "linearizable"
      ? supersededAt
      : consistency === "session"
        ? ownAt()
        : Number.POSITIVE_INFINITY;
  if (judgedAt < began) {
    const own = (w: SupersedingWrite) => w.process === process && w.ackTime < began;
    const ops = opsBy("stale-read", consistency === "session" ? own : acknowledged);
    report.note("stale-read", { key, value, node, ops });
  }
}

/** The first op (in the history) of a write that superseded x, directly or transitively, and
 * passes `test`; -1 when none does (it cannot happen for a value judged superseded). */
function supersedingOp(
  facts: KeyFacts,
  x: ValueId,
  test: (w: SupersedingWrite) => boolean,
): number {
  const found = facts.graph.earliestAll((w) => (test(w) ? w.op : Number.POSITIVE_INFINITY)).get(x);
  return found ?? -1;
}

/** The graph's earliestAll(weight) for one process or node, worked out once. */
function answerOf<K>(
  answers: Map<K, Map<ValueId, number>>,
  at: K,
  facts: KeyFacts,
  weight: (w: SupersedingWrite) => number,
): Map<ValueId, number> {
  let answer = answers.get(at);
  if (answer === undefined) {
    answer = facts.graph.earliestAll(weight);
    answers.set(at, answer);
  }
  return answer;
}

/** Every acknowledged value nothing superseded must survive in some node's last final read. */
function judgeSurvival(
  keys: Map<string, KeyFacts>,
  last: Map<string, Map<string, FinalRead>>,
  report: AnomalyReport,
): { preserved: number; unverified: number } {
  let unverified = 0;
  let preserved = 0;
  for (const [key, facts] of keys) {
    const byNode = last.get(key);
    const survivors = new Set<ValueId>();
    for (const read of byNode?.values() ?? []) {
      for (const v of siblingsOf(read.pair.complete!)) survivors.add(valueId(v));
    }
    for (const [id, { written: w, firstSupersession }] of facts.graph.entries()) {
      if (w?.pair.type !== "ok" || firstSupersession < Number.POSITIVE_INFINITY) continue;
      if (byNode === undefined) {
        unverified++;
      } else if (survivors.has(id)) {
        preserved++;
      } else {
        const finalOp = byNode.values().next().value!.pair.complete!.index;
        report.note("dropped", { key, value: w.value, ops: [w.pair.complete!.index, finalOp] });
      }
    }
  }
  return { preserved, unverified };
}

export const siblingsChecker: Checker = {
  name: "siblings",
  check(history: History, options: CheckOptions): CheckResult {
    const { pairs } = pairOps(history);
    const cartKeys = new Set<string>();
    for (const pair of pairs) if (pair.invoke.f === "add") cartKeys.add(keyOf(pair));
    const keys = collectWrites(pairs, cartKeys);
    const finals = finalReadsOf(pairs);
    const last = lastRounds(finals);
    const reads = collectReads(pairs, finals, last, cartKeys);
    for (const read of reads) factsOf(keys, read.key); // keys nothing wrote: every value unexpected
    const report = new AnomalyReport();
    const tallies: Tallies = {
      clientReads: 0,
      staleReads: 0,
      laggingFinalReads: 0,
      siblingCounts: {},
    };
    const consistency = options.consistency ?? "eventual";
    const judging: Judging = { consistency, report, tallies, superseded: [] };
    for (const read of reads) judgeRead(read, keys.get(read.key)!, judging);
    // Which replica was read decides between stale and resurrected: index what each node
    // returned, for the keys that need it only (a correct store's history has none).
    indexSeen(reads, new Set(judging.superseded.map((s) => s.read.key)), keys);
    for (const s of judging.superseded) judgeSuperseded(s, keys.get(s.read.key)!, judging);
    const { preserved, unverified } = judgeSurvival(keys, last, report);

    let valid: Validity = true;
    if (report.anomalies.length > 0) valid = false;
    else if (finals.length === 0 || unverified > 0) valid = "unknown";
    const { siblingCounts, ...readCounts } = tallies;
    return {
      valid,
      anomalies: report.anomalies,
      counts: {
        ...Object.fromEntries(ANOMALIES.map((a) => [a, report.counts[a] ?? 0])),
        preserved,
        unverified,
        ...readCounts,
      },
      siblingCounts,
      examples: report.examples,
      counterexamples: report.counterexamples,
    };
  },
};
