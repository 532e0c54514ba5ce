// `faultline report <run-dir>`: (re)writes the run's report.html from its test.json, history.jsonl
// and results.json, and prints its path. A missing directory, history or result is a usage error
// (exit 254) naming what is missing.
import type { Command } from "commander";

export function registerReportCommand(program: Command): void {
  program
    .command("report")
    .summary("write a stored run's HTML report")
    .description(
      "Writes <run-dir>/report.html (one self-contained page: verdicts; the op timeline, " +
        "throughput, latency and siblings on one zoomable time axis with the faults and the " +
        "counterexamples marked; a linearizability failure step by step; the ops around every " +
        "counterexample; the test; links to the node logs) from the run's test.json, " +
        "history.jsonl and results.json, and prints its path. `faultline run` and " +
        "`faultline check <run-dir>` write it too.",
    )
    .argument("<run-dir>", "a run directory, e.g. store/latest")
    .addHelpText("after", "\nExample:\n  faultline report store/latest")
    .action(async (runDir: string) => {
      const { writeReport } = await import("../report/write-report.js");
      console.log(await writeReport(runDir));
    });
}
