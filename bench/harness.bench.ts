// The harness's recording throughput against a 3-node local cluster (leaderless siblings, fsync
// never, cart workload, 8 clients, --rate 0): a bare loop doing the cart's ops (9 adds : 1 read,
// as its plans draw them) with nothing generated or recorded, the harness's client loop
// (runClients: seeded op stream, every op recorded to history.jsonl) on the same nodes, and a real spawned `faultline run --rate 0` (its own cluster, ops/s from
// its stats checker, plus the rate over the second half of the run, once the JIT is warm). The
// local runtime's link proxies forward all node-to-node traffic inside the measuring process,
// so the first two rows share this process with them, as `faultline run` does. Then what the
// proxies cost: plain PUTs (fresh keys, W=2, 16 in flight) on 3 nodes wired directly, through
// the proxies in this process, and through the proxies in a child process, with CPU per op.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runClients } from "../harness/run/client-loop.js";
import { openHistoryWriter } from "../harness/run/history-writer.js";
import { localRuntime } from "../harness/runtime/local-runtime.js";
import type { Cluster } from "../harness/runtime/runtime.js";
import { clusterSpec } from "../harness/runtime/test-fixtures/cluster-spec.js";
import { nodeDefaults } from "../nodes/node-options.js";
import { killAll, spawnCluster } from "../nodes/server/spawned-node.js";
import { request } from "../nodes/server/test-http-client.js";
import { faultline } from "../systems/faultline/faultline-system.js";
import { cart } from "../workloads/cart-workload.js";
import { runPaths } from "../harness/store/run-store.js";

const SYSTEM = { name: "faultline", strategy: "siblings", fsync: "never" } as const;
const urlOf = (cluster: Cluster, node: string) => {
  const { host, port } = cluster.address(node);
  return `http://${host}:${port}`;
};
const cartOf = (keys: number) => cart.create(cart.schema.parse({ name: "cart", keys }));

const DURATION_MS = 3_000;
const CONCURRENCY = 8;
const CLI_SECONDS = 6;
const PUT_IN_FLIGHT = 16;
const ROOT = fileURLToPath(new URL("../", import.meta.url));

export default async function (): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "harness-bench-"));
  const nodes = ["n1", "n2", "n3"];
  try {
    const spec = clusterSpec("harness-bench", dir, SYSTEM);
    await using cluster = await localRuntime.start(spec);
    const session = faultline.connect(spec.options as never, cluster, { opTimeoutMs: 2_000 });
    const kv = (node: string) => session.client(node);
    const workload = cartOf(16);
    const never = new AbortController().signal;

    // The bare loop: cart ops round-robin over the nodes and 16 keys of its own (carts grow, so
    // each loop starts from empty ones), nothing generated or recorded.
    const bare = async (round: number) => {
      let ops = 0;
      const end = performance.now() + DURATION_MS;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async (_, t) => {
          const client = workload.client(kv);
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
      const keyed = cartOf(16);
      await runClients({
        // Fresh keys per round, as for the bare loop.
        workload: {
          ...keyed,
          plan: (n) => keyed.plan(n).map((p) => ({ ...p, key: `h${round}-${p.key}` })),
        },
        kv,
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
    await session.close();
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
    await proxyCostRows(dir);
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
  const results = JSON.parse(readFileSync(runPaths(runDir).results, "utf8")) as {
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
  for (const line of readFileSync(runPaths(runDir).history, "utf8").split("\n")) {
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

const PUT_NODE = {
  ...nodeDefaults,
  build: "leaderless",
  strategy: "siblings",
  fsync: "never",
  w: 2,
  r: 2,
} as const;

/** A PUT target: the nodes' URLs, the pids whose CPU counts besides this process's, a stop. */
interface PutTarget {
  urls: string[];
  pids: number[];
  stop: () => Promise<void>;
}

/**
 * PUT throughput on 3 nodes wired directly, through the link proxies in this process (as in
 * `faultline run`), and through the proxies in a child process (a stand-in for a proxy host).
 * The CPU columns tell whether this process's event loop is what limits the proxied rows.
 */
async function proxyCostRows(dir: string): Promise<void> {
  const ids = ["n1", "n2", "n3"];
  const targets: [string, () => Promise<PutTarget>][] = [
    [
      "wired directly (no proxies)",
      async () => {
        const nodes = await spawnCluster({
          ids,
          dataRoot: join(dir, "put-direct"),
          node: PUT_NODE,
        });
        return {
          urls: nodes.map((n) => n.url),
          pids: nodes.map((n) => n.child.pid!),
          stop: () => killAll(nodes),
        };
      },
    ],
    [
      "proxies in this process",
      async () => {
        const cluster = await localRuntime.start(putSpec(join(dir, "put-proxied")));
        return {
          urls: ids.map((n) => urlOf(cluster, n)),
          pids: ids.map((n) => cluster.pid(n)!),
          stop: () => cluster.stop(),
        };
      },
    ],
    ["proxies in a child process", () => startProxiedChild(join(dir, "put-child"))],
  ];
  console.log(
    `\nPUT, 3 leaderless nodes (fsync never, W=2, fresh keys round-robin), ${PUT_IN_FLIGHT} in flight, ` +
      `${DURATION_MS / 1000} s each; CPU µs per op of all processes, and this process's CPU share`,
  );
  for (const [what, start] of targets) {
    const target = await start();
    try {
      const m = await measurePuts(target);
      console.log(
        `${what.padEnd(38)}${m.opsPerS.toFixed(0).padStart(6)} ops/s  ` +
          `${m.totalCpuUs.toFixed(0).padStart(5)} µs/op  this process ${m.selfCpuPct.toFixed(0)}%` +
          (m.errors > 0 ? `  (${m.errors} errors)` : ""),
      );
    } finally {
      await target.stop();
    }
  }
}

function putSpec(runDir: string) {
  return clusterSpec("harness-bench-put", runDir, SYSTEM);
}

/** A child Node.js that starts the local cluster (proxies and all) and stops it on stdin EOF. */
async function startProxiedChild(runDir: string): Promise<PutTarget> {
  const script = `
    const { localRuntime } = await import(${JSON.stringify(`${ROOT}harness/runtime/local-runtime.ts`)});
    const { clusterSpec } = await import(${JSON.stringify(`${ROOT}harness/runtime/test-fixtures/cluster-spec.ts`)});
    const spec = clusterSpec("harness-bench-put", process.argv[1], JSON.parse(process.argv[2]));
    const cluster = await localRuntime.start(spec);
    const url = (n) => "http://" + cluster.address(n).host + ":" + cluster.address(n).port;
    console.log(JSON.stringify({
      urls: spec.nodeIds.map(url),
      pids: [process.pid, ...spec.nodeIds.map((n) => cluster.pid(n))],
    }));
    process.stdin.on("end", async () => { await cluster.stop(); process.exit(0); }).resume();`;
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "--input-type=module", "-e", script, runDir, JSON.stringify(SYSTEM)],
    { cwd: ROOT, stdio: ["pipe", "pipe", "inherit"] },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let out = "";
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding("utf8").on("data", (c: string) => {
      out += c;
      if (out.includes("\n")) resolve(out.slice(0, out.indexOf("\n")));
    });
    void exited.then(() => reject(new Error(`the proxied-cluster child exited early: ${out}`)));
  });
  const { urls, pids } = JSON.parse(line) as { urls: string[]; pids: number[] };
  return {
    urls,
    pids,
    stop: async () => {
      child.stdin.end();
      await exited;
    },
  };
}

async function measurePuts(target: PutTarget) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: PUT_IN_FLIGHT });
  const run = async (ms: number, from: number) => {
    let next = from;
    let ok = 0;
    let errors = 0;
    const end = performance.now() + ms;
    await Promise.all(
      Array.from({ length: PUT_IN_FLIGHT }, async () => {
        while (performance.now() < end) {
          const n = next++;
          const url = target.urls[n % target.urls.length]!;
          const answer = await request(url, "PUT", `/kv/k${n}`, { agent, body: `{"value":${n}}` })
            .then((a) => a.status)
            .catch(() => 0);
          if (answer === 200) ok++;
          else errors++;
        }
      }),
    );
    return { ok, errors, next };
  };
  const warm = await run(500, 0);
  const self0 = process.cpuUsage();
  const others0 = processesCpuUs(target.pids);
  const started = performance.now();
  const { ok, errors } = await run(DURATION_MS, warm.next);
  const elapsedMs = performance.now() - started;
  const self = process.cpuUsage(self0);
  const selfUs = self.user + self.system;
  const othersUs = processesCpuUs(target.pids) - others0;
  agent.destroy();
  return {
    opsPerS: (ok * 1000) / elapsedMs,
    errors,
    totalCpuUs: (selfUs + othersUs) / Math.max(1, ok),
    selfCpuPct: (selfUs / 1000 / elapsedMs) * 100,
  };
}

/** User + system CPU of these processes in µs (Linux /proc; 0 elsewhere). */
function processesCpuUs(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      // Fields after the command name: utime and stime are the 14th and 15th of the line.
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // No /proc (not Linux) or the process is gone.
    }
  }
  return ticks * 10_000; // USER_HZ = 100 on Linux
}
