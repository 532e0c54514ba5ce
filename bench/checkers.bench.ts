// The linear checkers on generated histories: lost-writes (a cart history), siblings (a register
// history) and stats, at 250k and 1M ops, each check in a fresh child process: the seconds (wall
// and CPU) the check takes and its peak memory (RSS sampled every 2 ms by a worker thread, above
// the RSS of the history itself). Linear means the 1M row costs about four times the 250k row.
// Then the end of a run: what `faultline run` does once its clients stop, but for healing, the
// final reads and the node dumps (which wait on the nodes): checkRun on the history the writer
// kept (results.json and report.html written) and the verdict table, for 50k and 100k client ops
// of each workload with its default checkers; and, for contrast, checkRun parsing history.jsonl
// back as before. Then each default checker alone on the 100k-op histories.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { Checker } from "../checkers/checker.js";
import type { Op } from "../checkers/history.js";
import { lostWritesChecker } from "../checkers/lost-writes-checker.js";
import { siblingsChecker } from "../checkers/siblings-checker.js";
import { simulateHistory } from "../checkers/simulated-history.js";
import { statsChecker } from "../checkers/stats-checker.js";
import { checkers as registry } from "../checkers/checkers.js";
import { checkRun } from "../harness/check-run.js";
import { type TestConfig, workloadOf } from "../harness/config/test-config.js";
import { testJson } from "../harness/config/test-file.js";
import { loadTestConfig } from "../harness/config/load-test-config.js";
import { summaryTable } from "../harness/run/run-summary.js";
import { CART_ITEMS_PER_KEY } from "../workloads/cart-workload.js";

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
  const large = rows.filter((r) => r.ops > 900_000);
  const sum = (f: (r: Row) => number) => large.reduce((total, r) => total + f(r), 0).toFixed(2);
  console.log(
    `1M ops, the three together: ${sum((r) => r.seconds)} s wall, ${sum((r) => r.cpuSeconds)} s CPU`,
  );
  await endOfRun();
}

/** The end of a run, for each workload and size (see the header). Seconds, best of 3. */
async function endOfRun(): Promise<void> {
  console.log(
    "\nend of run (checkRun + verdict table)   client ops   history ops   in memory   parsing the file",
  );
  for (const workload of ["cart", "register"] as const) {
    for (const clientOps of [50_000, 100_000]) {
      const root = mkdtempSync(join(tmpdir(), "faultline-end-of-run-"));
      try {
        const config = loadTestConfig({
          file: {
            path: "bench.yaml",
            text: `workload: ${workload}\nsystem: {nodes: 3}\nseed: 1\n`,
          },
          env: {},
        });
        // A cart key takes about CART_ITEMS_PER_KEY items before the clients move on (70% of
        // the ops are adds); the register workload stays on its keys.
        const keyCount =
          workload === "cart"
            ? Math.max(1, Math.round((clientOps * 0.7) / CART_ITEMS_PER_KEY))
            : config.workload.keys;
        const history = simulateHistory({
          seed: 3,
          opCount: clientOps,
          workload,
          processCount: config.clients.concurrency,
          keyCount,
          nemesisEvery: 2000,
        });
        writeFileSync(join(root, "test.json"), testJson(config));
        writeFileSync(
          join(root, "history.jsonl"),
          history.map((op) => `${JSON.stringify(op)}\n`).join(""),
        );
        const inMemory = await bestOf(3, () => verdict(root, history));
        const parsing = await bestOf(3, () => verdict(root, undefined));
        console.log(
          `  ${workload.padEnd(37)} ${String(clientOps).padStart(10)}   ${String(history.length).padStart(11)}   ${inMemory.toFixed(2).padStart(7)} s   ${parsing.toFixed(2).padStart(14)} s`,
        );
        if (clientOps === 100_000) console.log(`    ${checkerSeconds(config, history)}`);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    }
  }
}

/** Each of the test's checkers alone on the history, in seconds (best of 3). */
function checkerSeconds(config: TestConfig, history: Op[]): string {
  const options = {
    ...workloadOf(config).checkOptions(config.workload),
    consistency: config.checkers.consistency,
  };
  return config.checkers.names
    .map((name) => {
      const checker = registry[name as keyof typeof registry];
      let best = Number.POSITIVE_INFINITY;
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        checker.check(history, options);
        best = Math.min(best, (performance.now() - started) / 1000);
      }
      return `${name} ${best.toFixed(2)} s`;
    })
    .join(", ");
}

/** What run-test and run-main do once the final reads are in: check, then the verdict table. */
async function verdict(runDir: string, history: Op[] | undefined): Promise<void> {
  const check = await checkRun(runDir, { history });
  if (summaryTable(check.valid, check.results).length === 0) throw new Error("no verdict table");
}

async function bestOf(rounds: number, run: () => Promise<void>): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    await run();
    best = Math.min(best, (performance.now() - started) / 1000);
  }
  return best;
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
