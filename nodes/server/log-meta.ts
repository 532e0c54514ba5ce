// The first record of a node's log names the build and strategy that wrote it, so a data dir
// reused by another build or strategy is refused with that cause, not with whatever the core
// finds odd in a state it cannot read. The shell writes and strips it: the cores never see it.
// A log from before this record existed (no meta first) is still replayed as it is.
import type { Build, Json, Strategy } from "../core/replica.js";

export interface WrittenBy {
  build: Build;
  strategy: Strategy;
}

/** What the log's first record says about who wrote it. */
export function metaRecord(by: WrittenBy): Json {
  return { t: "log-meta", build: by.build, strategy: by.strategy };
}

/** The data dir holds a log of another build or strategy. */
export class DataDirMismatchError extends Error {
  override readonly name = "DataDirMismatchError";
}

/**
 * The core's records of a recovered log: checks the meta record (when there is one) against this
 * node and strips it. `meta` is false for an empty log or one written before meta records.
 */
export function recoverMeta(
  records: readonly Json[],
  node: WrittenBy,
  where: { dataDir: string; logPath: string },
): { records: readonly Json[]; meta: boolean } {
  const first = records[0] as { t?: unknown; build?: unknown; strategy?: unknown } | undefined;
  if (first?.t !== "log-meta") return { records, meta: false };
  if (first.build !== node.build || first.strategy !== node.strategy) {
    throw new DataDirMismatchError(
      `data dir ${where.dataDir} was written by a ${String(first.build)} ${String(first.strategy)} ` +
        `node (the first record of ${where.logPath} says so); this node is ${node.build} ` +
        `${node.strategy}: start it with --build ${String(first.build)} --strategy ` +
        `${String(first.strategy)}, or give it a fresh --data-dir`,
    );
  }
  return { records: records.slice(1), meta: true };
}
