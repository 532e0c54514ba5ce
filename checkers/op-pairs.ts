// Pairs every client invoke with its completion (ok | fail | info), in invoke order, and sets the
// nemesis ops apart. An invoke the history never completes (a torn file) counts as info: it may
// or may not have happened. A completion without an open invoke is a broken history: it throws.
// A cas learns its basis only by its own read, so only its completion says what it superseded.
// The pairing of a history is worked out once and shared by the checkers that judge it (a run
// composes several): its arrays and pairs are read-only to them.
import type { History, Op } from "./history.js";

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

const paired = new WeakMap<History, PairedHistory>();

export function pairOps(history: History): PairedHistory {
  let result = paired.get(history);
  if (result === undefined) {
    result = pair(history);
    paired.set(history, result);
  }
  return result;
}

function pair(history: History): PairedHistory {
  const pairs: OpPair[] = [];
  const nemesis: Op[] = [];
  const open = new Map<number, OpPair>();
  for (let i = 0; i < history.length; i++) {
    const op = history[i]!;
    if (op.process === "nemesis") {
      nemesis.push(op);
      continue;
    }
    if (typeof op.process !== "number") {
      throw new Error(`history op ${op.index ?? i}: process must be an integer or "nemesis"`);
    }
    if (op.type === "invoke") {
      if (open.has(op.process)) {
        throw new Error(
          `history op ${op.index ?? i}: process ${op.process} invokes again before its op ${open.get(op.process)!.invoke.index} completed`,
        );
      }
      const pair: OpPair = {
        invoke: op,
        complete: undefined,
        type: "info",
        invokeTime: op.time,
        completeTime: Number.POSITIVE_INFINITY,
        basis: op.f !== "cas" && Array.isArray(op.basis) ? op.basis : undefined,
      };
      open.set(op.process, pair);
      pairs.push(pair);
      continue;
    }
    if (op.type !== "ok" && op.type !== "fail" && op.type !== "info") {
      throw new Error(`history op ${op.index ?? i}: unknown type ${JSON.stringify(op.type)}`);
    }
    const pair = open.get(op.process);
    if (pair === undefined) {
      throw new Error(
        `history op ${op.index ?? i}: ${op.type} of process ${op.process} without an invoke`,
      );
    }
    open.delete(op.process);
    pair.complete = op;
    pair.type = op.type;
    pair.completeTime = op.time;
    if (Array.isArray(op.basis)) pair.basis = op.basis;
  }
  return { pairs, nemesis };
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
