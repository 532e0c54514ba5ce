// One pass over a history for the report: pairs each client invoke with its process's next
// completion and each nemesis step, and indexes what the report looks up later (an op's position
// by its index, the ops of each key). Positions only, in typed arrays: the report reads the
// caller's history and never holds a second copy of it. Stray completions are skipped (a report
// describes a broken history too: the checkers say what is wrong with it).
import type { History, Op } from "../../checkers/history.js";

/** The f of the reads of every node after the final heal (DESIGN.md, "The history"). */
export const FINAL_READ = "final-read";

/** Client ops as positions into `history`, in invoke order; `completes[i]` is -1 when the op
 * never completed. */
export interface ClientOps {
  history: History;
  count: number;
  invokes: Int32Array;
  completes: Int32Array;
}

export interface HistoryScan {
  history: History;
  /** The last op's time (ns). */
  endNs: number;
  /** Every client op but the final reads. */
  client: ClientOps;
  finalReads: ClientOps;
  nemesis: Op[];
  /** Position → its invoke's or completion's position, or -1 (nemesis steps pair by f). */
  partner: Int32Array;
  /** Positions of the client ops (invokes and completions) on each key, in history order. */
  byKey: Map<string, number[]>;
  /** The position of the op with this index. */
  positionOf(index: number): number | undefined;
}

function clientOps(history: History, capacity: number): ClientOps {
  return {
    history,
    count: 0,
    invokes: new Int32Array(capacity),
    completes: new Int32Array(capacity),
  };
}

function push(ops: ClientOps, invoke: number): number {
  ops.invokes[ops.count] = invoke;
  ops.completes[ops.count] = -1;
  return ops.count++;
}

function trimmed(ops: ClientOps): ClientOps {
  return {
    ...ops,
    invokes: ops.invokes.slice(0, ops.count),
    completes: ops.completes.slice(0, ops.count),
  };
}

export function scanHistory(history: History): HistoryScan {
  const n = history.length;
  const client = clientOps(history, n);
  const finalReads = clientOps(history, n);
  const partner = new Int32Array(n).fill(-1);
  const open = new Map<unknown, { list: ClientOps; slot: number; key: string | undefined }>();
  const nemesisOpen = new Map<string, number[]>();
  const nemesis: Op[] = [];
  const byKey = new Map<string, number[]>();
  let endNs = 0;
  let indexIsPosition = true;
  const atKey = (key: string | undefined, position: number) => {
    if (key === undefined) return;
    const list = byKey.get(key);
    if (list === undefined) byKey.set(key, [position]);
    else list.push(position);
  };
  for (let position = 0; position < n; position++) {
    const op = history[position]!;
    if (op.time > endNs) endNs = op.time;
    if (op.index !== position) indexIsPosition = false;
    if (op.process === "nemesis") {
      nemesis.push(op);
      pairNemesis(nemesisOpen, partner, op, position);
      continue;
    }
    if (op.type === "invoke") {
      const list = op.f === FINAL_READ ? finalReads : client;
      open.set(op.process, { list, slot: push(list, position), key: op.key });
      atKey(op.key, position);
      continue;
    }
    const invoke = open.get(op.process);
    if (invoke === undefined) continue;
    open.delete(op.process);
    invoke.list.completes[invoke.slot] = position;
    const at = invoke.list.invokes[invoke.slot]!;
    partner[at] = position;
    partner[position] = at;
    atKey(op.key ?? invoke.key, position);
  }
  let positions: Map<number, number> | undefined;
  const positionOf = (index: number): number | undefined => {
    if (indexIsPosition)
      return Number.isInteger(index) && index >= 0 && index < n ? index : undefined;
    if (positions === undefined) {
      positions = new Map();
      for (let i = 0; i < n; i++) positions.set(history[i]!.index, i);
    }
    return positions.get(index);
  };
  return {
    history,
    endNs,
    client: trimmed(client),
    finalReads: trimmed(finalReads),
    nemesis,
    partner,
    byKey,
    positionOf,
  };
}

/** Nemesis steps of one f never overlap: an invoke pairs with the next completion of its f. */
function pairNemesis(
  open: Map<string, number[]>,
  partner: Int32Array,
  op: Op,
  position: number,
): void {
  const queue = open.get(op.f) ?? [];
  open.set(op.f, queue);
  if (op.type === "invoke") {
    queue.push(position);
    return;
  }
  const at = queue.shift();
  if (at === undefined) return;
  partner[at] = position;
  partner[position] = at;
}

/** The op's invoke and completion (undefined when it never completed). */
export function pairAt(ops: ClientOps, i: number): { invoke: Op; complete: Op | undefined } {
  const complete = ops.completes[i]!;
  return {
    invoke: ops.history[ops.invokes[i]!]!,
    complete: complete < 0 ? undefined : ops.history[complete],
  };
}
