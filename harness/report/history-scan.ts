// One pass over a history for the report: pairs each client invoke with its process's next
// completion and each nemesis step, and keeps what the plots need of each client op (times,
// outcome, f, key, node, process, siblings read) in typed columns, plus what the report looks up
// later (each position's partner, key, type and op slot; the positions of each key). The pass
// reads each op once, as numbers (LineFields): from ops in memory (scanHistory) or straight from
// the file's bytes (history-file-scan.ts, which so never holds the history as objects).
// Everything after loops over the columns; the few ops shown in full come from `op(position)`.
// Stray completions are skipped (a report describes a broken history too: the checkers say what
// is wrong with it).
import type { History, Op } from "../../checkers/history.js";
import type { Column } from "../../checkers/typed-arrays.js";
import { ABSENT, INVOKE, LineFields, type LineNames, NameTable, OK } from "./op-line-scanner.js";

/** The f of the reads of every node after the final heal (docs/design.md, "The history"). */
export const FINAL_READ = "final-read";
/** The fs whose ok values are lists of siblings, counted for the sibling plot. */
export const READ_FS: ReadonlySet<string> = new Set(["read", FINAL_READ]);

/** Client ops as positions into the history, in invoke order, with their columns; `completes[i]`
 * and `endNs[i]` are -1 when the op never completed. */
export interface ClientOps {
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
  /** How many siblings an ok read (READ_FS) returned, or -1 (no list of siblings). */
  siblings: Int32Array;
  /** What the f, key and node ids name (shared by the scan's client ops). */
  names: { fs: string[]; keys: string[]; nodes: string[] };
  /** The op at a history position, in full. */
  opAt(position: number): Op;
}

/** The order of the outcome codes (palette.ts OUTCOMES). */
export const PENDING = 3;

export interface HistoryScan {
  /** How many ops the history holds. */
  length: number;
  /** The last op's time (ns). */
  endNs: number;
  /** Every client op but the final reads. */
  client: ClientOps;
  finalReads: ClientOps;
  nemesis: Op[];
  /** Position → its invoke's or completion's position, or -1 (nemesis steps pair by f). */
  partner: Int32Array;
  /** Position → its own key's id (into `keys`), or -1. */
  keyAt: Int32Array;
  /** Every key of the history. */
  keys: string[];
  /** Position → its type (TYPE_NAMES order). */
  typeAt: Uint8Array;
  /** Position → its client op's slot in `client` (≥ 0), a final read's as -2 - slot, or -1. */
  slotAt: Int32Array;
  /** Positions of the client ops (invokes and completions) on each key, in history order. */
  byKey: Map<string, number[]>;
  /** The position of the op with this index. */
  positionOf(index: number): number | undefined;
  /** The op at a position, in full (a file scan reads it from the file again). */
  op(position: number): Op;
}

/** Where a scan's ops come from in full. */
export interface OpSource {
  /** The op on the line just added, in full (nemesis steps are kept whole). */
  full(): Op;
}

/** Names as one set of ops sees them: ids in order of first use by these ops (the timeline of the
 * client ops lists their fs, not the nemesis's), from the ids of the whole history's NameTable. */
class NameView {
  readonly list: string[] = [];
  private readonly ids: number[] = [];
  constructor(private readonly all: NameTable) {}
  id(raw: number): number {
    if (raw < 0) return -1;
    let id = this.ids[raw];
    if (id === undefined) {
      id = this.list.push(this.all.list[raw]!) - 1;
      this.ids[raw] = id;
    }
    return id;
  }
}

class NameViews {
  readonly fs: NameView;
  readonly keys: NameView;
  readonly nodes: NameView;
  constructor(all: LineNames) {
    this.fs = new NameView(all.fs);
    this.keys = new NameView(all.keys);
    this.nodes = new NameView(all.nodes);
  }
  get lists(): ClientOps["names"] {
    return { fs: this.fs.list, keys: this.keys.list, nodes: this.nodes.list };
  }
}

/** `column` in `n` slots (fewer: cut to the count; more: room to grow). */
function sized<T extends Column>(column: T, n: number): T {
  if (n <= column.length) return column.slice(0, n) as T;
  const grown = new (column.constructor as new (n: number) => T)(n);
  grown.set(column);
  return grown;
}

const COLUMNS = [
  "invokes",
  "completes",
  "startNs",
  "endNs",
  "outcome",
  "index",
  "f",
  "key",
  "node",
  "process",
  "siblings",
] as const;

function clientOps(capacity: number, names: ClientOps["names"], opAt: ClientOps["opAt"]) {
  const ops: ClientOps = {
    names,
    opAt,
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
    siblings: new Int32Array(capacity),
  };
  return ops;
}

/** The same ops in columns of `n` slots (grown: copied; cut: views of the same memory, so the
 * finished scan holds each column once). */
function resized(ops: ClientOps, n: number): ClientOps {
  // Built as clientOps builds it: one object shape for every ClientOps keeps the scan's code fast.
  const copy = clientOps(0, ops.names, ops.opAt);
  copy.count = ops.count;
  for (const column of COLUMNS) {
    const values = ops[column] as Column;
    (copy[column] as Column) = n <= values.length ? values.subarray(0, n) : sized(values, n);
  }
  return copy;
}

/** Adds an invoke to `ops` (names as `views` give them): its slot. */
function invoked(
  ops: ClientOps,
  views: NameViews,
  position: number,
  line: LineFields,
  time: number,
): number {
  const slot = ops.count++;
  ops.invokes[slot] = position;
  ops.completes[slot] = -1;
  ops.startNs[slot] = time;
  ops.endNs[slot] = -1;
  ops.outcome[slot] = PENDING;
  ops.index[slot] = line.index;
  ops.f[slot] = views.fs.id(line.f);
  ops.key[slot] = views.keys.id(line.key);
  ops.node[slot] = line.node === ABSENT ? -1 : views.nodes.id(line.node);
  ops.process[slot] = line.process;
  ops.siblings[slot] = -1;
  return slot;
}

/** Builds a HistoryScan from ops added one by one in history order. */
export class ScanBuilder {
  /** The names of the whole history (LineFields' ids), and as client ops and final reads see
   * them. */
  readonly names: LineNames;
  private readonly clientNames: NameViews;
  private readonly finalNames: NameViews;
  private length = 0;
  private endNs = 0;
  private client: ClientOps;
  private finals: ClientOps;
  private readonly nemesis: Op[] = [];
  private partner: Int32Array;
  private keyAt: Int32Array;
  private typeAt: Uint8Array;
  private slotAt: Int32Array;
  /** Process → its open op's slot code (as slotAt). */
  private readonly open = new Map<number, number>();
  private readonly nemesisOpen = new Map<string, number[]>();
  private readonly byKey: number[][] = [];
  /** Each position's index, once one is not its position. */
  private indexes: Float64Array | undefined;
  /** Per f id: whether it is the final read, and whether it reads siblings. */
  private readonly isFinal: boolean[] = [];
  private readonly readsSiblings: boolean[] = [];

  constructor(
    capacity: number,
    private readonly opAt: (position: number) => Op,
  ) {
    this.names = { fs: new NameTable(), keys: new NameTable(), nodes: new NameTable() };
    this.clientNames = new NameViews(this.names);
    this.finalNames = new NameViews(this.names);
    // Most client ops are an invoke and a completion: half the history, grown when not enough.
    this.client = clientOps((capacity >> 1) + 16, this.clientNames.lists, opAt);
    this.finals = clientOps(16, this.finalNames.lists, opAt);
    this.partner = new Int32Array(capacity);
    this.keyAt = new Int32Array(capacity);
    this.typeAt = new Uint8Array(capacity);
    this.slotAt = new Int32Array(capacity);
  }

  /** Adds the next op. `line.index` and `line.time` are the op's own (defaults applied). */
  add(line: LineFields, source: OpSource): void {
    const position = this.length++;
    if (position === this.partner.length) this.grow(Math.ceil(position * 1.5) + 16);
    const time = line.time;
    if (time > this.endNs) this.endNs = time;
    if (line.index !== position || this.indexes !== undefined) this.indexAt(position, line.index);
    this.partner[position] = -1;
    this.keyAt[position] = line.key;
    this.typeAt[position] = line.type;
    this.slotAt[position] = -1;
    if (line.nemesis) {
      const op = source.full();
      this.nemesis.push(op);
      this.pairNemesis(op, position);
    } else if (line.type === INVOKE) this.invoke(position, line, time);
    else this.complete(position, line, time);
  }

  private invoke(position: number, line: LineFields, time: number): void {
    this.knowF(line.f);
    const final = this.isFinal[line.f]!;
    if (final && this.finals.count === this.finals.invokes.length)
      this.finals = resized(this.finals, this.finals.count * 2);
    if (!final && this.client.count === this.client.invokes.length)
      this.client = resized(this.client, Math.ceil(this.client.count * 1.5) + 16);
    const code = final
      ? -2 - invoked(this.finals, this.finalNames, position, line, time)
      : invoked(this.client, this.clientNames, position, line, time);
    this.slotAt[position] = code;
    this.open.set(line.process, code);
    this.atKey(line.key, position);
  }

  private complete(position: number, line: LineFields, time: number): void {
    const code = this.open.get(line.process);
    if (code === undefined) return;
    this.open.delete(line.process);
    const ops = code >= 0 ? this.client : this.finals;
    const slot = code >= 0 ? code : -2 - code;
    const at = ops.invokes[slot]!;
    ops.completes[slot] = position;
    ops.endNs[slot] = time;
    ops.outcome[slot] = line.type - 1;
    const views = code >= 0 ? this.clientNames : this.finalNames;
    if (line.node !== ABSENT) ops.node[slot] = views.nodes.id(line.node);
    this.knowF(line.f);
    if (line.type === OK && this.readsSiblings[line.f] && line.siblings >= 0)
      ops.siblings[slot] = line.siblings;
    this.slotAt[position] = code;
    this.partner[at] = position;
    this.partner[position] = at;
    this.atKey(line.key >= 0 ? line.key : this.keyAt[at]!, position);
  }

  private knowF(f: number): void {
    if (this.isFinal[f] !== undefined) return;
    const name = this.names.fs.list[f]!;
    this.isFinal[f] = name === FINAL_READ;
    this.readsSiblings[f] = READ_FS.has(name);
  }

  private atKey(key: number, position: number): void {
    if (key < 0) return;
    const list = this.byKey[key];
    if (list === undefined) this.byKey[key] = [position];
    else list.push(position);
  }

  private indexAt(position: number, index: number): void {
    if (this.indexes === undefined) {
      this.indexes = new Float64Array(this.partner.length);
      for (let i = 0; i < position; i++) this.indexes[i] = i;
    }
    if (position >= this.indexes.length) this.indexes = sized(this.indexes, this.partner.length);
    this.indexes[position] = index;
  }

  private grow(n: number): void {
    this.partner = sized(this.partner, n);
    this.keyAt = sized(this.keyAt, n);
    this.typeAt = sized(this.typeAt, n);
    this.slotAt = sized(this.slotAt, n);
  }

  /** Nemesis steps of one f never overlap: an invoke pairs with the next completion of its f. */
  private pairNemesis(op: Op, position: number): void {
    const queue = this.nemesisOpen.get(op.f) ?? [];
    this.nemesisOpen.set(op.f, queue);
    if (op.type === "invoke") {
      queue.push(position);
      return;
    }
    const at = queue.shift();
    if (at === undefined) return;
    this.partner[at] = position;
    this.partner[position] = at;
  }

  /** The scan of the ops added. */
  finish(): HistoryScan {
    const n = this.length;
    const keys = this.names.keys.list;
    const byKey = new Map<string, number[]>();
    for (let key = 0; key < this.byKey.length; key++) {
      const positions = this.byKey[key];
      if (positions !== undefined) byKey.set(keys[key]!, positions);
    }
    return {
      length: n,
      endNs: this.endNs,
      client: resized(this.client, this.client.count),
      finalReads: resized(this.finals, this.finals.count),
      nemesis: this.nemesis,
      partner: this.partner.subarray(0, n),
      keyAt: this.keyAt.subarray(0, n),
      keys,
      typeAt: this.typeAt.subarray(0, n),
      slotAt: this.slotAt.subarray(0, n),
      byKey,
      positionOf: positionsOf(n, this.indexes?.subarray(0, n)),
      op: this.opAt,
    };
  }
}

/** Index → position: the index itself when every op's index is its position. */
function positionsOf(n: number, indexes: Float64Array | undefined) {
  if (indexes === undefined)
    return (index: number) =>
      Number.isInteger(index) && index >= 0 && index < n ? index : undefined;
  let positions: Map<number, number> | undefined;
  return (index: number) => {
    if (positions === undefined) {
      positions = new Map();
      for (let i = 0; i < n; i++) positions.set(indexes[i]!, i);
    }
    return positions.get(index);
  };
}

const TYPE_CODES: Record<string, number> = { invoke: 0, ok: 1, fail: 2, info: 3 };

/** An op's fields as a line of the file gives them. */
export function fieldsOfOp(op: Op, names: LineNames, out: LineFields): LineFields {
  out.index = op.index;
  out.time = op.time;
  out.hasTime = true;
  out.nemesis = op.process === "nemesis";
  out.process = out.nemesis ? 0 : (op.process as number);
  out.type = TYPE_CODES[op.type] ?? 3;
  out.f = names.fs.id(op.f);
  out.key = op.key === undefined ? -1 : names.keys.id(op.key);
  out.node = op.node === undefined ? ABSENT : names.nodes.id(op.node);
  out.siblings = Array.isArray(op.value) ? op.value.length : -1;
  return out;
}

/** The scan of a history in memory. */
export function scanHistory(history: History): HistoryScan {
  const builder = new ScanBuilder(history.length, (position) => history[position]!);
  const line = new LineFields();
  let op: Op;
  const source: OpSource = { full: () => op };
  for (let position = 0; position < history.length; position++) {
    op = history[position]!;
    builder.add(fieldsOfOp(op, builder.names, line), source);
  }
  return builder.finish();
}

/** The op's invoke and completion (undefined when it never completed). */
export function pairAt(ops: ClientOps, i: number): { invoke: Op; complete: Op | undefined } {
  const complete = ops.completes[i]!;
  return {
    invoke: ops.opAt(ops.invokes[i]!),
    complete: complete < 0 ? undefined : ops.opAt(complete),
  };
}
