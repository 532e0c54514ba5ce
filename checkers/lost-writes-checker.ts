// lost-writes: Jepsen's set-full semantics for the cart workload. Every added item is followed
// through the reads of its key (a read sees the union of its siblings; the final reads count as
// one last read: the item is present if any node's last round has it) and classified:
//   stable      present in the last read that saw or missed it;
//   lost        known (its add acknowledged, or seen by a read) and absent from the reads after;
//   never-read  known, but no read began after that;
// and flagged: stale (stable, but missed by a read after it was known), duplicated (twice in one
// sibling), unexpected (seen, but its add failed or never happened). Items of info adds that no
// read ever saw are indeterminate, never lost. Invalid when anything is lost, duplicated or
// unexpected (and stale, when the test claims linearizability); "unknown" when nothing is stable.
// Linear in the history's size (the items its reads return), with O(1) state per item.
import { AnomalyReport } from "./anomaly-report.js";
import type { CheckOptions, CheckResult, Checker, Validity } from "./checker.js";
import { finalReadsOf, lastRounds } from "./final-reads.js";
import type { History } from "./history.js";
import { keyOf, type OpPair, pairOps } from "./op-pairs.js";
import { nanosToMs, quantiles } from "./quantiles.js";
import { itemsOf, siblingsOf, type ValueId, valueId } from "./read-values.js";

interface Element {
  item: unknown;
  add: OpPair | undefined;
  /** When the item became known to exist: its add's ok, or the end of the first read that saw it. */
  knownTime: number;
  /** Invoke time and op index of the latest read that saw it / that began after knownTime and missed it. */
  lastPresentTime: number;
  lastPresentOp: number;
  lastAbsentTime: number;
  lastAbsentOp: number;
  firstSeenOp: number;
  duplicatedOp: number;
  /** Scan state over its key's reads, latest first: the first one that saw it, and how many of
   * the latest reads in a row saw it (so the latest read that missed it is reads[run]). */
  latestPresent: number;
  run: number;
  siblingStamp: number;
}

/** One read as the set-full analysis sees it: a client read, or the final reads of a key. */
interface SetRead {
  key: string;
  invokeTime: number;
  completeTime: number;
  op: number;
  /** The read ops whose siblings make up what was seen. */
  pairs: OpPair[];
}

export const lostWritesChecker: Checker = {
  name: "lost-writes",
  check(history: History, options: CheckOptions): CheckResult {
    const { pairs } = pairOps(history);
    const keys = new Map<string, Map<ValueId, Element>>();
    const elementsOf = (key: string) => {
      let elements = keys.get(key);
      if (elements === undefined) {
        elements = new Map();
        keys.set(key, elements);
      }
      return elements;
    };
    const elementOf = (key: string, item: unknown, elements = elementsOf(key)): Element => {
      const id = valueId(item);
      let element = elements.get(id);
      if (element === undefined) {
        element = {
          item,
          add: undefined,
          knownTime: Number.POSITIVE_INFINITY,
          lastPresentTime: Number.NEGATIVE_INFINITY,
          lastPresentOp: -1,
          lastAbsentTime: Number.NEGATIVE_INFINITY,
          lastAbsentOp: -1,
          firstSeenOp: -1,
          duplicatedOp: -1,
          latestPresent: -1,
          run: 0,
          siblingStamp: -1,
        };
        elements.set(id, element);
      }
      return element;
    };

    // The adds, and the reads of each key: client reads, and the final reads as one last read.
    const readsByKey = new Map<string, SetRead[]>();
    const pushRead = (read: SetRead) => {
      const reads = readsByKey.get(read.key);
      if (reads === undefined) readsByKey.set(read.key, [read]);
      else reads.push(read);
    };
    for (const pair of pairs) {
      const op = pair.invoke;
      if (op.f === "add") {
        const element = elementOf(keyOf(pair), op.value);
        element.add ??= pair;
        if (pair.type === "ok") element.knownTime = Math.min(element.knownTime, pair.completeTime);
      } else if (op.f === "read" && pair.type === "ok") {
        pushRead({
          key: keyOf(pair),
          invokeTime: pair.invokeTime,
          completeTime: pair.completeTime,
          op: pair.complete!.index,
          pairs: [pair],
        });
      }
    }
    for (const [key, byNode] of lastRounds(finalReadsOf(pairs))) {
      const group = [...byNode.values()].map((r) => r.pair);
      pushRead({
        key,
        invokeTime: Math.max(...group.map((p) => p.invokeTime)),
        completeTime: Math.max(...group.map((p) => p.completeTime)),
        op: group[0]!.complete!.index,
        pairs: group,
      });
    }

    // One scan per key over its reads, latest first. Each item seen extends its run of latest
    // reads that saw it; whatever breaks the run is the latest read that missed it. Linear in the
    // reads' sizes, with O(1) state per item.
    let siblingStamp = 0;
    for (const [key, reads] of readsByKey) {
      const elements = elementsOf(key);
      reads.sort((x, y) => y.invokeTime - x.invokeTime);
      for (let j = 0; j < reads.length; j++) {
        const read = reads[j]!;
        for (const pair of read.pairs) {
          const op = pair.complete!;
          for (const sibling of siblingsOf(op)) {
            siblingStamp++;
            for (const item of itemsOf(sibling, op)) {
              const element = elementOf(key, item, elements);
              if (element.siblingStamp === siblingStamp && element.duplicatedOp < 0) {
                element.duplicatedOp = op.index;
              }
              element.siblingStamp = siblingStamp;
              if (element.latestPresent < 0) element.latestPresent = j;
              if (element.run === j) element.run = j + 1;
              if (read.completeTime < element.knownTime) element.knownTime = read.completeTime;
              element.firstSeenOp = op.index; // ends as the earliest read that saw it
            }
          }
        }
      }
    }
    for (const [key, elements] of keys) {
      const reads = readsByKey.get(key) ?? [];
      for (const element of elements.values()) {
        const present = reads[element.latestPresent];
        if (present !== undefined) {
          element.lastPresentTime = present.invokeTime;
          element.lastPresentOp = present.op;
        }
        const absent = reads[element.run];
        if (absent !== undefined && absent.invokeTime > element.knownTime) {
          element.lastAbsentTime = absent.invokeTime;
          element.lastAbsentOp = absent.op;
        }
      }
    }

    const report = new AnomalyReport();
    const counts = {
      added: 0,
      acknowledged: 0,
      failed: 0,
      stable: 0,
      lost: 0,
      /** Of the lost: those whose add was acknowledged (the rest were indeterminate, seen once). */
      lostAcknowledged: 0,
      stale: 0,
      neverRead: 0,
      indeterminate: 0,
      duplicated: 0,
      unexpected: 0,
    };
    const stableLatencies: number[] = [];
    const lostLatencies: number[] = [];
    for (const [key, elements] of keys) {
      for (const element of elements.values()) {
        const add = element.add;
        const addOp = add?.complete?.index ?? add?.invoke.index;
        if (add !== undefined) counts.added++;
        if (add?.type === "ok") counts.acknowledged++;
        if (add?.type === "fail") counts.failed++;
        if (element.duplicatedOp >= 0) {
          counts.duplicated++;
          report.note("duplicated", { key, item: element.item, ops: [element.duplicatedOp] });
        }
        if (add === undefined || add.type === "fail") {
          if (element.firstSeenOp >= 0) {
            counts.unexpected++;
            const why = add === undefined ? "never added" : "its add failed";
            const ops = addOp === undefined ? [element.firstSeenOp] : [element.firstSeenOp, addOp];
            report.note("unexpected", { key, item: element.item, why, ops });
          }
          continue;
        }
        if (element.knownTime === Number.POSITIVE_INFINITY) {
          counts.indeterminate++; // an info add no read ever saw: it may not have happened
          continue;
        }
        const known = element.knownTime;
        if (element.lastPresentOp >= 0 && element.lastAbsentTime <= element.lastPresentTime) {
          counts.stable++;
          const stableAt = element.lastAbsentOp >= 0 ? element.lastAbsentTime + 1 : 0;
          const latencyMs = nanosToMs(Math.max(0, stableAt - known));
          stableLatencies.push(latencyMs);
          if (element.lastAbsentOp >= 0) {
            counts.stale++;
            report.note(
              "stale",
              {
                key,
                item: element.item,
                latencyMs,
                ops: [element.lastAbsentOp, element.lastPresentOp],
              },
              options.consistency === "linearizable",
            );
          }
        } else if (element.lastAbsentOp >= 0) {
          counts.lost++;
          if (add.type === "ok") counts.lostAcknowledged++;
          const lostAt = element.lastPresentOp >= 0 ? element.lastPresentTime + 1 : 0;
          const latencyMs = nanosToMs(Math.max(0, lostAt - known));
          lostLatencies.push(latencyMs);
          report.note("lost", {
            key,
            item: element.item,
            add: add.type,
            latencyMs,
            ops: [addOp!, element.lastAbsentOp],
          });
        } else {
          counts.neverRead++;
        }
      }
    }

    let valid: Validity = true;
    if (
      counts.lost > 0 ||
      counts.unexpected > 0 ||
      counts.duplicated > 0 ||
      (counts.stale > 0 && options.consistency === "linearizable")
    ) {
      valid = false;
    } else if (counts.stable === 0) {
      valid = "unknown";
    }
    return {
      valid,
      anomalies: report.anomalies,
      counts,
      stableLatencyMs: quantiles(stableLatencies),
      lostLatencyMs: quantiles(lostLatencies),
      examples: report.examples,
      counterexamples: report.counterexamples,
    };
  },
};
