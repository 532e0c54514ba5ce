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
import { internedFinalReads, lastRounds } from "./final-reads.js";
import type { History } from "./history.js";
import {
  FAIL,
  type InternedHistory,
  internHistory,
  OK,
  OUTCOME_NAMES,
} from "./interned-history.js";
import { keyOf } from "./op-pairs.js";
import { nanosToMs, quantiles } from "./quantiles.js";
import { itemsOf, siblingsOf } from "./read-values.js";
import { grown } from "./typed-arrays.js";
import type { ValueSlots } from "./value-slots.js";

/** One read as the set-full analysis sees it: a client read, or the final reads of a key. */
interface SetRead {
  invokeTime: number;
  completeTime: number;
  op: number;
  /** The read pairs whose siblings make up what was seen. */
  pairs: number[];
}

/** What lost-writes knows of every item, by its slot (interned-history.ts); an item is an element
 * of its key once an add or a read names it. */
class Elements {
  readonly isElement: Uint8Array;
  /** Its first add (a pair), or -1. */
  readonly add: Int32Array;
  /** When the item became known to exist: its add's ok, or the end of the first read that saw it. */
  readonly knownTime: Float64Array;
  /** The earliest read pair that saw it (-1: none), and the op of a sibling that held it twice. */
  readonly firstSeen: Int32Array;
  readonly duplicatedOp = new Map<number, number>();
  /** Scan state over its key's reads, latest first: the first one that saw it, and how many of
   * the latest reads in a row saw it (so the latest read that missed it is reads[run]). */
  readonly latestPresent: Int32Array;
  readonly run: Int32Array;
  readonly siblingStamp: Int32Array;
  /** Key ids in the order their first element (or read) came, and each key's rank in it. */
  readonly keyOrder: number[] = [];
  private readonly keyRank: Int32Array;
  /** The elements' slots in the order they became elements. */
  private order: Int32Array;
  private count = 0;
  /** The item of an element no add named: as its first read returned it. */
  readonly readItems = new Map<number, unknown>();

  constructor(slotCount: number, keyCount: number) {
    this.isElement = new Uint8Array(slotCount);
    this.add = new Int32Array(slotCount).fill(-1);
    this.knownTime = new Float64Array(slotCount).fill(Number.POSITIVE_INFINITY);
    this.firstSeen = new Int32Array(slotCount).fill(-1);
    this.latestPresent = new Int32Array(slotCount).fill(-1);
    this.run = new Int32Array(slotCount);
    this.siblingStamp = new Int32Array(slotCount);
    this.keyRank = new Int32Array(keyCount).fill(-1);
    this.order = new Int32Array(1024);
  }

  /** Ranks the key (once) in keyOrder. */
  meet(key: number): void {
    if (this.keyRank[key]! < 0) this.keyRank[key] = this.keyOrder.push(key) - 1;
  }

  /** Makes the slot an element of its key (once). */
  enter(key: number, slot: number): boolean {
    if (this.isElement[slot] === 1) return false;
    this.isElement[slot] = 1;
    this.meet(key);
    this.order = grown(this.order, this.count + 1);
    this.order[this.count++] = slot;
    return true;
  }

  /** The elements of each key of keyOrder (in order), each key's in the order they came. */
  grouped(slots: ValueSlots): { start: Int32Array; elements: Int32Array } {
    const start = new Int32Array(this.keyOrder.length + 1);
    for (let i = 0; i < this.count; i++) start[this.keyRank[slots.keyOf(this.order[i]!)]! + 1]!++;
    for (let r = 0; r < this.keyOrder.length; r++) start[r + 1]! += start[r]!;
    const next = start.slice(0, this.keyOrder.length);
    const elements = new Int32Array(this.count);
    for (let i = 0; i < this.count; i++) {
      const slot = this.order[i]!;
      elements[next[this.keyRank[slots.keyOf(slot)]!]!++] = slot;
    }
    return { start, elements };
  }
}

/** The reads of each key: client reads, and the final reads as one last read. */
function setReads(h: InternedHistory, elements: Elements): Map<number, SetRead[]> {
  const { f, key, written, outcome, completeTime, invokeTime } = h;
  const ADD = h.fId("add");
  const READ = h.fId("read");
  const readsByKey = new Map<number, SetRead[]>();
  const pushRead = (k: number, read: SetRead) => {
    const reads = readsByKey.get(k);
    if (reads === undefined) readsByKey.set(k, [read]);
    else reads.push(read);
  };
  for (let p = 0; p < f.length; p++) {
    const code = f[p]!;
    if (code === ADD) {
      if (key[p]! < 0) keyOf(h.pair(p)); // throws: no key
      const slot = written[p]!;
      elements.enter(key[p]!, slot);
      if (elements.add[slot]! < 0) elements.add[slot] = p;
      if (outcome[p] === OK && completeTime[p]! < elements.knownTime[slot]!) {
        elements.knownTime[slot] = completeTime[p]!;
      }
    } else if (code === READ && outcome[p] === OK) {
      if (key[p]! < 0) keyOf(h.pair(p));
      pushRead(key[p]!, {
        invokeTime: invokeTime[p]!,
        completeTime: completeTime[p]!,
        op: h.complete(p)!.index,
        pairs: [p],
      });
    }
  }
  for (const byNode of lastRounds(internedFinalReads(h)).values()) {
    const group = [...byNode.values()];
    pushRead(key[group[0]!.at]!, {
      invokeTime: Math.max(...group.map((r) => r.pair.invokeTime)),
      completeTime: Math.max(...group.map((r) => r.pair.completeTime)),
      op: group[0]!.pair.complete!.index,
      pairs: group.map((r) => r.at),
    });
  }
  return readsByKey;
}

/** Latest first; reads that began together keep their order. */
function latestFirst(reads: SetRead[]): SetRead[] {
  return reads.sort((x, y) => y.invokeTime - x.invokeTime);
}

/** Throws what siblingsOf / itemsOf say of a read whose value is not a list of item lists. */
function rejectRead(h: InternedHistory, p: number, sibling?: number): void {
  const op = h.complete(p)!;
  const siblings = siblingsOf(op);
  if (sibling !== undefined) itemsOf(siblings[sibling], op);
}

/**
 * One scan per key over its reads, latest first. Each item seen extends its run of latest reads
 * that saw it; whatever breaks the run is the latest read that missed it. Linear in the reads'
 * sizes, with O(1) state per item.
 */
function scanReads(h: InternedHistory, elements: Elements, readsByKey: Map<number, SetRead[]>) {
  const { siblingStart, itemStart, items, isList, brokenRead } = h;
  const { knownTime, latestPresent, run, siblingStamp, duplicatedOp, firstSeen } = elements;
  let stamp = 0;
  for (const [k, reads] of readsByKey) {
    elements.meet(k);
    latestFirst(reads);
    for (let j = 0; j < reads.length; j++) {
      const read = reads[j]!;
      for (const p of read.pairs) {
        if (brokenRead[p] === 1) rejectRead(h, p);
        for (let s = siblingStart[p]!; s < siblingStart[p + 1]!; s++) {
          if (isList[s] === 0) rejectRead(h, p, s - siblingStart[p]!);
          stamp++;
          for (let i = itemStart[s]!; i < itemStart[s + 1]!; i++) {
            const slot = items[i]!;
            if (elements.enter(k, slot)) {
              const sibling = (h.complete(p)!.value as unknown[])[s - siblingStart[p]!];
              elements.readItems.set(slot, (sibling as unknown[])[i - itemStart[s]!]);
            }
            if (siblingStamp[slot] === stamp && !duplicatedOp.has(slot)) {
              duplicatedOp.set(slot, h.complete(p)!.index);
            }
            siblingStamp[slot] = stamp;
            if (latestPresent[slot]! < 0) latestPresent[slot] = j;
            if (run[slot] === j) run[slot] = j + 1;
            if (read.completeTime < knownTime[slot]!) knownTime[slot] = read.completeTime;
            firstSeen[slot] = p; // ends as the earliest read that saw it
          }
        }
      }
    }
  }
}

/** The item, for an example: as its add named it, else as a read returned it. */
function itemOf(h: InternedHistory, elements: Elements, slot: number): unknown {
  const add = elements.add[slot]!;
  return add >= 0 ? h.invoke(add).value : elements.readItems.get(slot);
}

export const lostWritesChecker: Checker = {
  name: "lost-writes",
  check(history: History, options: CheckOptions): CheckResult {
    const h = internHistory(history);
    const elements = new Elements(h.slots.count, h.keys.length);
    const readsByKey = setReads(h, elements);
    scanReads(h, elements, readsByKey);
    const { outcome } = h;
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
    const { knownTime, firstSeen, duplicatedOp } = elements;
    const grouped = elements.grouped(h.slots);
    elements.keyOrder.forEach((k, rank) => {
      const key = h.keys[k]!;
      const reads = readsByKey.get(k) ?? [];
      for (let e = grouped.start[rank]!; e < grouped.start[rank + 1]!; e++) {
        const slot = grouped.elements[e]!;
        const add = elements.add[slot]!;
        const addOutcome = add < 0 ? -1 : outcome[add]!;
        if (add >= 0) counts.added++;
        if (addOutcome === OK) counts.acknowledged++;
        if (addOutcome === FAIL) counts.failed++;
        const duplicated = duplicatedOp.get(slot);
        if (duplicated !== undefined) {
          counts.duplicated++;
          report.note("duplicated", { key, item: itemOf(h, elements, slot), ops: [duplicated] });
        }
        if (add < 0 || addOutcome === FAIL) {
          if (firstSeen[slot]! >= 0) {
            counts.unexpected++;
            const why = add < 0 ? "never added" : "its add failed";
            const seen = h.complete(firstSeen[slot]!)!.index;
            const ops = add < 0 ? [seen] : [seen, h.opIndex(add)];
            report.note("unexpected", { key, item: itemOf(h, elements, slot), why, ops });
          }
          continue;
        }
        const known = knownTime[slot]!;
        if (known === Number.POSITIVE_INFINITY) {
          counts.indeterminate++; // an info add no read ever saw: it may not have happened
          continue;
        }
        const present = reads[elements.latestPresent[slot]!];
        const after = reads[elements.run[slot]!];
        const absent = after !== undefined && after.invokeTime > known ? after : undefined;
        const lastPresentTime = present?.invokeTime ?? Number.NEGATIVE_INFINITY;
        const lastAbsentTime = absent?.invokeTime ?? Number.NEGATIVE_INFINITY;
        if (present !== undefined && lastAbsentTime <= lastPresentTime) {
          counts.stable++;
          const stableAt = absent !== undefined ? lastAbsentTime + 1 : 0;
          const latencyMs = nanosToMs(Math.max(0, stableAt - known));
          stableLatencies.push(latencyMs);
          if (absent !== undefined) {
            counts.stale++;
            report.note(
              "stale",
              { key, item: itemOf(h, elements, slot), latencyMs, ops: [absent.op, present.op] },
              options.consistency === "linearizable",
            );
          }
        } else if (absent !== undefined) {
          counts.lost++;
          if (addOutcome === OK) counts.lostAcknowledged++;
          const lostAt = present !== undefined ? lastPresentTime + 1 : 0;
          const latencyMs = nanosToMs(Math.max(0, lostAt - known));
          lostLatencies.push(latencyMs);
          report.note("lost", {
            key,
            item: itemOf(h, elements, slot),
            add: OUTCOME_NAMES[addOutcome]!,
            latencyMs,
            ops: [h.opIndex(add), absent.op],
          });
        } else {
          counts.neverRead++;
        }
      }
    });

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
