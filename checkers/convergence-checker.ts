// convergence: after the final heal, every node's last final-read round must hold the same
// sibling SET per key (sibling order does not matter) and nothing that no ok or info write (or
// cart add) produced. Reports the time from the last nemesis completion (else from the start of
// the final phase) to the first round from which all nodes agreed on every key (agreedAtFirstRound:
// they agreed when first read, so that time is just a read's latency), and the keys that never
// agreed with each node's values. "unknown" without final reads or when a node never answered
// for a key. Linear in the final reads' size.
import { AnomalyReport } from "./anomaly-report.js";
import type { CheckResult, Checker, Validity } from "./checker.js";
import { type FinalRead, finalReadsOf } from "./final-reads.js";
import type { History } from "./history.js";
import { keyOf, lastNemesisCompletionTime, pairOps } from "./op-pairs.js";
import { nanosToMs } from "./quantiles.js";
import {
  canonicalJson,
  itemsOf,
  siblingsOf,
  type ValueId,
  valueId,
  writtenValue,
} from "./read-values.js";

export const convergenceChecker: Checker = {
  name: "convergence",
  check(history: History): CheckResult {
    const { pairs, nemesis } = pairOps(history);
    // What the writes could have produced, per key: register values, or cart items.
    const produced = new Map<string, Set<ValueId>>();
    const cartKeys = new Set<string>();
    for (const pair of pairs) {
      const f = pair.invoke.f;
      if (f !== "write" && f !== "cas" && f !== "add") continue;
      const key = keyOf(pair);
      if (f === "add") cartKeys.add(key);
      if (pair.type === "fail") continue;
      let values = produced.get(key);
      if (values === undefined) {
        values = new Set();
        produced.set(key, values);
      }
      values.add(valueId(writtenValue(pair.invoke)));
    }

    const finals = finalReadsOf(pairs);
    const nodes = [...new Set(finals.map((r) => r.node))].sort();
    const byKey = new Map<string, FinalRead[]>();
    for (const read of finals) {
      let reads = byKey.get(read.key);
      if (reads === undefined) {
        reads = [];
        byKey.set(read.key, reads);
      }
      reads.push(read);
    }

    const report = new AnomalyReport();
    let unread = 0;
    let agreedTime = Number.NEGATIVE_INFINITY;
    let agreedRound = Number.NEGATIVE_INFINITY;
    let firstRound = Number.POSITIVE_INFINITY;
    let roundCount = 0;
    for (const [key, reads] of byKey) {
      const rounds = [...new Set(reads.map((r) => r.round))].sort((a, b) => a - b);
      roundCount = Math.max(roundCount, rounds.length);
      firstRound = Math.min(firstRound, rounds[0] ?? firstRound);
      reads.sort((a, b) => a.round - b.round);
      // Walk the rounds, each node's view carried forward from its latest ok read.
      const view = new Map<string, { read: FinalRead; set: string }>();
      let next = 0;
      let since: { round: number; time: number } | undefined;
      for (const round of rounds) {
        for (; next < reads.length && reads[next]!.round <= round; next++) {
          const read = reads[next]!;
          if (read.pair.type === "ok")
            view.set(read.node, { read, set: siblingSet(read, cartKeys.has(key)) });
        }
        const sets = new Set([...view.values()].map((v) => v.set));
        if (view.size === nodes.length && sets.size === 1) {
          since ??= {
            round,
            time: Math.max(...[...view.values()].map((v) => v.read.pair.completeTime)),
          };
        } else {
          since = undefined;
        }
      }

      const missing = nodes.filter((n) => !view.has(n));
      if (missing.length > 0) {
        unread++;
        report.note("unread", {
          key,
          nodes: missing,
          ops: reads.map((r) => r.pair.invoke.index).slice(0, 3),
        });
      } else if (since === undefined) {
        const values = Object.fromEntries(
          [...view].map(([node, v]) => [node, v.read.pair.complete!.value]),
        );
        report.note("divergent", {
          key,
          values,
          ops: [...view.values()].map((v) => v.read.pair.complete!.index),
        });
      } else {
        agreedTime = Math.max(agreedTime, since.time);
        agreedRound = Math.max(agreedRound, since.round);
      }

      const allowed = produced.get(key);
      for (const [node, { read }] of view) {
        const op = read.pair.complete!;
        for (const sibling of siblingsOf(op)) {
          const values = cartKeys.has(key) ? itemsOf(sibling, op) : [sibling];
          for (const value of values) {
            if (!allowed?.has(valueId(value)))
              report.note("unexpected", { key, node, value, ops: [op.index] });
          }
        }
      }
    }

    const lastFault = lastNemesisCompletionTime(nemesis);
    const phaseStart = finals.reduce(
      (t, r) => Math.min(t, r.pair.invokeTime),
      Number.POSITIVE_INFINITY,
    );
    const from = lastFault ?? phaseStart;
    const converged = finals.length > 0 && !report.has("divergent") && !report.has("unread");
    let valid: Validity = true;
    if (report.has("divergent") || report.has("unexpected")) valid = false;
    else if (finals.length === 0 || unread > 0) valid = "unknown";
    return {
      valid,
      anomalies: report.anomalies,
      counts: {
        keys: byKey.size,
        nodes: nodes.length,
        rounds: roundCount,
        divergent: report.counts.divergent ?? 0,
        unexpected: report.counts.unexpected ?? 0,
        unread,
      },
      ...(converged && byKey.size > 0
        ? {
            convergenceMs: nanosToMs(Math.max(0, agreedTime - from)),
            measuredFrom: lastFault === undefined ? "final-phase" : "last-nemesis",
            agreedRound,
            // Then convergenceMs is only the first round's latency, not a time to converge.
            agreedAtFirstRound: agreedRound === firstRound,
          }
        : {}),
      examples: report.examples,
      counterexamples: report.counterexamples,
    };
  },
};

/** A node's answer as an order-insensitive set of siblings (a cart sibling: a set of items). */
function siblingSet(read: FinalRead, cart: boolean): string {
  const op = read.pair.complete!;
  const siblings = siblingsOf(op).map((s) =>
    cart ? `[${itemsOf(s, op).map(canonicalJson).sort().join(",")}]` : canonicalJson(s),
  );
  return [...new Set(siblings)].sort().join("\u0000");
}
