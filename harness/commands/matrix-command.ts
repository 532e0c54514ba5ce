// `faultline matrix`: the seed's R1/R2/R3 table, measured — the shipped suites/seed-matrix.yaml
// (single node lww / reject / siblings, the leader build, the leaderless build with lww and
// siblings) run as `faultline suite` runs it, the table printed with the expected value beside
// the measured one and written to summary.md and index.html.
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { runSuiteCommand, type SuiteFlags } from "./suite-command.js";

export const SEED_MATRIX = fileURLToPath(new URL("../../suites/seed-matrix.yaml", import.meta.url));

export function registerMatrixCommand(program: Command): void {
  program
    .command("matrix")
    .summary("measure the seed's R1/R2/R3 table (suites/seed-matrix.yaml)")
    .description(
      "Runs suites/seed-matrix.yaml: one cell per build and strategy of the seed's table, with " +
        "probe reads on, and prints R1 (replicas agree), R2 (no acknowledged write lost) and R3 " +
        "(no read returns a superseded value) with the expected value beside the measured one. " +
        "Exit codes as `faultline suite`.",
    )
    .option("--parallel <n>", "cells run at once (default 1)")
    .option("--seeds <list>", "run every cell once per seed (7,8,9; default 7)")
    .option("--time-budget <duration>", "start no cell after this long; the rest are skipped")
    .option("--shard <i/n>", "run only the cells of shard I of N")
    .option("--store <dir>", "where the suite's folder goes")
    .option("--db <url>", "also record the summary in this PostgreSQL (or FAULTLINE_DATABASE_URL)")
    .action(async (flags: SuiteFlags) => {
      process.exit(await runSuiteCommand(SEED_MATRIX, flags));
    });
}
