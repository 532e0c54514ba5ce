// `faultline suite merge <dirs…>`: the shards of one suite (`--shard I/N` on N machines) joined
// into one summary, so junit.xml, summary.md and index.html cover the whole suite. The shards
// must come from the same suite file (its hash); a cell two shards ran is bad input; a cell no
// shard ran is skipped. Run folders stay where they are: the merged summary's links point from
// the merged folder to them. Pure apart from reading the shards' summary.json.
import { join, relative } from "node:path";
import { UsageError } from "../cli-error.js";
import { readSuiteSummary } from "./suite-store.js";
import { buildSummary, type CellReport, type SuiteSummary } from "./suite-summary.js";

export function mergeSummaries(
  shards: readonly { dir: string; summary: SuiteSummary }[],
  outDir: string,
): SuiteSummary {
  const first = shards[0];
  if (first === undefined) throw new UsageError("suite merge: name at least one suite folder");
  for (const { dir, summary } of shards.slice(1)) {
    if (summary.suite !== first.summary.suite || summary.suiteHash !== first.summary.suiteHash) {
      throw new UsageError(
        `suite merge: ${dir} is suite ${summary.suite} (file hash ${summary.suiteHash.slice(0, 12)}), ` +
          `${first.dir} is ${first.summary.suite} (${first.summary.suiteHash.slice(0, 12)}): not shards of one suite`,
      );
    }
  }
  const byIndex = new Map<number, { dir: string; cell: CellReport }>();
  for (const { dir, summary } of shards) {
    for (const cell of summary.cells) {
      const seen = byIndex.get(cell.index);
      if (seen !== undefined) {
        throw new UsageError(
          `suite merge: cell ${cell.index + 1} (${cell.id}) is in both ${seen.dir} and ${dir}`,
        );
      }
      byIndex.set(cell.index, { dir, cell: relinked(cell, dir, outDir) });
    }
  }
  const all = first.summary.suiteCells;
  const cells = all.map(
    (head) =>
      byIndex.get(head.index)?.cell ?? {
        ...head,
        axes: {},
        seeds: [],
        outcome: "skipped" as const,
        skipped: "no shard ran it",
        runs: [],
        expectations: [],
        requirements: {},
        flakiness: [],
        notes: [],
        durationMs: 0,
      },
  );
  const starts = shards.map((s) => Date.parse(s.summary.startedAt));
  const ends = shards.map((s) => Date.parse(s.summary.finishedAt));
  return buildSummary({
    suite: {
      name: first.summary.suite,
      path: first.summary.suiteFile,
      hash: first.summary.suiteHash,
      ...(first.summary.description !== undefined && { description: first.summary.description }),
    },
    suiteCells: all,
    cells,
    startedAt: new Date(Math.min(...starts)),
    finishedAt: new Date(Math.max(...ends)),
    git: first.summary.git,
    shards: shards.flatMap((s) => (s.summary.shard === undefined ? [] : [s.summary.shard])),
    interrupted: shards.some((s) => s.summary.interrupted),
  });
}

/** The cell with its runs' folders relative to the merged folder. */
function relinked(cell: CellReport, shardDir: string, outDir: string): CellReport {
  return {
    ...cell,
    runs: cell.runs.map((run) =>
      run.runDir === undefined
        ? run
        : { ...run, runDir: relative(outDir, join(shardDir, run.runDir)).split("\\").join("/") },
    ),
  };
}

export function readShards(dirs: readonly string[]): { dir: string; summary: SuiteSummary }[] {
  return dirs.map((dir) => ({ dir, summary: readSuiteSummary(dir) }));
}
