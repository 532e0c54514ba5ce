// `faultline compare <A> <B>`: what changed from A to B — suite folders (summary.json) or run
// folders (test.json + results.json) — or, with --db URL --suite NAME, the suite's last two
// recorded runs. Prints verdicts, R1–R3, expectations and key numbers that moved beyond the noise
// threshold; exit 1 on a regression, 0 otherwise, 254 for bad input.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { UsageError } from "../cli-error.js";
import type { SuiteSummary } from "../suite/suite-summary.js";

interface CompareFlags {
  db?: string;
  suite?: string;
  threshold: string;
  floor: string;
  numbersRegress?: boolean;
}

async function summaryOf(dir: string): Promise<SuiteSummary> {
  if (existsSync(join(dir, "summary.json"))) {
    return (await import("../suite/suite-store.js")).readSuiteSummary(dir);
  }
  const { readStoredRun, runAsSummary } = await import("../suite/run-as-summary.js");
  return runAsSummary(readStoredRun(dir), {});
}

async function operands(a: string | undefined, b: string | undefined, flags: CompareFlags) {
  if (a !== undefined && b !== undefined) return [await summaryOf(a), await summaryOf(b)] as const;
  if (a !== undefined || b !== undefined || flags.suite === undefined) {
    throw new UsageError("compare: name two suite or run folders (A B), or --db URL --suite NAME");
  }
  const { databaseUrl } = await import("../trends/database-url.js");
  const url = databaseUrl(flags.db);
  if (url === undefined)
    throw new UsageError("compare --suite needs --db URL (or FAULTLINE_DATABASE_URL)");
  const { openTrendStore } = await import("../trends/trend-store.js");
  await using store = await openTrendStore(url);
  const [latest, previous] = await store.latestSummaries(flags.suite, 2);
  if (latest === undefined || previous === undefined) {
    throw new UsageError(
      `compare: the trend store has fewer than two runs of suite ${flags.suite}`,
    );
  }
  return [previous, latest] as const;
}

function ratio(flag: string, text: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n < 0) {
    throw new UsageError(`${flag} ${JSON.stringify(text)} must be a number ≥ 0`);
  }
  return n;
}

export function registerCompareCommand(program: Command): void {
  program
    .command("compare")
    .summary("what changed between two suite or run results; exit 1 on a regression")
    .description(
      "Compares A (before) with B (after), cell by cell: checker verdicts, R1–R3, expectations, " +
        "and key numbers (the mean over seeds) beyond the noise threshold. A worse verdict, a " +
        "worse requirement or a newly unmet expectation is a regression (exit 1).",
    )
    .argument("[a]", "the earlier suite or run folder")
    .argument("[b]", "the later suite or run folder")
    .option("--db <url>", "read the suite's last two runs from this PostgreSQL (with --suite)")
    .option("--suite <name>", "the suite to compare in the trend store")
    .option("--threshold <ratio>", "relative change of a number that counts", "0.25")
    .option("--floor <n>", "absolute change of a number below which it never counts", "1")
    .option("--numbers-regress", "numbers that got worse beyond the threshold are regressions")
    .action(async (a: string | undefined, b: string | undefined, flags: CompareFlags) => {
      const options = {
        threshold: ratio("--threshold", flags.threshold),
        floor: ratio("--floor", flags.floor),
        numbersRegress: flags.numbersRegress === true,
      };
      const [before, after] = await operands(a, b, flags);
      const { compareSummaries, comparisonText } = await import("../trends/compare-summaries.js");
      const comparison = compareSummaries(before, after, options);
      console.log(comparisonText(before, after, comparison));
      process.exit(comparison.regressions > 0 ? 1 : 0);
    });
}
