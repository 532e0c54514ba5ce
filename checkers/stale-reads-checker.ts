// stale-reads: session guarantees per client process (a retired process's successor is another
// session). Per key, a session's read violates
//   monotonic-reads   when it misses a value the session's previous read of the key saw, and
//   read-your-writes  when it misses a value the session wrote (acknowledged) before it began,
// unless that value may have been superseded: a write (ok or info) whose basis held it was
// invoked before the read completed. A read sees its siblings (a cart sibling: its items).
// Each read counts at most once per guarantee, and each own write at most once (the first read
// that missed it: a write lost for good is one violation, not one per later read).
// Counted with lags (ms since the previous read / the write); invalid only when the test claims
// "session" or "linearizable" consistency ("eventual", the default, allows them).
import { AnomalyReport } from "./anomaly-report.js";
import type { CheckOptions, CheckResult, Checker, Validity } from "./checker.js";
import type { History } from "./history.js";
import { keyOf, pairOps } from "./op-pairs.js";
import { nanosToMs, quantiles } from "./quantiles.js";
import { siblingsOf, type ValueId, valueFromId, valueId, writtenValue } from "./read-values.js";

interface Seen {
  /** When the session learned of the value: its read's or write's completion (ns), and the op. */
  time: number;
  op: number;
}

interface Session {
  seen: Map<ValueId, Seen>;
  ownWrites: Map<ValueId, Seen>;
}

export const staleReadsChecker: Checker = {
  name: "stale-reads",
  check(history: History, options: CheckOptions): CheckResult {
    const { pairs } = pairOps(history);
    // key → value → earliest invoke (ns) of a write whose basis held it.
    const supersededFrom = new Map<string, Map<ValueId, number>>();
    for (const pair of pairs) {
      const f = pair.invoke.f;
      if ((f !== "write" && f !== "cas") || pair.type === "fail" || pair.basis === undefined)
        continue;
      const key = keyOf(pair);
      let byValue = supersededFrom.get(key);
      if (byValue === undefined) {
        byValue = new Map();
        supersededFrom.set(key, byValue);
      }
      for (const v of pair.basis) {
        const id = valueId(v);
        if (!(pair.invokeTime >= (byValue.get(id) ?? Number.POSITIVE_INFINITY)))
          byValue.set(id, pair.invokeTime);
      }
    }

    const report = new AnomalyReport();
    const sessions = new Map<string, Session>();
    const monotonicLagsMs: number[] = [];
    const ownWriteLagsMs: number[] = [];
    let reads = 0;
    const readers = new Set<unknown>();
    for (const pair of pairs) {
      const f = pair.invoke.f;
      if (pair.type !== "ok" || (f !== "read" && f !== "write" && f !== "cas" && f !== "add"))
        continue;
      const key = keyOf(pair);
      const sessionId = `${pair.invoke.process} ${JSON.stringify(key)}`;
      let session = sessions.get(sessionId);
      if (session === undefined) {
        session = { seen: new Map(), ownWrites: new Map() };
        sessions.set(sessionId, session);
      }
      const op = pair.complete!;
      if (f !== "read") {
        session.ownWrites.set(valueId(writtenValue(pair.invoke)), {
          time: pair.completeTime,
          op: op.index,
        });
        continue;
      }
      reads++;
      readers.add(pair.invoke.process);
      const values = new Set<ValueId>();
      for (const sibling of siblingsOf(op)) {
        if (Array.isArray(sibling)) for (const item of sibling) values.add(valueId(item));
        else values.add(valueId(sibling));
      }
      const superseded = supersededFrom.get(key);
      const mayBeGone = (id: ValueId) =>
        (superseded?.get(id) ?? Number.POSITIVE_INFINITY) < pair.completeTime;

      let missed: { id: ValueId; seen: Seen } | undefined;
      for (const [id, seen] of session.seen) {
        if (!values.has(id) && !mayBeGone(id)) {
          missed = { id, seen };
          break;
        }
      }
      if (missed !== undefined) {
        const lagMs = nanosToMs(Math.max(0, pair.invokeTime - missed.seen.time));
        monotonicLagsMs.push(lagMs);
        report.note("monotonic-reads", {
          process: pair.invoke.process,
          key,
          value: valueFromId(missed.id),
          lagMs,
          ops: [missed.seen.op, op.index],
        });
      }

      let missedOwn: { id: ValueId; seen: Seen } | undefined;
      for (const [id, written] of session.ownWrites) {
        if (!values.has(id) && !mayBeGone(id)) {
          missedOwn = { id, seen: written };
          break;
        }
      }
      // Own writes are judged by the first read after them only: a write lost for good counts
      // once, not on every later read.
      session.ownWrites.clear();
      if (missedOwn !== undefined) {
        const lagMs = nanosToMs(Math.max(0, pair.invokeTime - missedOwn.seen.time));
        ownWriteLagsMs.push(lagMs);
        report.note("read-your-writes", {
          process: pair.invoke.process,
          key,
          value: valueFromId(missedOwn.id),
          lagMs,
          ops: [missedOwn.seen.op, op.index],
        });
      }

      session.seen = new Map(
        [...values].map((id) => [id, { time: pair.completeTime, op: op.index }]),
      );
    }

    const violations = monotonicLagsMs.length + ownWriteLagsMs.length;
    const consistency = options.consistency ?? "eventual";
    let valid: Validity = true;
    if (reads === 0) valid = "unknown";
    else if (violations > 0 && consistency !== "eventual") valid = false;
    return {
      valid,
      consistency,
      anomalies: report.anomalies,
      counts: {
        reads,
        sessions: readers.size,
        "monotonic-reads": monotonicLagsMs.length,
        "read-your-writes": ownWriteLagsMs.length,
      },
      monotonicLagMs: quantiles(monotonicLagsMs),
      readYourWritesLagMs: quantiles(ownWriteLagsMs),
      examples: report.examples,
      counterexamples: report.counterexamples,
    };
  },
};
