// Whether the nodes ended up agreeing, key by key: each node's last answered final read (the
// `f: "final-read"` ops after the final heal), grouped by value so the page can colour the nodes
// that agree alike, with a short summary of each value and how many items it lacks.
import type { Op } from "../../checkers/history.js";
import { type ClientOps, pairAt } from "./history-scan.js";

export interface FinalReadCell {
  node: string;
  /** The round of the read shown; undefined when the node never answered a final read. */
  round?: number;
  /** 0, 1, 2 …: nodes with the same value share a group; -1 when unread. */
  group: number;
  /** "1 sibling, 152 items" or the value, shortened. */
  summary: string;
  /** Items other nodes hold for this key and this node lacks (sets of siblings only). */
  missing?: number;
  /** History index of the read's completion. */
  index?: number;
}

export interface FinalReadRow {
  key: string;
  agreed: boolean;
  cells: FinalReadCell[];
}

export interface FinalReadTable {
  nodes: string[];
  rows: FinalReadRow[];
  rounds: number;
}

const SUMMARY_CHARS_MAX = 80;

/** Up to `max` characters of a JSON text, with an ellipsis and the full length when cut. */
export function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}… (${text.length} chars)`;
}

/** The siblings in a canonical order, so equal sets of siblings compare equal. */
function canonical(value: unknown): string {
  if (!Array.isArray(value)) return JSON.stringify(value) ?? "undefined";
  return JSON.stringify(value.map((sibling) => JSON.stringify(sibling)).sort());
}

/** An item as a Set key that is equal exactly when the items' JSON texts are: a finite number
 * is its own key (a cart's usual item, no text built), anything else its JSON. */
function itemKey(item: unknown): unknown {
  return typeof item === "number" && Number.isFinite(item) ? item : JSON.stringify(item);
}

function itemsOf(value: unknown): Set<unknown> | undefined {
  if (!Array.isArray(value)) return undefined;
  const items = new Set<unknown>();
  for (const sibling of value) {
    if (!Array.isArray(sibling)) return undefined;
    for (const item of sibling) items.add(itemKey(item));
  }
  return items;
}

function summarize(value: unknown, items: Set<unknown> | undefined): string {
  if (!Array.isArray(value))
    return shorten(JSON.stringify(value) ?? "undefined", SUMMARY_CHARS_MAX);
  const siblings = `${value.length} sibling${value.length === 1 ? "" : "s"}`;
  if (items !== undefined && value.length > 0) return `${siblings}, ${items.size} items`;
  return value.length === 0
    ? "absent"
    : `${siblings}: ${shorten(JSON.stringify(value), SUMMARY_CHARS_MAX)}`;
}

/** Undefined when the history has no final reads (an interrupted run, a foreign history). */
export function finalReadTable(finals: ClientOps): FinalReadTable | undefined {
  if (finals.count === 0) return undefined;
  const nodes = new Set<string>();
  const keys = new Set<string>();
  const last = new Map<string, { round: number; op: { invoke: Op; complete: Op | undefined } }>();
  let rounds = 0;
  for (let i = 0; i < finals.count; i++) {
    const op = pairAt(finals, i);
    const { key, node } = op.invoke;
    if (typeof key !== "string" || typeof node !== "string") continue;
    nodes.add(node);
    keys.add(key);
    const round = typeof op.invoke.round === "number" ? op.invoke.round : 0;
    rounds = Math.max(rounds, round);
    if (op.complete?.type !== "ok") continue;
    const id = `${key}\u0000${node}`;
    const seen = last.get(id);
    if (seen === undefined || round >= seen.round) last.set(id, { round, op });
  }
  const nodeList = [...nodes].sort();
  const rows = [...keys].sort().map((key): FinalReadRow => {
    const groups: string[] = [];
    const union = new Set<unknown>();
    const reads = nodeList.map((node) => {
      const read = last.get(`${key}\u0000${node}`);
      const value = read?.op.complete?.value;
      const items = itemsOf(value);
      for (const item of items ?? []) union.add(item);
      return { node, read, value, items };
    });
    const cells = reads.map(({ node, read, value, items }): FinalReadCell => {
      if (read === undefined) return { node, group: -1, summary: "no answer" };
      const text = canonical(value);
      let group = groups.indexOf(text);
      if (group < 0) group = groups.push(text) - 1;
      const missing =
        items === undefined ? undefined : [...union].filter((item) => !items.has(item)).length;
      return {
        node,
        round: read.round,
        group,
        summary: summarize(value, items),
        ...(missing !== undefined && { missing }),
        ...(read.op.complete !== undefined && { index: read.op.complete.index }),
      };
    });
    return { key, agreed: cells.every((cell) => cell.group === 0), cells };
  });
  return { nodes: nodeList, rows, rounds };
}
