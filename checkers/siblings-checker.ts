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
// Reads the interned history (interned-history.ts): a value is its key's slot, and what the
// checker knows of values sits in typed arrays (supersession-graph.ts).
import { AnomalyReport } from "./anomaly-report.js";
import type { CheckOptions, CheckResult, Checker, Validity } from "./checker.js";
import { type FinalRead, internedFinalReads, lastRounds } from "./final-reads.js";
import type { History } from "./history.js";
import { FAIL, type InternedHistory, internHistory, OK } from "./interned-history.js";
import { keyOf } from "./op-pairs.js";
import { canonicalJson, siblingsOf, type ValueId, valueId, writtenValue } from "./read-values.js";
import { SupersessionGraph } from "./supersession-graph.js";

const ANOMALIES = [
  "dropped",
  "resurrected",
  "false-sibling",
  "unexpected",
  "future-read",
  "stale-read",
] as const;

/** A read's kind: a client read, a final read in a node's last round, or an earlier one. */
const CLIENT = 0;
const LAST = 1;
const EARLY = 2;

/** The reads to judge, in history order: client reads, then final reads. */
interface Reads {
  pair: Int32Array;
  kind: Uint8Array;
  count: number;
}

/** Key id → node → value slot → a time (ns): what judging superseded values works out once. */
type Answers<K> = Map<number, Map<K, Map<number, number>>>;

/** What judging reads needs besides the read: the history, its graph, the slot of every read
 * sibling, the claim, where findings go, and the values read after their supersession (judged
 * once every read is indexed). */
interface Judging {
  h: InternedHistory;
  graph: SupersessionGraph;
  siblingSlot: Int32Array;
  consistency: string;
  report: AnomalyReport;
  tallies: Tallies;
  superseded: Superseded[];
  /** Key id → 1 when every node's last final round agrees on it. */
  agreed: Uint8Array;
  /** node → value → the earliest completion (ns) of a read on that node that returned it
   * (filled only for the keys with a value read after its supersession: see indexSeen). */
  seenOn: Answers<string>;
  /** The graph's `earliestAll` answers, kept per node and per process. */
  byNode: Answers<string>;
  byProcess: Answers<unknown>;
}

interface Tallies {
  clientReads: number;
  staleReads: number;
  laggingFinalReads: number;
  siblingCounts: Record<number, number>;
}

/** A value read (sibling `i` of read pair `p`) after its supersession was acknowledged. */
interface Superseded {
  p: number;
  kind: number;
  i: number;
  supersededAt: number;
}

const nodeOf = (h: InternedHistory, p: number): string => {
  const node = h.invoke(p).node ?? h.complete(p)?.node;
  return typeof node === "string" ? node : "";
};

/** Pair p's key. */
const keyName = (h: InternedHistory, p: number): string => h.keys[h.key[p]!]!;

/** Sibling i of read pair p, as the read returned it. */
const siblingOf = (h: InternedHistory, p: number, i: number): unknown =>
  (h.complete(p)!.value as unknown[])[i];

function memoOf<K, V>(memos: Map<K, V>, at: K, make: () => V): V {
  let memo = memos.get(at);
  if (memo === undefined) {
    memo = make();
    memos.set(at, memo);
  }
  return memo;
}

/** The slot of every sibling that reads of register keys returned. A sibling that is a list is
 * interned as its items: its slot is the one a write or basis of it has, or a new one above the
 * history's (nothing wrote it). */
function siblingSlots(h: InternedHistory, cartKey: Uint8Array) {
  const { siblingStart, itemStart, items, isList, key } = h;
  const slots = new Int32Array(isList.length);
  const extra = new Map<ValueId, number>();
  for (let p = 0; p < key.length; p++) {
    const k = key[p]!;
    if (k < 0 || cartKey[k] === 1) continue;
    for (let s = siblingStart[p]!; s < siblingStart[p + 1]!; s++) {
      if (isList[s] === 0) {
        slots[s] = items[itemStart[s]!]!;
        continue;
      }
      const value = siblingOf(h, p, s - siblingStart[p]!);
      const slot = h.slots.find(k, value);
      slots[s] = slot >= 0 ? slot : memoOf(extra, valueId(value), () => h.slots.count + extra.size);
    }
  }
  return { slots, slotCount: h.slots.count + extra.size };
}

/** A final read's siblings as one comparable text (order does not matter). */
function siblingSetOf(read: FinalRead): string {
  return canonicalJson(siblingsOf(read.pair.complete!).map(canonicalJson).sort());
}

/** The reads to judge: ok client reads of register keys, then their ok final reads (each with
 * its round's standing); and the keys whose every node's last final round agrees. */
function collectReads(
  h: InternedHistory,
  cartKey: Uint8Array,
  finals: readonly FinalRead[],
  last: Map<string, Map<string, FinalRead>>,
) {
  const READ = h.fId("read");
  const reads: Reads = {
    pair: new Int32Array(h.f.length),
    kind: new Uint8Array(h.f.length),
    count: 0,
  };
  for (let p = 0; p < h.f.length; p++) {
    if (h.outcome[p] !== OK || h.f[p] !== READ) continue;
    if (h.key[p]! < 0) keyOf(h.pair(p)); // throws: no key
    if (cartKey[h.key[p]!] === 0) reads.pair[reads.count++] = p;
  }
  const lastAt = new Set<number>();
  const agreed = new Uint8Array(h.keys.length);
  for (const byNode of last.values()) {
    const views = [...byNode.values()].map((read) => siblingSetOf(read));
    const k = h.key[byNode.values().next().value!.at]!;
    if (views.every((view) => view === views[0])) agreed[k] = 1;
    for (const read of byNode.values()) lastAt.add(read.at);
  }
  for (const read of finals) {
    if (read.pair.type !== "ok" || cartKey[h.key[read.at]!] === 1) continue;
    reads.kind[reads.count] = lastAt.has(read.at) ? LAST : EARLY;
    reads.pair[reads.count++] = read.at;
  }
  return { reads, agreed };
}

/** The seenOn of the given keys, from every read of them. */
function indexSeen(reads: Reads, keys: ReadonlySet<number>, judging: Judging): void {
  const { h, siblingSlot, seenOn } = judging;
  for (let r = 0; r < reads.count; r++) {
    const p = reads.pair[r]!;
    const k = h.key[p]!;
    if (!keys.has(k)) continue;
    const seen = memoOf(
      memoOf(seenOn, k, () => new Map()),
      nodeOf(h, p),
      () => new Map(),
    );
    const at = h.completeTime[p]!;
    for (let s = h.siblingStart[p]!; s < h.siblingStart[p + 1]!; s++) {
      const id = siblingSlot[s]!;
      if (at < (seen.get(id) ?? Number.POSITIVE_INFINITY)) seen.set(id, at);
    }
  }
}

/** How many different values among ids[start … end) (a read's siblings are few: no Set). */
function distinctCount(ids: Int32Array, start: number, end: number): number {
  if (end - start > 16) return new Set(ids.subarray(start, end)).size;
  let count = 0;
  for (let i = start; i < end; i++) {
    let j = start;
    while (ids[j] !== ids[i]) j++;
    if (j === i) count++;
  }
  return count;
}

/** Judges every value of one read (see the header for the order of the questions). */
function judgeRead(p: number, kind: number, judging: Judging): void {
  const { h, graph, siblingSlot: ids, report, tallies } = judging;
  if (h.brokenRead[p] === 1) siblingsOf(h.complete(p)!); // throws: names the read
  const start = h.siblingStart[p]!;
  const end = h.siblingStart[p + 1]!;
  if (kind === CLIENT) {
    tallies.clientReads++;
    const distinct = distinctCount(ids, start, end);
    tallies.siblingCounts[distinct] = (tallies.siblingCounts[distinct] ?? 0) + 1;
  }
  const completed = h.completeTime[p]!;
  const newerSiblings = graph.newerSiblings(ids, start, end);
  for (let s = start; s < end; s++) {
    const id = ids[s]!;
    const i = s - start;
    const firstInvoke = graph.firstInvoke[id]!;
    if (Number.isNaN(firstInvoke)) {
      const why = graph.lastWrite[id]! >= 0 ? "its write failed" : "never written";
      const key = keyName(h, p);
      report.note("unexpected", { key, value: siblingOf(h, p, i), why, ops: [h.opIndex(p)] });
      continue;
    }
    if (firstInvoke > completed) {
      const writeOp = h.invoke(graph.lastWrite[id]!).index;
      report.note("future-read", {
        key: keyName(h, p),
        value: siblingOf(h, p, i),
        node: nodeOf(h, p),
        ops: [h.opIndex(p), writeOp],
      });
      continue;
    }
    const newer = newerSiblings?.[i] ?? -1;
    if (newer >= 0) {
      const writeOp = h.opIndex(graph.lastWrite[ids[start + newer]!]!);
      report.note("false-sibling", {
        key: keyName(h, p),
        value: siblingOf(h, p, i),
        with: siblingOf(h, p, newer),
        ops: [h.opIndex(p), writeOp],
      });
      continue;
    }
    if (kind === EARLY) continue;
    const supersededAt = graph.supersededAt[id]!;
    if (supersededAt < h.invokeTime[p]!) judging.superseded.push({ p, kind, i, supersededAt });
  }
}

/** A value superseded before the read began: resurrected, or a stale read (see the header). */
function judgeSuperseded({ p, kind, i, supersededAt }: Superseded, judging: Judging): void {
  const { h, graph, consistency, report, tallies } = judging;
  const k = h.key[p]!;
  const key = h.keys[k]!;
  const node = nodeOf(h, p);
  const id = judging.siblingSlot[h.siblingStart[p]! + i]!;
  const value = siblingOf(h, p, i);
  const began = h.invokeTime[p]!;
  const op = h.opIndex(p);
  // The ops of an example: this read and a write that superseded the value before it began
  // (found only for an example the report keeps: it walks the graph).
  const opsBy = (name: string, test: (w: number) => boolean) =>
    report.keeps(name) ? [op, supersedingOp(judging, k, id, test)] : [op];
  const acknowledged = (w: number) => graph.ackTime(w) < began;
  const seen = judging.seenOn.get(k)?.get(node);
  const seenPastAt = answerOf(judging.byNode, k, node, graph, (w) => {
    return seen?.get(h.written[w]!) ?? Number.POSITIVE_INFINITY;
  }).get(id);
  const agreed = kind === LAST && judging.agreed[k] === 1;
  if ((seenPastAt ?? Number.POSITIVE_INFINITY) < began || agreed) {
    report.note("resurrected", { key, value, node, ops: opsBy("resurrected", acknowledged) });
    return;
  }
  if (kind === LAST) {
    tallies.laggingFinalReads++;
    return;
  }
  tallies.staleReads++;
  const process = h.invoke(p).process;
  const ownWrite = (w: number) => h.invoke(w).process === process;
  const ownAt = () =>
    answerOf(judging.byProcess, k, process, graph, (w) =>
      ownWrite(w) ? graph.ackTime(w) : Number.POSITIVE_INFINITY,
    ).get(id) ?? Number.POSITIVE_INFINITY;
  const judgedAt =
    consistency === "linearizable"
      ? supersededAt
      : consistency === "session"
        ? ownAt()
        : Number.POSITIVE_INFINITY;
  if (judgedAt < began) {
    const own = (w: number) => ownWrite(w) && graph.ackTime(w) < began;
    const ops = opsBy("stale-read", consistency === "session" ? own : acknowledged);
    report.note("stale-read", { key, value, node, ops });
  }
}

/** The first op (in the history) of a write to key k that superseded x, directly or
 * transitively, and passes `test`; -1 when none does (it cannot happen for a value judged
 * superseded). */
function supersedingOp(
  { h, graph }: Judging,
  k: number,
  x: number,
  test: (w: number) => boolean,
): number {
  const found = graph.earliestAll(k, (w) => (test(w) ? h.opIndex(w) : Number.POSITIVE_INFINITY));
  return found.get(x) ?? -1;
}

/** The graph's earliestAll(k, weight) for one node or process of key k, worked out once. */
function answerOf<K>(
  answers: Answers<K>,
  k: number,
  at: K,
  graph: SupersessionGraph,
  weight: (w: number) => number,
): Map<number, number> {
  return memoOf(
    memoOf(answers, k, () => new Map()),
    at,
    () => graph.earliestAll(k, weight),
  );
}

/** Every acknowledged value nothing superseded must survive in some node's last final read:
 * the register keys in the order of their first write, each key's values in the order its
 * writes first named them. */
function judgeSurvival(
  judging: Judging,
  last: Map<string, Map<string, FinalRead>>,
): { preserved: number; unverified: number } {
  const { h, graph, siblingSlot } = judging;
  const WRITE = h.fId("write");
  const CAS = h.fId("cas");
  const survival: Survival = {
    judging,
    byNode: undefined,
    k: -1,
    survivor: new Int32Array(graph.slotCount).fill(-1),
    visited: new Int32Array(graph.slotCount).fill(-1),
    unverified: 0,
    preserved: 0,
  };
  for (const k of graph.keyOrder) {
    survival.k = k;
    survival.byNode = last.get(h.keys[k]!);
    for (const read of survival.byNode?.values() ?? []) {
      const p = read.at;
      for (let s = h.siblingStart[p]!; s < h.siblingStart[p + 1]!; s++) {
        survival.survivor[siblingSlot[s]!] = k;
      }
    }
    for (let i = h.byKeyStart[k]!; i < h.byKeyStart[k + 1]!; i++) {
      const p = h.byKey[i]!;
      if (h.f[p] !== WRITE && h.f[p] !== CAS) continue;
      const own = h.written[p]!;
      judgeSurvivor(survival, own);
      if (h.outcome[p] === FAIL) continue;
      for (let b = h.basisStart[p]!; b < h.basisStart[p + 1]!; b++) {
        if (h.basisSlots[b] !== own) judgeSurvivor(survival, h.basisSlots[b]!);
      }
    }
  }
  return survival;
}

/** judgeSurvival's walk through one key (k), with its last final reads (byNode). */
interface Survival {
  judging: Judging;
  k: number;
  byNode: Map<string, FinalRead> | undefined;
  /** Slot → the key whose last final reads hold it, and the key that judged it already. */
  survivor: Int32Array;
  visited: Int32Array;
  unverified: number;
  preserved: number;
}

/** Judges a value of the walk's key the first time the key's writes name it. */
function judgeSurvivor(survival: Survival, slot: number): void {
  const { judging, k, byNode } = survival;
  const { h, graph } = judging;
  if (survival.visited[slot] === k) return;
  survival.visited[slot] = k;
  const w = graph.lastWrite[slot]!;
  if (w < 0 || h.outcome[w] !== OK) return;
  if (graph.firstSupersession[slot]! < Number.POSITIVE_INFINITY) return;
  if (byNode === undefined) {
    survival.unverified++;
  } else if (survival.survivor[slot] === k) {
    survival.preserved++;
  } else {
    const finalOp = byNode.values().next().value!.pair.complete!.index;
    const value = writtenValue(h.invoke(w));
    judging.report.note("dropped", { key: h.keys[k]!, value, ops: [h.opIndex(w), finalOp] });
  }
}

export const siblingsChecker: Checker = {
  name: "siblings",
  check(history: History, options: CheckOptions): CheckResult {
    const h = internHistory(history);
    const ADD = h.fId("add");
    const cartKey = new Uint8Array(h.keys.length);
    for (let p = 0; p < h.f.length; p++) {
      if (h.f[p] !== ADD) continue;
      if (h.key[p]! < 0) keyOf(h.pair(p)); // throws: no key
      cartKey[h.key[p]!] = 1;
    }
    const { slots: siblingSlot, slotCount } = siblingSlots(h, cartKey);
    const graph = new SupersessionGraph(h, cartKey, slotCount);
    const finals = internedFinalReads(h);
    const last = lastRounds(finals);
    const { reads, agreed } = collectReads(h, cartKey, finals, last);
    const report = new AnomalyReport();
    const tallies: Tallies = {
      clientReads: 0,
      staleReads: 0,
      laggingFinalReads: 0,
      siblingCounts: {},
    };
    const judging: Judging = {
      h,
      graph,
      siblingSlot,
      consistency: options.consistency ?? "eventual",
      report,
      tallies,
      superseded: [],
      agreed,
      seenOn: new Map(),
      byNode: new Map(),
      byProcess: new Map(),
    };
    for (let r = 0; r < reads.count; r++) judgeRead(reads.pair[r]!, reads.kind[r]!, judging);
    // Which replica was read decides between stale and resurrected: index what each node
    // returned, for the keys that need it only (a correct store's history has none).
    indexSeen(reads, new Set(judging.superseded.map((s) => h.key[s.p]!)), judging);
    for (const s of judging.superseded) judgeSuperseded(s, judging);
    const { preserved, unverified } = judgeSurvival(judging, last);

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
