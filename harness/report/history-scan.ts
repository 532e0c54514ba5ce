// One pass over a history for the report: pairs each client invoke with its process's next
// completion and each nemesis step, and keeps what the plots need of each client op (times,
// outcome, f, key, node, process) in typed columns, plus what the report looks up later (an op's
// position by its index, the ops of each key). The report reads the caller's history, never holds
// a second copy of it, and reads each op once here: everything after loops over the columns.
// Stray completions are skipped (a report describes a broken history too: the checkers say what
// is wrong with it).
import type { History, Op } from "../../checkers/history.js";

/** The f of the reads of every node after the final heal (docs/design.md, "The history"). */
export const FINAL_READ = "final-read";

/** Client ops as positions into `history`, in invoke order, with their columns; `completes[i]`
 * and `endNs[i]` are -1 when the op never completed. */
export interface ClientOps {
  history: History;
  count: number;
  invokes: Int32Array;
  completes: Int32Array;
  startNs: Float64Array;
  endNs: Float64Array;
  /** OUTCOME_CODES: 0 ok, 1 fail, 2 info, 3 never completed. */
  outcome: Uint8Array;
  /** The invoke's index. */
  index: Float64Array;
  /** Ids into the scan's names (fs, keys, nodes); -1 when the op has none. */
  f: Int32Array;
  key: Int32Array;
  node: Int32Array;
  process: Float64Array;
  /** What the f, key and node ids name (shared by the scan's client ops). */
  names: { fs: string[]; keys: string[]; nodes: string[] };
}

/** The order of the outcome codes (palette.ts OUTCOMES). */
export const PENDING = 3;
const OUTCOME_CODE: Record<string, number> = { ok: 0, fail: 1, info: 2 };

/** Interns strings to small integers, in order of first appearance. */
export class Names {
  readonly list: string[] = [];
  private readonly ids = new Map<string, number>();
  id(name: unknown): number {
    if (name === undefined || name === null) return -1;
    const text = String(name);
    let id = this.ids.get(text);
    if (id === undefined) {
      id = this.list.push(text) - 1;
      this.ids.set(text, id);
    }
    return id;
  }
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

function clientOps(history: History, capacity: number, names: ClientOps["names"]): ClientOps {
  return {
    history,
    names,
    count: 0,
    invokes: new Int32Array(capacity),
    completes: new Int32Array(capacity),
    startNs: new Float64Array(capacity),
    endNs: new Float64Array(capacity),
    outcome: new Uint8Array(capacity),
    index: new Float64Array(capacity),
    f: new Int32Array(capacity),
    key: new Int32Array(capacity),
    node: new Int32Array(capacity),
    process: new Float64Array(capacity),
  };
}

/** The same ops in columns of `n` slots (fewer: cut to the count; more: room to grow). */
function resized(ops: ClientOps, n: number): ClientOps {
  const sized = <T extends Int32Array | Float64Array | Uint8Array>(
    column: T,
    make: new (n: number) => T,
  ): T => {
    if (n <= column.length) return column.slice(0, n) as T;
    const grown = new make(n);
    grown.set(column);
    return grown;
  };
  return {
    history: ops.history,
    names: ops.names,
    count: ops.count,
    invokes: sized(ops.invokes, Int32Array),
    completes: sized(ops.completes, Int32Array),
    startNs: sized(ops.startNs, Float64Array),
    endNs: sized(ops.endNs, Float64Array),
    outcome: sized(ops.outcome, Uint8Array),
    index: sized(ops.index, Float64Array),
    f: sized(ops.f, Int32Array),
    key: sized(ops.key, Int32Array),
    node: sized(ops.node, Int32Array),
    process: sized(ops.process, Float64Array),
  };
}

const trimmed = (ops: ClientOps): ClientOps => resized(ops, ops.count);

export function scanHistory(history: History): HistoryScan {
  const n = history.length;
  // Most client ops are an invoke and a completion: half the history, grown when not enough.
  const fs = new Names();
  const keys = new Names();
  const nodes = new Names();
  const names = { fs: fs.list, keys: keys.list, nodes: nodes.list };
  let client = clientOps(history, (n >> 1) + 16, names);
  const finalList: number[] = [];
  const partner = new Int32Array(n).fill(-1);
  /** Process → its open op's slot (final reads: -slot - 1 into finalList). */
  const open = new Map<unknown, number>();
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
    const { time, process, type } = op;
    if (time > endNs) endNs = time;
    if (op.index !== position) indexIsPosition = false;
    if (process === "nemesis") {
      nemesis.push(op);
      pairNemesis(nemesisOpen, partner, op, position);
      continue;
    }
    const key = op.key;
    if (type === "invoke") {
      if (op.f === FINAL_READ) {
        open.set(process, -finalList.push(position));
      } else {
        if (client.count === client.invokes.length) {
          client = resized(client, Math.ceil(client.count * 1.5) + 16);
        }
        const slot = client.count++;
        client.invokes[slot] = position;
        client.completes[slot] = -1;
        client.startNs[slot] = time;
        client.endNs[slot] = -1;
        client.outcome[slot] = PENDING;
        client.index[slot] = op.index;
        client.f[slot] = fs.id(op.f);
        client.key[slot] = keys.id(key);
        client.node[slot] = nodes.id(op.node);
        client.process[slot] = process;
        open.set(process, slot);
      }
      atKey(key, position);
      continue;
    }
    const slot = open.get(process);
    if (slot === undefined) continue;
    open.delete(process);
    let at: number;
    if (slot < 0) {
      at = finalList[-slot - 1]!; // A final read's completion is found through `partner`.
    } else {
      at = client.invokes[slot]!;
      client.completes[slot] = position;
      client.endNs[slot] = time;
      client.outcome[slot] = OUTCOME_CODE[type] ?? 2;
      if (op.node !== undefined) client.node[slot] = nodes.id(op.node);
    }
    partner[at] = position;
    partner[position] = at;
    atKey(key ?? history[at]!.key, position);
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
    finalReads: finalReadOps(history, finalList, partner),
    nemesis,
    partner,
    byKey,
    positionOf,
  };
}

/** The final reads as ClientOps (positions only: the final-read table reads the ops). */
function finalReadOps(
  history: History,
  invokes: readonly number[],
  partner: Int32Array,
): ClientOps {
  const ops = clientOps(history, invokes.length, { fs: [], keys: [], nodes: [] });
  ops.count = invokes.length;
  invokes.forEach((at, i) => {
    ops.invokes[i] = at;
    ops.completes[i] = partner[at]!;
  });
  return ops;
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
