// The ops around each counterexample, as a person follows them: the ops on the same key just
// before and after it (not the neighbours of any key), each op's invoke or completion, the other
// ops of the same example; inside a long read, the item the checker names is marked where it is
// (or where it is missing), a read's values link to the writes that produced them, and the window
// says which faults were active at that moment.
import type { Op } from "../../checkers/history.js";
import type { FaultInterval } from "./fault-intervals.js";
import { seconds } from "./fault-intervals.js";
import { faultKind } from "./fault-kinds.js";
import { shorten } from "./final-read-table.js";
import type { HistoryScan } from "./history-scan.js";
import { INVOKE } from "./op-line-scanner.js";

/** A piece of a value as the page shows it: plain, the named item, or where it is missing. */
export type ValuePart = [text: string, mark: "" | "hit" | "missing"];

/** An op as the page shows it; `value` is JSON, shortened. */
export interface OpRow {
  index: number;
  timeS: number;
  process: string;
  type: string;
  f: string;
  key?: string;
  node?: string;
  value: string;
  error?: string;
  /** The value around the example's item, marked (set when the window has an item). */
  parts?: ValuePart[];
  /** For a read: the ops that wrote its values (or added its named item). */
  wroteBy?: { value: string; index: number }[];
}

export interface OpWindow {
  /** The counterexample's history index, and the checkers that named it. */
  focus: number;
  checkers: string[];
  timeS: number;
  key?: string;
  /** The example's item or value, as JSON, when it names one. */
  item?: string;
  /** The faults in force when the focus op happened, in words. */
  faults: string[];
  /** History order. */
  rows: OpRow[];
}

/** One op a checker named, with the item its example is about. */
export interface NamedOp {
  checker: string;
  index: number;
  item?: unknown;
  /** The other ops of the same example. */
  with: readonly number[];
}

export const WINDOW_RADIUS = 5;
const WINDOWS_MAX = 1000;
const VALUE_CHARS_MAX = 600;
const CONTEXT_ITEMS = 3;
const WRITER_SEARCH_MAX = 20_000;

const canonical = (value: unknown): string => JSON.stringify(value) ?? "undefined";

/** The positions of the window around the op at `at`: same-key neighbours, partners, the
 * example's other ops. */
function windowPositions(scan: HistoryScan, at: number, others: readonly number[]): number[] {
  const picked = new Set<number>();
  const add = (position: number | undefined) => {
    if (position === undefined || position < 0) return;
    picked.add(position);
    const partner = scan.partner[position]!;
    if (partner >= 0) picked.add(partner);
  };
  const key = keyOf(scan, at);
  const same = key === undefined ? undefined : scan.byKey.get(key);
  if (same === undefined) {
    const end = Math.min(scan.length - 1, at + WINDOW_RADIUS);
    for (let i = Math.max(0, at - WINDOW_RADIUS); i <= end; i++) add(i);
  } else {
    const where = lowerBound(same, at);
    const end = Math.min(same.length - 1, where + WINDOW_RADIUS);
    for (let i = Math.max(0, where - WINDOW_RADIUS); i <= end; i++) add(same[i]);
  }
  add(at);
  for (const index of others) add(scan.positionOf(index));
  return [...picked].sort((a, b) => a - b);
}

/** The op's key, or its invoke's or completion's (from the scan's columns). */
function keyOf(scan: HistoryScan, at: number): string | undefined {
  const partner = scan.partner[at]!;
  const key = scan.keyAt[at]! >= 0 ? scan.keyAt[at]! : partner >= 0 ? scan.keyAt[partner]! : -1;
  return key >= 0 ? scan.keys[key] : undefined;
}

function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return Math.min(lo, sorted.length - 1);
}

/** A sorted list's items around position `at`, as parts, with `mark` on the one at `at`
 * (or, for "missing", a marker standing before it). */
function around(items: readonly unknown[], at: number, item: unknown, mark: "hit" | "missing") {
  const parts: ValuePart[] = [["[", ""]];
  const from = Math.max(0, at - CONTEXT_ITEMS);
  const to = Math.min(items.length, at + CONTEXT_ITEMS + (mark === "hit" ? 1 : 0));
  if (from > 0) parts.push([`… ${from} items, `, ""]);
  const before = items.slice(from, at).map(canonical);
  if (before.length > 0) parts.push([`${before.join(", ")}, `, ""]);
  if (mark === "hit") parts.push([canonical(items[at]), "hit"]);
  else parts.push([`${canonical(item)} missing`, "missing"]);
  const after = items.slice(mark === "hit" ? at + 1 : at, to).map(canonical);
  if (after.length > 0) parts.push([`, ${after.join(", ")}`, ""]);
  if (to < items.length) parts.push([`, … ${items.length - to} items`, ""]);
  parts.push(["]", ""]);
  return parts;
}

/** Where `item` would stand in a sorted list of numbers. */
function insertionPoint(items: readonly unknown[], item: number): number {
  let at = 0;
  while (at < items.length && typeof items[at] === "number" && (items[at] as number) < item) at++;
  return at;
}

/** The value with `item` marked: a sibling equal to it, or the item inside a sibling list; for a
 * read that lacks it, the place it is missing from. */
export function markedValue(
  value: unknown,
  item: unknown,
  isRead: boolean,
): ValuePart[] | undefined {
  const target = canonical(item);
  if (!Array.isArray(value)) return canonical(value) === target ? [[target, "hit"]] : undefined;
  const parts: ValuePart[] = [];
  let found = false;
  value.forEach((sibling, s) => {
    if (s > 0) parts.push([", ", ""]);
    if (canonical(sibling) === target) {
      parts.push([target, "hit"]);
      found = true;
    } else if (Array.isArray(sibling) && sibling.some((x) => canonical(x) === target)) {
      parts.push(
        ...around(
          sibling,
          sibling.findIndex((x) => canonical(x) === target),
          item,
          "hit",
        ),
      );
      found = true;
    } else {
      parts.push([shorten(canonical(sibling), 80), ""]);
    }
  });
  if (found) return [["[", ""], ...parts, ["]", ""]];
  if (!isRead) return undefined;
  const [only] = value;
  if (value.length === 1 && Array.isArray(only) && typeof item === "number") {
    return [["[", ""], ...around(only, insertionPoint(only, item), item, "missing"), ["]", ""]];
  }
  return [
    [shorten(canonical(value), 200), ""],
    [` lacks ${target}`, "missing"],
  ];
}

const WRITE_FS: ReadonlySet<string> = new Set(["write", "add", "append", "cas"]);

/** Whether the client op at `at` may be a write (by its f, from the columns). */
function writesAt(scan: HistoryScan, at: number): boolean {
  const slot = scan.slotAt[at]!;
  return slot >= 0 && WRITE_FS.has(scan.client.names.fs[scan.client.f[slot]!]!);
}

/** What a write-like op put in the key: a write's value, a cas's new value, an add's item. */
function written(op: Op): string | undefined {
  if (op.f === "write" || op.f === "add" || op.f === "append") return canonical(op.value);
  if (op.f === "cas" && Array.isArray(op.value) && op.value.length === 2)
    return canonical(op.value[1]);
  return undefined;
}

/** For a read at `at`: the latest op before it on the same key that wrote each value read. */
function writersOf(scan: HistoryScan, at: number, item: unknown): OpRow["wroteBy"] {
  const read = scan.op(at);
  if (read.type !== "ok" || !Array.isArray(read.value) || read.key === undefined) return undefined;
  const wanted = new Set(read.value.slice(0, 8).map(canonical));
  if (item !== undefined) wanted.add(canonical(item));
  const same = scan.byKey.get(read.key) ?? [];
  const found: { value: string; index: number }[] = [];
  const stop = Math.max(0, lowerBound(same, at) - WRITER_SEARCH_MAX);
  for (let i = lowerBound(same, at); i >= stop && wanted.size > 0; i--) {
    // The columns rule out most ops: only a write-like invoke is read in full.
    if (scan.typeAt[same[i]!] !== INVOKE || same[i]! > at || !writesAt(scan, same[i]!)) continue;
    const op = scan.op(same[i]!);
    const value = written(op);
    if (value === undefined || !wanted.has(value)) continue;
    wanted.delete(value);
    found.push({ value: shorten(value, 80), index: op.index });
  }
  return found.length > 0 ? found : undefined;
}

function opRow(scan: HistoryScan, at: number, item: unknown): OpRow {
  const op = scan.op(at);
  const isRead = op.type === "ok" && (op.f === "read" || op.f === "final-read");
  const parts = item === undefined ? undefined : markedValue(op.value, item, isRead);
  const wroteBy = isRead ? writersOf(scan, at, item) : undefined;
  return {
    index: op.index,
    timeS: seconds(op.time),
    process: String(op.process),
    type: op.type,
    f: op.f,
    ...(op.key !== undefined && { key: String(op.key) }),
    ...(op.node !== undefined && { node: String(op.node) }),
    value: shorten(JSON.stringify(op.value) ?? "", VALUE_CHARS_MAX),
    ...(op.error !== undefined && { error: String(op.error) }),
    ...(parts !== undefined && { parts }),
    ...(wroteBy !== undefined && { wroteBy }),
  };
}

/** The faults in force at `timeS`, in words ("partition halves: cut n1↮n2 since 3.2 s"). */
export function faultsAt(faults: readonly FaultInterval[], timeS: number): string[] {
  return faults
    .filter((f) => f.startS <= timeS && timeS <= f.endS)
    .map(
      (f) =>
        `${faultKind(f.kind).label}${f.targets ? ` (${f.targets})` : ""} since ${f.startS.toFixed(3)} s`,
    );
}

/** A window per op the checkers named (every one, up to WINDOWS_MAX), in the order named. */
export function opWindows(
  scan: HistoryScan,
  named: readonly NamedOp[],
  faults: readonly FaultInterval[],
): OpWindow[] {
  const byFocus = new Map<number, { checkers: string[]; item?: unknown; with: Set<number> }>();
  for (const { checker, index, item, with: others } of named) {
    if (scan.positionOf(index) === undefined) continue;
    let entry = byFocus.get(index);
    if (entry === undefined) {
      if (byFocus.size >= WINDOWS_MAX) continue;
      entry = { checkers: [], with: new Set() };
      byFocus.set(index, entry);
    }
    if (!entry.checkers.includes(checker)) entry.checkers.push(checker);
    if (entry.item === undefined && item !== undefined) entry.item = item;
    for (const other of others) if (other !== index) entry.with.add(other);
  }
  return [...byFocus].map(([focus, entry]): OpWindow => {
    const at = scan.positionOf(focus)!;
    const op = scan.op(at);
    const timeS = seconds(op.time);
    const key = op.key ?? keyOf(scan, at);
    return {
      focus,
      checkers: entry.checkers,
      timeS,
      ...(key !== undefined && { key }),
      ...(entry.item !== undefined && { item: shorten(canonical(entry.item), 80) }),
      faults: faultsAt(faults, timeS),
      rows: windowPositions(scan, at, [...entry.with]).map((p) => opRow(scan, p, entry.item)),
    };
  });
}
