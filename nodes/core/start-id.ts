// The id of one start of a replica: node id, start count and the wall clock at start (base 36).
// Both builds use it (leader epochs, leaderless actors and request ids). Unique across starts even
// when a restart lost its boot records from the log's tail (fsync never): the count then repeats,
// the start time does not (a restart takes more than a millisecond).
import type { NodeId } from "./replica.js";

export function startId(node: NodeId, startCount: number, wallMs: number): string {
  return `${node}.${startCount}.${Math.trunc(wallMs).toString(36)}`;
}

export interface ParsedStartId {
  node: NodeId;
  startCount: number;
  wallMs: number;
}

// Node ids may contain dots themselves: the count and the time are the last two fields.
const START_ID = /^(.+)\.(\d{1,15})\.([0-9a-z]{1,11})$/;

/** The parts of a start id made by `startId`, or undefined for anything else. */
export function parseStartId(id: string): ParsedStartId | undefined {
  const match = START_ID.exec(id);
  if (match === null) return undefined;
  const wallMs = Number.parseInt(match[3]!, 36);
  if (!Number.isSafeInteger(wallMs)) return undefined;
  return { node: match[1]!, startCount: Number(match[2]), wallMs };
}

/** Orders ids oldest start first (start time, then count); ids that are no start id come first,
 * and the text breaks every tie, so the order is total and the same on every replica. */
export function compareStarts(a: string, b: string): number {
  const pa = parseStartId(a);
  const pb = parseStartId(b);
  if (pa === undefined || pb === undefined) {
    if (pa !== pb) return pa === undefined ? -1 : 1;
  } else if (pa.wallMs !== pb.wallMs) return pa.wallMs - pb.wallMs;
  else if (pa.startCount !== pb.startCount) return pa.startCount - pb.startCount;
  return a < b ? -1 : a > b ? 1 : 0;
}
