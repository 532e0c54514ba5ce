// Pairs every client invoke with its completion (ok | fail | info), in invoke order, and sets the
// nemesis ops apart. An invoke the history never completes (a torn file) counts as info: it may
// or may not have happened. A completion without an open invoke is a broken history: it throws.
// A cas learns its basis only by its own read, so only its completion says what it superseded.
// The pairing of a history is worked out once and shared by the checkers that judge it (a run
// composes several): its arrays and pairs are read-only to them. At its core it is positions in
// typed columns (pairPositions), which interned-history.ts builds on without an object a pair.
import type { History, Op } from "./history.js";
import { grown } from "./typed-arrays.js";

export type Outcome = "ok" | "fail" | "info";

export interface OpPair {
  invoke: Op;
  /** Undefined when the history ends before the op completed (then `type` is "info"). */
  complete: Op | undefined;
  type: Outcome;
  /** Nanoseconds: when the op began, and when it ended (Infinity when it never completed). */
  invokeTime: number;
  completeTime: number;
  /**
   * The values the op's write superseded: the completion's basis, else the invoke's. A cas's is
   * its completion's only (its invoke's, if any, predates the read it wrote through): undefined,
   * i.e. superseding nothing, when it never completed or completed without one.
   */
  basis: unknown[] | undefined;
}

export interface PairedHistory {
  /** Client ops (process is an integer), in invoke order. */
  readonly pairs: readonly OpPair[];
  /** Ops of the fault injector, in history order. */
  readonly nemesis: readonly Op[];
}

/** The pairing as positions into the history: pair p's invoke is history[invokeAt[p]], its
 * completion history[completeAt[p]] (-1 when it never completed). */
export interface PairPositions {
  readonly invokeAt: Int32Array;
  readonly completeAt: Int32Array;
  readonly nemesis: readonly Op[];
}

/** Processes below this find their open op by index (a sparse array), others through a Map. */
const PROCESS_INDEX_MAX = 1 << 20;

const positioned = new WeakMap<History, PairPositions>();
const paired = new WeakMap<History, PairedHistory>();

export function pairPositions(history: History): PairPositions {
  let result = positioned.get(history);
  if (result === undefined) {
    result = pairAt(history);
    positioned.set(history, result);
  }
  return result;
}

export function pairOps(history: History): PairedHistory {
  let result = paired.get(history);
  if (result === undefined) {
    const { invokeAt, completeAt, nemesis } = pairPositions(history);
    const pairs: OpPair[] = new Array(invokeAt.length);
    for (let p = 0; p < invokeAt.length; p++) {
      pairs[p] = opPair(history, invokeAt[p]!, completeAt[p]!);
    }
    result = { pairs, nemesis };
    paired.set(history, result);
  }
  return result;
}

/** The pair of the invoke at `invoke` and the completion at `complete` (-1: none). */
export function opPair(history: History, invoke: number, complete: number): OpPair {
  const op = history[invoke]!;
  const end = complete < 0 ? undefined : history[complete]!;
  return {
    invoke: op,
    complete: end,
    type: end === undefined ? "info" : (end.type as Outcome),
    invokeTime: op.time,
    completeTime: end === undefined ? Number.POSITIVE_INFINITY : end.time,
    basis: basisOf(op, end),
  };
}

/** The completion's basis, else (but for a cas) the invoke's: see OpPair.basis. */
export function basisOf(invoke: Op, complete: Op | undefined): unknown[] | undefined {
  if (complete !== undefined && Array.isArray(complete.basis)) return complete.basis;
  return invoke.f !== "cas" && Array.isArray(invoke.basis) ? invoke.basis : undefined;
}

function pairAt(history: History): PairPositions {
  const n = history.length;
  let invokeAt: Int32Array = new Int32Array(Math.max(16, n >> 1));
  let completeAt: Int32Array = new Int32Array(invokeAt.length);
  let count = 0;
  const nemesis: Op[] = [];
  /** Process → its open pair (-1: none): small integers by index, others in `openOther`. */
  const open: number[] = [];
  const openOther = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const op = history[i]!;
    const process = op.process;
    if (process === "nemesis") {
      nemesis.push(op);
      continue;
    }
    if (typeof process !== "number") {
      throw new Error(`history op ${op.index ?? i}: process must be an integer or "nemesis"`);
    }
    const indexed = process >>> 0 === process && process < PROCESS_INDEX_MAX;
    const current = (indexed ? open[process] : openOther.get(process)) ?? -1;
    if (op.type === "invoke") {
      if (current >= 0) {
        throw new Error(
          `history op ${op.index ?? i}: process ${process} invokes again before its op ${history[invokeAt[current]!]!.index} completed`,
        );
      }
      if (count === invokeAt.length) {
        invokeAt = grown(invokeAt, count + 1);
        completeAt = grown(completeAt, count + 1);
      }
      invokeAt[count] = i;
      completeAt[count] = -1;
      if (indexed) open[process] = count;
      else openOther.set(process, count);
      count++;
      continue;
    }
    if (op.type !== "ok" && op.type !== "fail" && op.type !== "info") {
      throw new Error(`history op ${op.index ?? i}: unknown type ${JSON.stringify(op.type)}`);
    }
    if (current < 0) {
      throw new Error(
        `history op ${op.index ?? i}: ${op.type} of process ${process} without an invoke`,
      );
    }
    if (indexed) open[process] = -1;
    else openOther.delete(process);
    completeAt[current] = i;
  }
  return { invokeAt: invokeAt.slice(0, count), completeAt: completeAt.slice(0, count), nemesis };
}

/** The time of the last nemesis completion (ns), or undefined when no fault ever completed. */
export function lastNemesisCompletionTime(nemesis: readonly Op[]): number | undefined {
  let last: number | undefined;
  for (const op of nemesis) {
    if (op.type !== "invoke" && (last === undefined || op.time > last)) last = op.time;
  }
  return last;
}

/** The key of a keyed op (read, write, add …); an op without one is a broken history. */
export function keyOf(pair: OpPair): string {
  const key = pair.invoke.key;
  if (typeof key !== "string") {
    throw new Error(`history op ${pair.invoke.index}: ${pair.invoke.f} needs a key`);
  }
  return key;
}
