// The id of one start of a replica: node id, start count and the wall clock at start (base 36).
// Both builds use it (leader epochs, leaderless actors and request ids). Unique across starts even
// when a restart lost its boot records from the log's tail (fsync never): the count then repeats,
// the start time does not (a restart takes more than a millisecond).
import type { NodeId } from "./replica.js";

export function startId(node: NodeId, startCount: number, wallMs: number): string {
  return `${node}.${startCount}.${Math.trunc(wallMs).toString(36)}`;
}
