// convergence (R1): after the final heal, every node's last final-read round must hold the same
// sibling SET per key (sibling order does not matter) and nothing that no ok or info write (or
// cart add) produced. Reports the time from the last nemesis completion (else from the start of
// the final phase) to the first round from which all nodes agreed on every key (agreedAtFirstRound:
// they agreed when first read, so that time is just a read's latency), and the keys that never
// agreed with each node's values. "unknown" without final reads or when a node never answered
// for a key. During the run, probe reads (`f: "probe"`, every node read at once in rounds) tell
// whether the replicas also agreed then: `probes` counts the rounds in which two nodes answered a
// key differently (probe-divergent, reported, never a verdict: an eventually consistent store may
// disagree until it heals) and the longest such stretch; agreedDuringRun is false after any.
// Linear in the final and probe reads' size.
import { AnomalyReport } from "./anomaly-report.js";
import type { CheckResult, Checker, Validity } from "./checker.js";
import { type FinalRead, finalReadsOf } from "./final-reads.js";
import type { History, Op } from "./history.js";
import { keyOf, lastNemesisCompletionTime, type OpPair, pairOps } from "./op-pairs.js";
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

    const probes = probeAgreement(pairs, cartKeys, report);
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
        ...(probes !== undefined && {
          "probe-rounds": probes.rounds,
          "probe-rounds-disagreeing": probes.disagreeingRounds,
        }),
      },
      ...(probes !== undefined && { probes, agreedDuringRun: probes.disagreeingRounds === 0 }),
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

export interface ProbeAgreement {
  /** Probe rounds, and those in which at least two nodes answered some key (the judged ones). */
  rounds: number;
  judgedRounds: number;
  /** Rounds in which two nodes answered some key differently. */
  disagreeingRounds: number;
  /** The longest stretch of consecutive disagreeing rounds: the first one's start to the last
   * one's end (ms); 0 when none disagreed. */
  disagreementMsMax: number;
}

interface ProbeRound {
  startTime: number;
  endTime: number;
  /** key → node → the answer's sibling set, and the op index. */
  answers: Map<string, Map<string, { set: string; value: unknown; op: number }>>;
}

/** Did the nodes agree at each probe round? Undefined when the history has no probes. */
function probeAgreement(
  pairs: readonly OpPair[],
  cartKeys: ReadonlySet<string>,
  report: AnomalyReport,
): ProbeAgreement | undefined {
  const rounds = new Map<number, ProbeRound>();
  for (const pair of pairs) {
    const op = pair.invoke;
    if (op.f !== "probe") continue;
    if (typeof op.key !== "string" || typeof op.node !== "string" || typeof op.round !== "number")
      throw new Error(`history op ${op.index}: a probe needs a key, a node and a round`);
    let round = rounds.get(op.round);
    if (round === undefined) {
      round = {
        startTime: pair.invokeTime,
        endTime: Number.NEGATIVE_INFINITY,
        answers: new Map(),
      };
      rounds.set(op.round, round);
    }
    round.startTime = Math.min(round.startTime, pair.invokeTime);
    if (pair.type !== "ok") continue;
    round.endTime = Math.max(round.endTime, pair.completeTime);
    let byNode = round.answers.get(op.key);
    if (byNode === undefined) {
      byNode = new Map();
      round.answers.set(op.key, byNode);
    }
    const complete = pair.complete!;
    byNode.set(op.node, {
      set: answerSet(complete, cartKeys.has(op.key)),
      value: complete.value,
      op: complete.index,
    });
  }
  if (rounds.size === 0) return undefined;
  const result: ProbeAgreement = {
    rounds: rounds.size,
    judgedRounds: 0,
    disagreeingRounds: 0,
    disagreementMsMax: 0,
  };
  let stretchStart: number | undefined;
  for (const [number, round] of [...rounds].sort(([a], [b]) => a - b)) {
    let judged = false;
    let disagreed = false;
    for (const [key, byNode] of round.answers) {
      if (byNode.size < 2) continue;
      judged = true;
      if (new Set([...byNode.values()].map((a) => a.set)).size === 1) continue;
      disagreed = true;
      const values = Object.fromEntries([...byNode].map(([node, a]) => [node, a.value]));
      const ops = [...byNode.values()].map((a) => a.op);
      report.note("probe-divergent", { key, round: number, values, ops }, false);
    }
    if (judged) result.judgedRounds++;
    if (!disagreed) {
      if (judged) stretchStart = undefined;
      continue;
    }
    result.disagreeingRounds++;
    stretchStart ??= round.startTime;
    const stretchMs = nanosToMs(Math.max(0, round.endTime - stretchStart));
    result.disagreementMsMax = Math.max(result.disagreementMsMax, stretchMs);
  }
  return result;
}

/** A node's answer as an order-insensitive set of siblings (a cart sibling: a set of items). */
function siblingSet(read: FinalRead, cart: boolean): string {
  return answerSet(read.pair.complete!, cart);
}

function answerSet(op: Op, cart: boolean): string {
  const siblings = siblingsOf(op).map((s) =>
    cart ? `[${itemsOf(s, op).map(canonicalJson).sort().join(",")}]` : canonicalJson(s),
  );
  return [...new Set(siblings)].sort().join("\u0000");
}
