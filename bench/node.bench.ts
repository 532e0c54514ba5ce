// Throughput of real `faultline node` processes: one keep-alive client with 16 requests in flight,
// GET and PUT on one node (fsync always / never), PUT on a 3-node leaderless cluster with W=2 and
// on a 3-node leader cluster under acks one / quorum / all (plus its reads: read-index through the
// leader, and r=1), next to the same client against a bare node:http server that only answers (the
// ceiling on this machine). Each row runs a few seconds; the client shares the machine with the
// nodes. Besides ops/s (which moves with whatever else the machine runs) each row gives the CPU
// time per op of the server processes and of the client (Linux /proc), steadier on a shared machine.
// Then elections: the leader of a 3-node cluster is killed (-9) again and again; each round times
// the kill → a new leader every survivor follows, and the kill → the first write acknowledged.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import {
  awaitLeader,
  type ClusterSpec,
  health,
  killAll,
  restartNode,
  type SpawnedNode,
  spawnCluster,
} from "../nodes/server/spawned-node.js";
import { nodeDefaults } from "../nodes/node-options.js";
import { request } from "../nodes/server/test-http-client.js";

const IN_FLIGHT = 16;
const MEASURE_MS = Number(process.env.BENCH_NODE_MS ?? 3000);
const WARMUP_MS = 500;
const ELECTIONS = Number(process.env.BENCH_ELECTIONS ?? 15);

interface Row {
  target: string;
  op: string;
  opsPerS: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** CPU µs per op of the server processes together, and of this (client) process. */
  serverCpuUs: number | undefined;
  clientCpuUs: number;
}

export default async function benchNode(): Promise<void> {
  const dataRoot = await mkdtemp(join(tmpdir(), "faultline-bench-"));
  const rows: Row[] = [];
  const live: SpawnedNode[] = [];
  try {
    const bare = await startBareServer();
    try {
      rows.push(await measure("bare node:http server", "GET", bare.url, get, [bare.pid]));
      rows.push(await measure("bare node:http server", "PUT", bare.url, put, [bare.pid]));
    } finally {
      bare.stop();
    }
    for (const fsync of ["always", "never"] as const) {
      const [node] = await spawnCluster({
        ids: ["n1"],
        dataRoot: join(dataRoot, `single-${fsync}`),
        node: { build: "leaderless", strategy: "siblings", fsync, w: 1, r: 1 },
      });
      live.push(node!);
      const pids = [node!.child.pid];
      rows.push(await measure(`1 node, fsync ${fsync}`, "PUT", node!.url, put, pids));
      rows.push(await measure(`1 node, fsync ${fsync}`, "GET", node!.url, get, pids));
      await killAll(live.splice(0));
    }
    for (const fsync of ["always", "never"] as const) {
      const cluster = await spawnCluster({
        ids: ["n1", "n2", "n3"],
        dataRoot: join(dataRoot, `cluster-${fsync}`),
        node: { build: "leaderless", strategy: "siblings", fsync, w: 2, r: 2 },
      });
      live.push(...cluster);
      rows.push(
        await measure(
          `3 nodes leaderless W=2, fsync ${fsync}`,
          "PUT",
          cluster[0]!.url,
          put,
          cluster.map((n) => n.child.pid),
        ),
      );
      await killAll(live.splice(0));
    }
    for (const acks of ["one", "quorum", "all"] as const) {
      const cluster = await spawnCluster({
        ids: ["n1", "n2", "n3"],
        dataRoot: join(dataRoot, `leader-${acks}`),
        node: { build: "leader", strategy: "lww", fsync: "always", acks },
      });
      live.push(...cluster);
      const leader = await awaitLeader(cluster);
      const pids = cluster.map((n) => n.child.pid);
      const target = `3 nodes leader, acks ${acks}, fsync always`;
      rows.push(await measure(target, "PUT", leader.url, put, pids));
      if (acks === "quorum") {
        rows.push(await measure(target, "GET (read-index)", leader.url, get, pids));
        rows.push(await measure(target, "GET r=1", leader.url, getLocal, pids));
      }
      await killAll(live.splice(0));
    }
  } finally {
    await killAll(live);
  }
  printTable(rows);
  try {
    printElections(await measureElections(join(dataRoot, "elections")));
  } finally {
    await rm(dataRoot, { recursive: true, force: true });
  }
}

interface Election {
  electedMs: number;
  firstWriteMs: number;
}

/** Kills the leader ELECTIONS times; each round restarts it and waits until it follows again. */
async function measureElections(dir: string): Promise<Election[]> {
  const spec: ClusterSpec = {
    ids: ["n1", "n2", "n3"],
    dataRoot: dir,
    node: { build: "leader", strategy: "lww", fsync: "always", acks: "quorum" },
  };
  let cluster = await spawnCluster(spec);
  const rounds: Election[] = [];
  try {
    for (let i = 0; i < ELECTIONS; i++) {
      const leader = await awaitLeader(cluster);
      const { term } = (await health(leader))!;
      const survivors = cluster.filter((n) => n !== leader);
      const killedAt = performance.now();
      const firstWrite = firstAcknowledgedWrite(survivors[0]!, `e${i}`);
      await leader.kill9();
      await awaitLeader(survivors, { afterTerm: term, pollMs: 2 });
      const electedMs = performance.now() - killedAt;
      const firstWriteMs = (await firstWrite) - killedAt;
      rounds.push({ electedMs, firstWriteMs });
      console.log(
        `  election ${i + 1}: ${electedMs.toFixed(0)} ms, first write ${firstWriteMs.toFixed(0)} ms`,
      );
      const back = await restartNode(spec, leader, survivors);
      cluster = [...survivors, back];
      await awaitLeader(cluster);
    }
  } finally {
    await killAll(cluster);
  }
  return rounds;
}

/**
 * Writes to `node` (a survivor) in a loop from now on, giving up on each after 100 ms as an
 * impatient client would; resolves with the time the first write after a failed one is
 * acknowledged (writes acknowledged before the leader died do not count).
 */
async function firstAcknowledgedWrite(node: SpawnedNode, key: string): Promise<number> {
  const agent = new http.Agent({ keepAlive: true });
  let failed = false;
  try {
    for (let n = 0; ; n++) {
      const status = await request(node.url, "PUT", `/kv/${key}`, {
        agent,
        body: `{"value":${n}}`,
        timeoutMs: 100,
      }).then(
        (a) => a.status,
        () => 0,
      );
      if (status === 200 && failed) return performance.now();
      if (status !== 200) failed = true;
      if (status !== 200) await new Promise((r) => setTimeout(r, 2));
    }
  } finally {
    agent.destroy();
  }
}

type Op = (baseUrl: string, agent: http.Agent, n: number) => Promise<number>;

/** PUTs go to fresh keys (no sibling growth); GETs read keys the PUT row wrote. */
const put: Op = async (baseUrl, agent, n) =>
  (await request(baseUrl, "PUT", `/kv/k${n}`, { agent, body: `{"value":${n}}` })).status;
const get: Op = async (baseUrl, agent, n) =>
  (await request(baseUrl, "GET", `/kv/k${n % 1000}`, { agent })).status;
const getLocal: Op = async (baseUrl, agent, n) =>
  (await request(baseUrl, "GET", `/kv/k${n % 1000}?r=1`, { agent })).status;

async function measure(
  target: string,
  op: string,
  baseUrl: string,
  call: Op,
  serverPids: readonly (number | undefined)[],
): Promise<Row> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  let next = 0;
  let errors = 0;
  const latenciesMs: number[] = [];
  let recording = false;
  const endAt = performance.now() + WARMUP_MS + MEASURE_MS;
  let cpuAtStart: { server: number | undefined; client: NodeJS.CpuUsage } | undefined;
  setTimeout(() => {
    recording = true;
    cpuAtStart = { server: processesCpuUs(serverPids), client: process.cpuUsage() };
  }, WARMUP_MS);
  const worker = async (): Promise<void> => {
    while (performance.now() < endAt) {
      const start = performance.now();
      const status = await call(baseUrl, agent, next++).catch(() => 0);
      if (!recording) continue;
      if (status !== 200) errors++;
      else latenciesMs.push(performance.now() - start);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const serverNow = processesCpuUs(serverPids);
  const client = process.cpuUsage(cpuAtStart?.client);
  agent.destroy();
  const ops = Math.max(1, latenciesMs.length);
  latenciesMs.sort((a, b) => a - b);
  const at = (q: number) =>
    latenciesMs[Math.min(latenciesMs.length - 1, Math.floor(q * latenciesMs.length))] ?? 0;
  const row = {
    target,
    op,
    opsPerS: latenciesMs.length / (MEASURE_MS / 1000),
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    errors,
    serverCpuUs:
      serverNow === undefined || cpuAtStart?.server === undefined
        ? undefined
        : (serverNow - cpuAtStart.server) / ops,
    clientCpuUs: (client.user + client.system) / ops,
  };
  console.log(`  ${target} ${op}: ${Math.round(row.opsPerS)} ops/s`);
  return row;
}

/** User + system CPU of these processes in µs (Linux /proc), or undefined where unavailable. */
function processesCpuUs(pids: readonly (number | undefined)[]): number | undefined {
  try {
    let ticks = 0;
    for (const pid of pids) {
      if (pid === undefined) return undefined;
      // Fields after the command name: state is field 3, utime and stime are 14 and 15.
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    }
    return ticks * 10_000; // USER_HZ = 100 on Linux
  } catch {
    return undefined;
  }
}

/** A node:http server in its own process that answers every request with `{}`. */
async function startBareServer(): Promise<{
  url: string;
  pid: number | undefined;
  stop: () => void;
}> {
  const code = `
    const http = require("node:http");
    const server = http.createServer({ keepAliveTimeout: 65000 }, (req, res) => {
      req.resume();
      req.on("end", () => res.writeHead(200, { "content-type": "application/json", "content-length": 2 }).end("{}"));
    });
    server.listen(0, "127.0.0.1", () => console.error("listening bare http://127.0.0.1:" + server.address().port));
    process.stdin.on("end", () => process.exit(0)).resume();`;
  const child = spawn(process.execPath, ["-e", code], { stdio: ["pipe", "ignore", "pipe"] });
  const url = await new Promise<string>((resolve, reject) => {
    let err = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      err += chunk;
      const match = /listening bare (http:\/\/\S+)/.exec(err);
      if (match) resolve(match[1]!);
    });
    child.once("exit", (c) => reject(new Error(`bare server exited ${c}: ${err}`)));
  });
  return { url, pid: child.pid, stop: () => child.kill("SIGKILL") };
}

function printTable(rows: Row[]): void {
  const header = [
    "target",
    "op",
    "ops/s",
    "p50 ms",
    "p99 ms",
    "errors",
    "server µs/op",
    "client µs/op",
  ];
  const cells = rows.map((r) => [
    r.target,
    r.op,
    String(Math.round(r.opsPerS)),
    r.p50Ms.toFixed(2),
    r.p99Ms.toFixed(2),
    String(r.errors),
    r.serverCpuUs === undefined ? "-" : r.serverCpuUs.toFixed(0),
    r.clientCpuUs.toFixed(0),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c.map((x, i) => (i < 2 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join("  ");
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");
  console.log(
    `\n${IN_FLIGHT} requests in flight over keep-alive, ${MEASURE_MS} ms per row; load average ${load}`,
  );
  console.log(line(header));
  for (const c of cells) console.log(line(c));
}

function printElections(rounds: Election[]): void {
  const quantile = (values: number[], q: number) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
  };
  const row = (name: string, values: number[]) =>
    `${name.padEnd(30)}${quantile(values, 0.5).toFixed(0).padStart(8)}${quantile(values, 0.99).toFixed(0).padStart(8)}${Math.max(
      ...values,
    )
      .toFixed(0)
      .padStart(8)}`;
  console.log(
    `\nkill -9 of the leader of 3 nodes (acks quorum, election timeout ${nodeDefaults.electionTimeoutMs} ms), ${rounds.length} rounds`,
  );
  console.log(
    `${"".padEnd(30)}${"p50 ms".padStart(8)}${"p99 ms".padStart(8)}${"max ms".padStart(8)}`,
  );
  console.log(
    row(
      "kill → new leader followed",
      rounds.map((r) => r.electedMs),
    ),
  );
  console.log(
    row(
      "kill → first write acknowledged",
      rounds.map((r) => r.firstWriteMs),
    ),
  );
}
