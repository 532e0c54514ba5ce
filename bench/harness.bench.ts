// The harness's recording throughput against a 3-node local cluster (leaderless siblings, fsync
// never, cart workload, 8 clients, --rate 0): a bare loop doing the cart's ops (9 adds : 1 read,
// as its plans draw them) with nothing generated or recorded, the harness's client loop
// (runClients: seeded op stream, every op recorded to history.jsonl) on the same nodes, and a real spawned `faultline run --rate 0` (its own cluster, ops/s from
// its stats checker, plus the rate over the second half of the run, once the JIT is warm). The
// local runtime's link proxies forward all node-to-node traffic inside the measuring process,
// so the first two rows share this process with them, as `faultline run` does.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { nodeDefaults } from "../nodes/node-options.js";
import { runClients } from "../harness/run/client-loop.js";
import { openHistoryWriter } from "../harness/run/history-writer.js";
import { localRuntime } from "../harness/runtime/local-runtime.js";
import { cart } from "../workloads/cart-workload.js";
import { createNodeClient } from "../workloads/node-client.js";

const DURATION_MS = 3_000;
const CONCURRENCY = 8;
const CLI_SECONDS = 6;
const ROOT = fileURLToPath(new URL("../", import.meta.url));

export default async function (): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "harness-bench-"));
  const nodes = ["n1", "n2", "n3"];
  try {
    await using cluster = await localRuntime.start({
      name: "harness-bench",
      runDir: dir,
      nodeIds: nodes,
      node: { build: "leaderless", strategy: "siblings", ...nodeDefaults, fsync: "never" },
      linkFault: "blackhole",
    });
    const http = createNodeClient({ urlOf: (n) => cluster.url(n), timeoutMs: 2_000 });
    const workload = cart({ keyCount: 16 });
    const never = new AbortController().signal;

    // The bare loop: cart ops round-robin over the nodes and 16 keys of its own (carts grow, so
    // each loop starts from empty ones), nothing generated or recorded.
    const bare = async (round: number) => {
      let ops = 0;
      const end = performance.now() + DURATION_MS;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async (_, t) => {
          const client = workload.client(http);
          for (let i = 0; performance.now() < end; i++) {
            const key = `bare${round}-${((i * CONCURRENCY + t) % 16) + 1}`;
            const invocation = client.invoke(
              { f: i % 10 === 9 ? "read" : "add", key, nodeIndex: 0 },
              nodes[(t + i) % 3]!,
              i * CONCURRENCY + t + 1,
            );
            await client.complete(invocation, never);
            ops++;
          }
        }),
      );
      return (ops * 1000) / DURATION_MS;
    };

    // The harness loop: seeded plans, history.jsonl, invoke + completion per op.
    const harness = async (round: number) => {
      const history = openHistoryWriter(join(dir, `history-${round}.jsonl`));
      const stop = new AbortController();
      const timer = setTimeout(() => stop.abort(), DURATION_MS);
      const started = performance.now();
      const keyed = cart({ keyCount: 16 });
      await runClients({
        // Fresh keys per round, as for the bare loop.
        workload: {
          ...keyed,
          plan: (n) => keyed.plan(n).map((p) => ({ ...p, key: `h${round}-${p.key}` })),
        },
        http,
        nodes,
        concurrency: CONCURRENCY,
        rate: 0,
        seed: round,
        history,
        stop: stop.signal,
        interrupt: never,
      });
      const elapsedMs = performance.now() - started;
      clearTimeout(timer);
      history.close();
      const { ok, fail, info } = history.counts;
      return { rate: ((ok + fail + info) * 1000) / elapsedMs, ok, fail, info };
    };

    // Round 0 warms the nodes and the JIT up; round 1 is reported.
    await bare(0);
    await harness(0);
    const bareRate = await bare(1);
    const run = await harness(1);
    http.close();
    await cluster[Symbol.asyncDispose]();
    const cli = await runCli(join(dir, "store"));
    const pct = (rate: number) => `${((rate / bareRate) * 100).toFixed(0)}% of bare`;
    const row = (what: string, rate: number, note: string) =>
      console.log(`${what.padEnd(38)}${rate.toFixed(0).padStart(6)} ops/s  ${note}`);
    console.log(
      `3 local nodes (leaderless siblings, fsync never), cart, ${CONCURRENCY} clients, --rate 0; ` +
        `load average ${loadavg()
          .map((l) => l.toFixed(1))
          .join(" ")}`,
    );
    row(`bare client loop (${DURATION_MS / 1000} s, warm)`, bareRate, "");
    row(
      `harness client loop (${DURATION_MS / 1000} s, warm)`,
      run.rate,
      `(${pct(run.rate)}; ${run.ok} ok, ${run.fail} fail, ${run.info} info)`,
    );
    row(
      `faultline run --rate 0 (${CLI_SECONDS} s, cold)`,
      cli.statsRate,
      `(${pct(cli.statsRate)}; stats opsPerSecond incl. start-up; ${cli.ok} ok, ${cli.fail} fail, ${cli.info} info)`,
    );
    row(
      "  … its second half",
      cli.secondHalfRate,
      `(${pct(cli.secondHalfRate)}; completions in the last ${CLI_SECONDS / 2} s of the clients)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Spawns `faultline run --rate 0` on its own 3-node cluster and reads its stats and history. */
async function runCli(store: string) {
  const args = [
    `${ROOT}bin/faultline.js`,
    "run",
    ...["--build", "leaderless", "--strategy", "siblings", "--fsync", "never"],
    ...["--workload", "cart", "--keys", "16", "--nemesis", "none", "--rate", "0"],
    ...["--concurrency", String(CONCURRENCY), "--time-limit", String(CLI_SECONDS)],
    ...["--seed", "1", "--store", store],
  ];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
  child.stderr.setEncoding("utf8").on("data", (c: string) => (out += c));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  const runDir = /^run: (.+)$/m.exec(out)?.[1];
  if (code !== 0 || runDir === undefined) throw new Error(`faultline run exited ${code}:\n${out}`);
  const results = JSON.parse(readFileSync(join(runDir, "results.json"), "utf8")) as {
    results: {
      stats: {
        opsPerSecond: number;
        byF: Record<string, { ok: number; fail: number; info: number }>;
      };
    };
  };
  const stats = results.results.stats;
  const clientOps = Object.entries(stats.byF).filter(([f]) => f !== "final-read");
  const sum = (k: "ok" | "fail" | "info") => clientOps.reduce((n, [, s]) => n + s[k], 0);
  // Completions of client ops (not final reads) in the second half of the clients' time.
  const halfNs = (CLI_SECONDS / 2) * 1e9;
  let late = 0;
  for (const line of readFileSync(join(runDir, "history.jsonl"), "utf8").split("\n")) {
    if (line === "") continue;
    const op = JSON.parse(line) as { type: string; f: string; process: unknown; time: number };
    if (op.type === "invoke" || op.f === "final-read" || op.process === "nemesis") continue;
    if (op.time >= halfNs && op.time < 2 * halfNs) late++;
  }
  return {
    statsRate: stats.opsPerSecond,
    secondHalfRate: late / (CLI_SECONDS / 2),
    ok: sum("ok"),
    fail: sum("fail"),
    info: sum("info"),
  };
}
