// The docker runtime next to the local one: cluster start (and stop) time for 3 and 5 nodes,
// partition apply / heal time (iptables in the containers vs the local link proxies), simple PUT
// throughput (16 in flight, W=2) and the harness's own ops/s in a short `faultline run` at max rate.
// Prints "docker unavailable, skipped" when there is no Docker engine.
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { nodeDefaults } from "../nodes/node-options.js";
import { dockerUnavailableReason } from "../harness/runtime/docker-engine.js";
import { dockerImageBuilder } from "../harness/runtime/docker-image.js";
import { dockerRuntime } from "../harness/runtime/docker-runtime.js";
import { localRuntime } from "../harness/runtime/local-runtime.js";
import type { Cluster, ClusterSpec, Link, Runtime } from "../harness/runtime/runtime.js";
import { clusterSpec } from "../harness/runtime/test-fixtures/cluster-spec.js";
import { faultlineNodeImage } from "../systems/faultline/faultline-image.js";

const IN_FLIGHT = 16;
const PUT_MS = 3_000;
const RUN_SECONDS = 4;
const PARTITION_ROUNDS = 3;
const BIN = fileURLToPath(new URL("../bin/faultline.js", import.meta.url));

export default async function benchDocker(): Promise<void> {
  const reason = await dockerUnavailableReason();
  if (reason !== undefined) {
    console.log(`docker unavailable, skipped (${reason})`);
    return;
  }
  const imageStarted = performance.now();
  const image = await faultlineNodeImage(dockerImageBuilder());
  console.log(`node image ${image} ready in ${seconds(performance.now() - imageStarted)}`);

  const dir = await mkdtemp(join(tmpdir(), "faultline-bench-docker-"));
  try {
    const runtimes: Runtime[] = [localRuntime, dockerRuntime];
    console.log("\nruntime  nodes  start s  stop s  partition ms (halves)  heal ms");
    for (const nodeCount of [3, 5]) {
      for (const runtime of runtimes) {
        const spec = benchSpec(dir, `${runtime.name}-${nodeCount}`, nodeCount);
        const t0 = performance.now();
        const cluster = await runtime.start(spec);
        const startMs = performance.now() - t0;
        const { cutMs, healMs } = await partitionTimes(cluster);
        const t1 = performance.now();
        await cluster.stop();
        const stopMs = performance.now() - t1;
        console.log(
          `${runtime.name.padEnd(7)}  ${String(nodeCount).padStart(5)}  ${seconds(startMs).padStart(7)}  ${seconds(stopMs).padStart(6)}  ${cutMs.toFixed(1).padStart(21)}  ${healMs.toFixed(1).padStart(7)}`,
        );
      }
    }

    console.log(
      `\nruntime  PUT ops/s (3 nodes, W=2, fsync ${nodeDefaults.fsync}, ${IN_FLIGHT} in flight, fresh keys)  p50 ms  p99 ms  errors`,
    );
    for (const runtime of runtimes) {
      const cluster = await runtime.start(benchSpec(dir, `${runtime.name}-put`, 3));
      try {
        const row = await measurePuts(cluster);
        console.log(
          `${runtime.name.padEnd(7)}  ${row.opsPerS.toFixed(0).padStart(67)}  ${row.p50Ms.toFixed(1).padStart(6)}  ${row.p99Ms.toFixed(1).padStart(6)}  ${String(row.errors).padStart(6)}`,
        );
      } finally {
        await cluster.stop();
      }
    }

    console.log(
      `\nruntime  faultline run ops/s (cart, siblings, ${RUN_SECONDS} s, max rate, no faults)`,
    );
    for (const runtime of runtimes) {
      console.log(
        `${runtime.name.padEnd(7)}  ${(await harnessOpsPerS(dir, runtime.name)).toFixed(0)}`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function benchSpec(dir: string, name: string, nodeCount: number): ClusterSpec {
  return clusterSpec(`faultline-bench-${name}-${process.pid}`, join(dir, name), {
    name: "faultline",
    strategy: "siblings",
    nodes: nodeCount,
  });
}

/** Median time to cut the cluster into two halves, and to heal it, over a few rounds. */
async function partitionTimes(cluster: Cluster): Promise<{ cutMs: number; healMs: number }> {
  const half = Math.floor(cluster.nodes.length / 2);
  const left = cluster.nodes.slice(0, half);
  const right = cluster.nodes.slice(half);
  const links: Link[] = left.flatMap((a) =>
    right.flatMap((b): Link[] => [
      [a, b],
      [b, a],
    ]),
  );
  const cuts: number[] = [];
  const heals: number[] = [];
  for (let i = 0; i < PARTITION_ROUNDS; i++) {
    const t0 = performance.now();
    await cluster.cutLinks(links);
    const t1 = performance.now();
    await cluster.healLinks();
    cuts.push(t1 - t0);
    heals.push(performance.now() - t1);
  }
  return { cutMs: median(cuts), healMs: median(heals) };
}

async function measurePuts(
  cluster: Cluster,
): Promise<{ opsPerS: number; p50Ms: number; p99Ms: number; errors: number }> {
  const latencies: number[] = [];
  let errors = 0;
  let seq = 0;
  const deadline = performance.now() + PUT_MS;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (performance.now() < deadline) {
        const i = seq++;
        const node = cluster.nodes[i % cluster.nodes.length]!;
        const t0 = performance.now();
        try {
          // A fresh key per PUT: blind writes to one key would pile up siblings and measure that.
          const { host, port } = cluster.address(node);
          const res = await fetch(`http://${host}:${port}/kv/k${i}?w=2`, {
            method: "PUT",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ value: i }),
          });
          await res.arrayBuffer();
          if (res.ok) latencies.push(performance.now() - t0);
          else errors++;
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsedS = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => latencies[Math.floor(q * (latencies.length - 1))] ?? Number.NaN;
  return { opsPerS: latencies.length / elapsedS, p50Ms: at(0.5), p99Ms: at(0.99), errors };
}

/** okPerSecond of a short `faultline run` at max rate (the stats checker's figure). */
async function harnessOpsPerS(dir: string, runtime: string): Promise<number> {
  const store = join(dir, `run-${runtime}`);
  const out = spawnSync(
    process.execPath,
    [BIN, "run", "--runtime", runtime, "--name", `faultline-bench-run-${process.pid}`]
      .concat(["--build", "leaderless", "--strategy", "siblings", "--workload", "cart"])
      .concat(["--nemesis", "none", "--rate", "0", "--time-limit", String(RUN_SECONDS)])
      .concat(["--store", store, "--seed", "1"]),
    { encoding: "utf8" },
  );
  const runDir = /^run: (.+)$/m.exec(out.stdout)?.[1];
  if (runDir === undefined) {
    throw new Error(
      `faultline run --runtime ${runtime} failed (exit ${out.status}): ${out.stderr}`,
    );
  }
  const results = JSON.parse(await readFile(join(runDir, "results.json"), "utf8")) as {
    results: { stats?: { okPerSecond?: number } };
  };
  return results.results.stats?.okPerSecond ?? Number.NaN;
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(2);
}
