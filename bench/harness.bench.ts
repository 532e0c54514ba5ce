// The harness's recording throughput: ops/s that `faultline run`'s client loop (seeded op stream,
// cart workload, every op recorded to history.jsonl) sustains at --rate 0 against a 3-node local
// cluster, next to a bare loop doing the same cart adds on the same nodes with nothing recorded.
// The gap is what generation + recording cost; both are bounded by the nodes themselves.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nodeDefaults } from "../nodes/node-options.js";
import { runClients } from "../harness/run/client-loop.js";
import { openHistoryWriter } from "../harness/run/history-writer.js";
import { localRuntime } from "../harness/runtime/local-runtime.js";
import { cart } from "../workloads/cart-workload.js";
import { createNodeClient } from "../workloads/node-client.js";

const DURATION_MS = 3_000;
const CONCURRENCY = 8;

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

    // The bare loop: cart adds round-robin over the nodes and 16 keys of its own (carts grow, so
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
              { f: "add", key, nodeIndex: 0 },
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
    const harnessRate = run.rate;
    console.log(
      `3 local nodes (leaderless siblings, fsync never), cart adds, ${CONCURRENCY} clients, ${DURATION_MS / 1000} s each`,
    );
    console.log(`bare client loop        ${bareRate.toFixed(0).padStart(6)} ops/s`);
    console.log(
      `faultline run --rate 0  ${harnessRate.toFixed(0).padStart(6)} ops/s  (${((harnessRate / bareRate) * 100).toFixed(0)}% of bare; ${run.ok} ok, ${run.fail} fail, ${run.info} info)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
