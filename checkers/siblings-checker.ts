// siblings: sibling preservation for register writes that carry a causal context (`basis`).
// A value is superseded only by an ok or info write whose basis contained it. Then:
//   dropped        an acknowledged value nothing superseded is in no node's last final read;
//   resurrected    a superseded value is in a last final round, or a client read returns it
//                  after its superseding write was acknowledged, judged per the test's claim:
//                  "linearizable" judges every read; "session" only a read by the process that
//                  wrote the superseding value (session guarantees are per client); "eventual"
//                  (the default) none. A read not judged may just be stale: counted, not judged;
//   false-sibling  a read returns a value together with a value in its writer's basis;
//   unexpected     a read returns a value no ok or info write produced.
// Also the distribution of sibling counts per client read. Under lww every silently overwritten
// concurrent write is dropped. Keys the cart workload adds to are left to lost-writes.
// Linear in the history's size (reads × their basis sizes).
import { AnomalyReport } from "./anomaly-report.js";
import type { CheckOptions, CheckResult, Checker, Validity } from "./checker.js";
import { finalReadsOf, lastRounds } from "./final-reads.js";
import type { History } from "./history.js";
import { keyOf, type OpPair, pairOps } from "./op-pairs.js";
import { siblingsOf, type ValueId, valueId, writtenValue } from "./read-values.js";

interface Written {
  value: unknown;
  pair: OpPair;
  basisIds: ValueId[];
}

interface Supersession {
  /** Earliest ack (ns) of an ok write whose basis held the value; Infinity when only info ones. */
  ackTime: number;
  op: number;
}

/** The earliest supersession of each value, overall and per writing process. */
interface Supersessions {
  any: Supersession;
  byProcess: Map<unknown, Supersession>;
}

function earlier(seen: Supersession | undefined, next: Supersession): Supersession {
  return seen === undefined || next.ackTime < seen.ackTime ? next : seen;
}

export const siblingsChecker: Checker = {
  name: "siblings",
  check(history: History, options: CheckOptions): CheckResult {
    const { pairs } = pairOps(history);
    const written = new Map<string, Map<ValueId, Written>>();
    const superseded = new Map<string, Map<ValueId, Supersessions>>();
    const inKey = <T>(map: Map<string, Map<ValueId, T>>, key: string) => {
      let byValue = map.get(key);
      if (byValue === undefined) {
        byValue = new Map();
        map.set(key, byValue);
      }
      return byValue;
    };

    // Cart keys (adds) are lost-writes' business: their siblings are item arrays, not values.
    const cartKeys = new Set<string>();
    for (const pair of pairs) {
      const op = pair.invoke;
      if (op.f === "add") cartKeys.add(keyOf(pair));
      if (op.f !== "write" && op.f !== "cas") continue;
      const key = keyOf(pair);
      const value = writtenValue(op);
      const basisIds = (pair.basis ?? []).map(valueId);
      inKey(written, key).set(valueId(value), { value, pair, basisIds });
      if (pair.type === "fail") continue;
      const ackTime = pair.type === "ok" ? pair.completeTime : Number.POSITIVE_INFINITY;
      const byValue = inKey(superseded, key);
      const next = { ackTime, op: pair.complete?.index ?? op.index };
      for (const id of basisIds) {
        const seen = byValue.get(id);
        if (seen === undefined) {
          byValue.set(id, { any: next, byProcess: new Map([[op.process, next]]) });
        } else {
          seen.any = earlier(seen.any, next);
          seen.byProcess.set(op.process, earlier(seen.byProcess.get(op.process), next));
        }
      }
    }

    const report = new AnomalyReport();
    const siblingCounts: Record<number, number> = {};
    let clientReads = 0;
    let staleReads = 0;
    const consistency = options.consistency ?? "eventual";
    const finals = finalReadsOf(pairs);
    const last = lastRounds(finals);
    const lastPairs = new Set<OpPair>();
    for (const byNode of last.values())
      for (const read of byNode.values()) lastPairs.add(read.pair);

    const judgeRead = (pair: OpPair, key: string, isClientRead: boolean) => {
      if (cartKeys.has(key)) return;
      const op = pair.complete!;
      const values = siblingsOf(op);
      const ids = new Set(values.map(valueId));
      if (isClientRead) {
        clientReads++;
        siblingCounts[ids.size] = (siblingCounts[ids.size] ?? 0) + 1;
      }
      const writes = written.get(key);
      const supersessions = superseded.get(key);
      for (const value of values) {
        const id = valueId(value);
        const writer = writes?.get(id);
        if (writer === undefined || writer.pair.type === "fail") {
          const why = writer === undefined ? "never written" : "its write failed";
          report.note("unexpected", { key, value, why, ops: [op.index] });
          continue;
        }
        for (const basisId of writer.basisIds) {
          if (basisId !== id && ids.has(basisId)) {
            const older = values.find((v) => valueId(v) === basisId);
            report.note("false-sibling", {
              key,
              value: older,
              with: value,
              ops: [op.index, writer.pair.complete?.index ?? writer.pair.invoke.index],
            });
          }
        }
        const supersession = supersessions?.get(id);
        if (supersession === undefined || !(supersession.any.ackTime < pair.invokeTime)) continue;
        if (!isClientRead) {
          if (lastPairs.has(pair))
            report.note("resurrected", { key, value, ops: [op.index, supersession.any.op] });
          continue;
        }
        // Which supersession this read is held to: any, its own process's, or none.
        const judged =
          consistency === "linearizable"
            ? supersession.any
            : consistency === "session"
              ? supersession.byProcess.get(pair.invoke.process)
              : undefined;
        if (judged !== undefined && judged.ackTime < pair.invokeTime) {
          report.note("resurrected", { key, value, ops: [op.index, judged.op] });
        } else {
          staleReads++;
        }
      }
    };

    for (const pair of pairs) {
      if (pair.type === "ok" && pair.invoke.f === "read") judgeRead(pair, keyOf(pair), true);
    }
    for (const read of finals) if (read.pair.type === "ok") judgeRead(read.pair, read.key, false);

    // Every acknowledged value that nothing superseded must survive somewhere.
    let unverified = 0;
    let preserved = 0;
    for (const [key, byValue] of written) {
      const byNode = last.get(key);
      const survivors = new Set<ValueId>();
      for (const read of byNode?.values() ?? []) {
        for (const v of siblingsOf(read.pair.complete!)) survivors.add(valueId(v));
      }
      for (const [id, w] of byValue) {
        if (w.pair.type !== "ok" || superseded.get(key)?.has(id)) continue;
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

    let valid: Validity = true;
    if (report.anomalies.length > 0) valid = false;
    else if (finals.length === 0 || unverified > 0) valid = "unknown";
    return {
      valid,
      anomalies: report.anomalies,
      counts: {
        ...Object.fromEntries(
          ["dropped", "resurrected", "false-sibling", "unexpected"].map((a) => [
            a,
            report.counts[a] ?? 0,
          ]),
        ),
        preserved,
        unverified,
        clientReads,
        staleReads,
      },
      siblingCounts,
      examples: report.examples,
      counterexamples: report.counterexamples,
    };
  },
};
