// The linear checkers on generated histories: lost-writes (a cart history), siblings (a register
// history) and stats, at 250k and 1M ops, each check in a fresh child process: the seconds (wall
// and CPU) the check takes and its peak memory (RSS sampled every 2 ms by a worker thread, above
// the RSS of the history itself). Linear means the 1M row costs about four times the 250k row.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { Checker } from "../checkers/checker.js";
import { lostWritesChecker } from "../checkers/lost-writes-checker.js";
import { siblingsChecker } from "../checkers/siblings-checker.js";
import { simulateHistory } from "../checkers/simulated-history.js";
import { statsChecker } from "../checkers/stats-checker.js";

const SIZES = [250_000, 1_000_000];
const CHILD = "FAULTLINE_CHECKERS_BENCH_OPS";

interface Row {
  checker: string;
  ops: number;
  seconds: number;
  cpuSeconds: number;
  historyRssMb: number;
  peakExtraRssMb: number;
  valid: unknown;
}

export default async function (): Promise<void> {
  const file = fileURLToPath(import.meta.url);
  console.log(
    "checker       ops        seconds   cpu s    history RSS MB   peak extra RSS MB   valid",
  );
  const rows: Row[] = [];
  for (const ops of SIZES) {
    for (const checker of ["lost-writes", "siblings", "stats"]) {
      const child = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", file], {
        env: { ...process.env, [CHILD]: `${checker} ${ops}` },
        encoding: "utf8",
        maxBuffer: 1 << 20,
      });
      if (child.status !== 0) {
        throw new Error(`checkers bench child (${checker}, ${ops} ops) failed: ${child.stderr}`);
      }
      const row = JSON.parse(child.stdout.trim()) as Row;
      rows.push(row);
      console.log(
        `${row.checker.padEnd(13)} ${String(row.ops).padEnd(10)} ${row.seconds.toFixed(2).padStart(7)}   ${row.cpuSeconds.toFixed(2).padStart(6)}   ${String(row.historyRssMb).padStart(14)}   ${String(row.peakExtraRssMb).padStart(17)}   ${row.valid}`,
      );
    }
  }
  for (const checker of ["lost-writes", "siblings", "stats"]) {
    const small = rows.find((r) => r.checker === checker && r.ops < 400_000);
    const large = rows.find((r) => r.checker === checker && r.ops > 900_000);
    if (small && large) {
      const growth = large.ops / small.ops;
      console.log(
        `${checker}: ${growth.toFixed(1)}× the ops → ${(large.cpuSeconds / small.cpuSeconds).toFixed(1)}× the CPU time, ${(large.peakExtraRssMb / Math.max(1, small.peakExtraRssMb)).toFixed(1)}× the memory`,
      );
    }
  }
}

/** In the child: build the history, then time one check while a worker samples RSS. */
async function measure(name: string, totalOps: number): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
  const checker: Checker | undefined = {
    "lost-writes": lostWritesChecker,
    siblings: siblingsChecker,
    stats: statsChecker,
  }[name];
  if (checker === undefined) throw new Error(`checkers bench: unknown checker ${name}`);
  const history = simulateHistory(
    name === "lost-writes"
      ? {
          seed: 1,
          opCount: totalOps / 2,
          workload: "cart",
          processCount: 50,
          keyCount: 10_000,
          nemesisEvery: 5000,
        }
      : {
          seed: 2,
          opCount: totalOps / 2,
          workload: "register",
          processCount: 50,
          keyCount: 1000,
          nemesisEvery: 5000,
        },
  );
  gc();
  const before = process.memoryUsage.rss();
  const sampler = new Worker(
    `const { parentPort } = require("node:worker_threads");
     let peak = 0;
     const sample = () => { peak = Math.max(peak, process.memoryUsage.rss()); };
     const timer = setInterval(sample, 2);
     parentPort.on("message", () => { sample(); clearInterval(timer); parentPort.postMessage(peak); });
     parentPort.postMessage("ready");`,
    { eval: true },
  );
  await new Promise((resolve) => sampler.once("message", resolve));
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const result = checker.check(history, { consistency: "eventual" });
  const cpu = process.cpuUsage(cpuBefore);
  const seconds = (performance.now() - started) / 1000;
  sampler.postMessage("stop");
  const peak = await new Promise<number>((resolve) => sampler.once("message", resolve));
  await sampler.terminate();
  const row: Row = {
    checker: checker.name,
    ops: history.length,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    historyRssMb: Math.round(before / 1e6),
    peakExtraRssMb: Math.max(0, Math.round((peak - before) / 1e6)),
    valid: result.valid,
  };
  console.log(JSON.stringify(row));
}

if (process.env[CHILD] !== undefined && process.argv[1] === fileURLToPath(import.meta.url)) {
  const [name, ops] = process.env[CHILD]!.split(" ");
  await measure(name!, Number(ops));
}
