// `faultline matrix` end to end, as a user runs it (a child process, real local nodes): the wall
// time of the whole seed matrix and of each cell (the bound: 5 minutes on 2 cores), and
// the machine's load average before and after, since other work on the machine slows it.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { SuiteSummary } from "../harness/suite/suite-summary.js";

const BIN = fileURLToPath(new URL("../bin/faultline.js", import.meta.url));

export default async function (): Promise<void> {
  const store = mkdtempSync(join(tmpdir(), "faultline-matrix-bench-"));
  try {
    const load = loadavg()[0]!.toFixed(1);
    const startMs = performance.now();
    const run = spawnSync(process.execPath, [BIN, "matrix", "--store", store], {
      encoding: "utf8",
    });
    const seconds = (performance.now() - startMs) / 1000;
    const dir = /^suite: (.+)$/m.exec(run.stdout)?.[1];
    if (dir === undefined)
      throw new Error(`matrix bench: no suite folder\n${run.stdout}\n${run.stderr}`);
    const summary = JSON.parse(readFileSync(join(dir, "summary.json"), "utf8")) as SuiteSummary;
    console.log("cell                             outcome   seconds   R1        R2        R3");
    for (const cell of summary.cells) {
      const r = cell.requirements;
      console.log(
        `${cell.label.padEnd(32)} ${cell.outcome.padEnd(9)} ${(cell.durationMs / 1000).toFixed(1).padStart(7)}   ${(r.R1?.value ?? "").padEnd(9)} ${(r.R2?.value ?? "").padEnd(9)} ${r.R3?.value ?? ""}`,
      );
    }
    console.log(
      `matrix: ${seconds.toFixed(1)} s wall (exit ${run.status}), load average ${load} → ${loadavg()[0]!.toFixed(1)}`,
    );
  } finally {
    rmSync(store, { recursive: true, force: true });
  }
}
