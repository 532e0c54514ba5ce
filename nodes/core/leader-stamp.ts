// The stamp of one leadership: its term and the start id of the node that led it
// ("7.n2.3.lq5x8k0": term 7, node n2's third start). Log entries are identified by index + stamp
// (not index + term, as in Raft) and versions carry it, because a restart that lost the log's
// unsynced tail (fsync never) may lose its vote and lead the same term again: the start id differs.
import type { NodeId } from "./replica.js";

/** term . node . start count . start wall clock (base 36), as start-id.ts writes the last three. */
const STAMP = /^(\d{1,15})\.([A-Za-z0-9][A-Za-z0-9_.-]{0,63})\.(\d{1,15})\.([0-9a-z]{1,11})$/;

export function stampOf(term: number, startId: string): string {
  return `${term}.${startId}`;
}

/** The term and leader of a well-formed stamp, or undefined. */
export function parseStamp(text: string): { term: number; node: NodeId } | undefined {
  const match = STAMP.exec(text);
  if (match === null) return undefined;
  const term = Number(match[1]);
  return Number.isSafeInteger(term) ? { term, node: match[2]! } : undefined;
}

export function isStamp(text: unknown): text is string {
  return typeof text === "string" && parseStamp(text) !== undefined;
}
