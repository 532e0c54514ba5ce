// Times the report on generated runs of 100k and 1M client ops (a register workload on a correct
// store with partitions; the real checkers' results): `faultline report DIR` end to end as a
// user runs it (wall seconds and peak RSS of the process), the same steps inside one process
// (the file scan of history.jsonl, data, render, page size), and, with Debian's chromium, a page load until the plots are
// drawn; and serve's index over 500 runs. Goals (issue 13): 100k ≤ 1.5 s; 1M ≤ 8 s and
// ≤ 600 MB; plots drawn ≤ 1.5 s at 1M.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Checker, composeCheckers } from "../checkers/checker.js";
import { checkers } from "../checkers/checkers.js";
import { simulateHistory } from "../checkers/simulated-history.js";
import { testConfigOf, testJson } from "../harness/config/test-file.js";
import { scanHistoryFile } from "../harness/report/history-file-scan.js";
import { renderReport } from "../harness/report/render-report.js";
import { loadReportAssets } from "../harness/report/report-assets.js";
import { reportData } from "../harness/report/report-data.js";
import { serveStore } from "../harness/report/store-server.js";
import { CHROMIUM, launchChromium } from "../harness/report/test-fixtures/headless-chromium.js";

const SIZES = [100_000, 1_000_000];
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(ROOT, "bin/faultline.js");
const CHILD = "FAULTLINE_REPORT_BENCH_DIR";

/** A stored run of `clientOps` ops: test.json, history.jsonl, results.json. */
function storedRun(store: string, clientOps: number): string {
  const dir = join(store, `bench-report-${clientOps}`, "20260101T000000.000Z");
  mkdirSync(dir, { recursive: true });
  const test = testConfigOf({
    name: `bench-report-${clientOps}`,
    seed: 1,
    system: { strategy: "siblings" },
    workload: "register",
    nemesis: "partition",
  });
  const history = simulateHistory({
    seed: 3,
    opCount: clientOps,
    workload: "register",
    processCount: 20,
    keyCount: 100,
    nemesisEvery: 5000,
    failRate: 0.02,
    infoRate: 0.005,
  });
  const lines: string[] = [];
  for (const op of history) lines.push(JSON.stringify(op));
  writeFileSync(join(dir, "history.jsonl"), `${lines.join("\n")}\n`);
  lines.length = 0;
  const chosen = test.checkers.names.map(
    (name) => checkers[name as keyof typeof checkers] as Checker,
  );
  const { valid, results } = composeCheckers(chosen).check(history, { model: "cas-register" });
  writeFileSync(join(dir, "test.json"), testJson(test));
  writeFileSync(
    join(dir, "results.json"),
    JSON.stringify({ valid, results, warnings: [], opCount: history.length }),
  );
  return dir;
}

/** Runs `faultline report DIR`: wall seconds, CPU seconds and peak RSS (VmHWM), sampled from
 * /proc until it exits (CPU time says more than wall time on a busy machine). */
async function reportCommand(
  dir: string,
): Promise<{ seconds: number; cpuSeconds: number; peakMb: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, "report", dir], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let peakKb = 0;
  let cpuTicks = 0;
  const sample = () => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
      const match = /VmHWM:\s+(\d+)/.exec(status);
      if (match) peakKb = Math.max(peakKb, Number(match[1]));
      const stat = readFileSync(`/proc/${child.pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      cpuTicks = Math.max(cpuTicks, Number(fields[11]) + Number(fields[12]));
    } catch {
      // It exited between two samples.
    }
  };
  const timer = setInterval(sample, 5);
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((done) => child.on("close", done));
  clearInterval(timer);
  if (code !== 0) throw new Error(`faultline report ${dir} exited ${code}: ${stderr}`);
  return {
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: cpuTicks / 100, // USER_HZ
    peakMb: Math.round(peakKb / 1024),
  };
}

/** In a child: the steps of `faultline report` one by one, timed. */
async function steps(dir: string): Promise<void> {
  /** CPU ms since `t0` (a busy machine stretches wall time, not this). */
  const ms = (t0: NodeJS.CpuUsage) => {
    const used = process.cpuUsage(t0);
    return Math.round((used.user + used.system) / 1000);
  };
  let t0 = process.cpuUsage();
  await using scan = await scanHistoryFile(join(dir, "history.jsonl"));
  const scanMs = ms(t0);
  const test = JSON.parse(readFileSync(join(dir, "test.json"), "utf8"));
  const results = JSON.parse(readFileSync(join(dir, "results.json"), "utf8"));
  t0 = process.cpuUsage();
  const data = reportData({ test, scan, results, runName: "bench/20260101T000000.000Z" });
  const dataMs = ms(t0);
  const assets = await loadReportAssets();
  t0 = process.cpuUsage();
  const page = renderReport(data, assets);
  const renderMs = ms(t0);
  const row = { scanMs, dataMs, renderMs, pageMb: Math.round(page.length / 1e5) / 10 };
  console.log(JSON.stringify(row));
}

/** Loads the page in chromium: ms from navigation start to the plots drawn, and any error. */
async function pageLoad(page: string): Promise<string> {
  if (!existsSync(CHROMIUM)) return "skipped (no /usr/bin/chromium: apt-get install -y chromium)";
  await using browser = await launchChromium();
  const tab = await browser.newPage();
  await tab.setViewportSize({ width: 1440, height: 900 });
  const errors: string[] = [];
  tab.on("pageerror", (err) => errors.push(err.message));
  await tab.goto(`file://${page}`, { timeout: 120_000 });
  await tab.waitForFunction("document.documentElement.dataset.plotsDrawn !== undefined", null, {
    timeout: 120_000,
  });
  const drawnMs = (await tab.evaluate(
    'performance.getEntriesByName("faultline:plots-drawn")[0]?.startTime ?? -1',
  )) as number;
  return `${Math.round(drawnMs)} ms${errors.length > 0 ? ` (errors: ${errors.join("; ")})` : ""}`;
}

/** `faultline serve`'s index over a store of `count` runs: the first request and a later one. */
async function serveIndex(count: number): Promise<string> {
  const store = mkdtempSync(join(tmpdir(), "faultline-serve-bench-"));
  try {
    for (let i = 0; i < count; i++) {
      const dir = join(store, `test-${i % 10}`, `20260101T${String(100000 + i).slice(1)}.000Z`);
      mkdirSync(dir, { recursive: true });
      const test = testConfigOf({ name: `test-${i % 10}`, seed: i });
      writeFileSync(join(dir, "test.json"), testJson(test));
      writeFileSync(join(dir, "results.json"), JSON.stringify({ valid: i % 3 === 0, results: {} }));
      writeFileSync(join(dir, "report.html"), "<html></html>");
    }
    const served = await serveStore(store, 0);
    try {
      const timed = async (path: string) => {
        const t0 = performance.now();
        const res = await fetch(new URL(path, served.url));
        await res.text();
        return Math.round(performance.now() - t0);
      };
      const first = await timed("/");
      const again = await timed("/");
      const filtered = await timed("/?verdict=invalid&page=2");
      return `| ${count} | ${first} | ${again} | ${filtered} |`;
    } finally {
      await served.close();
    }
  } finally {
    rmSync(store, { recursive: true, force: true });
  }
}

export default async function (): Promise<void> {
  console.log("serve's index (ms per request):");
  console.log("| runs | first request | again (cached) | filtered, page 2 |");
  console.log("| ---: | ---: | ---: | ---: |");
  console.log(await serveIndex(500));
  const store = mkdtempSync(join(tmpdir(), "faultline-report-bench-"));
  // The CLI's first start after a source change compiles its bundle (bin/compiled-entry.js):
  // build it now, so the rows time the report, not the compile.
  spawnSync(process.execPath, [BIN, "--help"], { stdio: "ignore" });
  try {
    console.log(
      "| client ops | history MB | `faultline report` wall s | CPU s | peak RSS MB | scan CPU ms | data CPU ms | render CPU ms | page MB | page load → plots drawn |",
    );
    console.log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (const size of SIZES) {
      const dir = storedRun(store, size);
      const historyMb = Math.round(readFileSync(join(dir, "history.jsonl")).length / 1e6);
      const command = await reportCommand(dir);
      const child = spawnSync(
        process.execPath,
        ["--import", "tsx", fileURLToPath(import.meta.url)],
        {
          env: { ...process.env, [CHILD]: dir },
          encoding: "utf8",
        },
      );
      if (child.status !== 0) throw new Error(`report bench child failed: ${child.stderr}`);
      const s = JSON.parse(child.stdout.trim()) as Record<string, number>;
      const load = await pageLoad(join(dir, "report.html"));
      console.log(
        `| ${size.toLocaleString("en-US")} | ${historyMb} | ${command.seconds.toFixed(2)} | ${command.cpuSeconds.toFixed(2)} | ${command.peakMb} | ${s.scanMs} | ${s.dataMs} | ${s.renderMs} | ${s.pageMb} | ${load} |`,
      );
      rmSync(join(store, `bench-report-${size}`), { recursive: true, force: true });
    }
  } finally {
    rmSync(store, { recursive: true, force: true });
  }
}

if (process.env[CHILD] !== undefined && process.argv[1] === fileURLToPath(import.meta.url)) {
  await steps(process.env[CHILD]!);
}
