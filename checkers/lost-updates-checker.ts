// lost-updates (for the reject strategy): a write must carry the version it read, so
//   lost-update  two acknowledged writes (write / cas) to one key based on the same version
//                (the same basis set, the empty basis of blind writes included) both took effect;
//   unreflected  an acknowledged write that no later state reflects: neither it nor a write whose
//                basis holds it (transitively, through ok or info writes) is in the final reads.
// "unknown" when nothing was acknowledged or a written key has no final reads.
// Linear in the history.
import { AnomalyReport } from "./anomaly-report.js";
import type { CheckResult, Checker, Validity } from "./checker.js";
import { finalReadsOf, lastRounds } from "./final-reads.js";
import type { History } from "./history.js";
import { keyOf, type OpPair, pairOps } from "./op-pairs.js";
import { siblingsOf, type ValueId, valueId, writtenValue } from "./read-values.js";

export const lostUpdatesChecker: Checker = {
  name: "lost-updates",
  check(history: History): CheckResult {
    const { pairs } = pairOps(history);
    const report = new AnomalyReport();
    // key → written value → its write (ok or info: a value in a state came from one of them).
    const writers = new Map<string, Map<ValueId, OpPair>>();
    // key + basis version → the acknowledged writes based on it.
    const byVersion = new Map<string, OpPair[]>();
    let acknowledged = 0;
    let withoutBasis = 0;
    for (const pair of pairs) {
      const f = pair.invoke.f;
      if ((f !== "write" && f !== "cas") || pair.type === "fail") continue;
      const key = keyOf(pair);
      let byValue = writers.get(key);
      if (byValue === undefined) {
        byValue = new Map();
        writers.set(key, byValue);
      }
      byValue.set(valueId(writtenValue(pair.invoke)), pair);
      if (pair.type !== "ok") continue;
      acknowledged++;
      if (pair.basis === undefined) {
        withoutBasis++;
        continue;
      }
      const version = `${JSON.stringify(key)} ${versionOf(pair.basis)}`;
      const writes = byVersion.get(version);
      if (writes === undefined) byVersion.set(version, [pair]);
      else writes.push(pair);
    }

    let lostUpdates = 0;
    for (const writes of byVersion.values()) {
      if (writes.length < 2) continue;
      lostUpdates += writes.length - 1;
      const first = writes[0]!;
      report.note("lost-update", {
        key: first.invoke.key,
        basis: first.basis,
        values: writes.slice(0, 5).map((w) => writtenValue(w.invoke)),
        ops: writes.slice(0, 3).map((w) => w.complete!.index),
      });
    }

    // What the final states reflect: their values and, through each writer's basis, its ancestry.
    const last = lastRounds(finalReadsOf(pairs));
    let unverified = 0;
    let reflectedCount = 0;
    for (const [key, byValue] of writers) {
      const byNode = last.get(key);
      const acked = [...byValue.values()].filter((w) => w.type === "ok");
      if (byNode === undefined) {
        unverified += acked.length;
        continue;
      }
      const reflected = new Set<ValueId>();
      const queue: ValueId[] = [];
      for (const read of byNode.values()) {
        for (const v of siblingsOf(read.pair.complete!)) queue.push(valueId(v));
      }
      while (queue.length > 0) {
        const id = queue.pop()!;
        if (reflected.has(id)) continue;
        reflected.add(id);
        for (const b of byValue.get(id)?.basis ?? []) queue.push(valueId(b));
      }
      const finalOp = byNode.values().next().value!.pair.complete!.index;
      for (const w of acked) {
        if (reflected.has(valueId(writtenValue(w.invoke)))) {
          reflectedCount++;
        } else {
          report.note("unreflected", {
            key,
            value: writtenValue(w.invoke),
            ops: [w.complete!.index, finalOp],
          });
        }
      }
    }

    let valid: Validity = true;
    if (report.anomalies.length > 0) valid = false;
    else if (unverified > 0 || acknowledged === 0) valid = "unknown";
    return {
      valid,
      anomalies: report.anomalies,
      counts: {
        acknowledged,
        "lost-update": lostUpdates,
        unreflected: report.counts.unreflected ?? 0,
        reflected: reflectedCount,
        unverified,
        withoutBasis,
      },
      examples: report.examples,
      counterexamples: report.counterexamples,
    };
  },
};

/** The version a basis names: its set of values, order-insensitive. */
function versionOf(basis: readonly unknown[]): string {
  return JSON.stringify([...new Set(basis.map((v) => JSON.stringify(valueId(v))))].sort());
}
