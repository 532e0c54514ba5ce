// The runner: one test from a resolved config to a verdict. store dir → test.json → cluster
// (`await using`, so every exit path stops it) → clients at the target rate + the nemesis until
// the time limit → heal everything → final reads until the nodes agree or quiescence times out →
// node dumps → checkRun. An interrupt (Ctrl-C) stops clients and nemesis, heals nothing, flushes
// the history and stops the cluster; the history is closed (flushed) on every path.
import { writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import type { NodeId } from "../../nodes/core/replica.js";
import { createNodeClient, type NodeClient } from "../../workloads/node-client.js";
import { workloads } from "../../workloads/workloads.js";
import { checkRun, type RunCheckResult } from "../check-run.js";
import type { TestConfig } from "../config/test-config.js";
import type { Runtime } from "../runtime/runtime.js";
import { runClients } from "./client-loop.js";
import { finalReads } from "./final-reads.js";
import { type HistoryWriter, openHistoryWriter } from "./history-writer.js";
import { createRunDir } from "./run-store.js";
import type { RunStatus } from "./run-status.js";

/** The nemesis API the runner calls (contract 6): harness/nemesis, or a fake in tests. */
export type NemesisApi = Pick<
  typeof import("../nemesis/nemesis.js"),
  "planFaults" | "runNemesis" | "healEverything"
>;

export interface RunDeps {
  runtime: Runtime;
  nemesis: NemesisApi;
}

export interface RunOptions {
  /** Aborted on Ctrl-C / SIGTERM. */
  interrupt: AbortSignal;
  status: RunStatus;
  /** The runtime and nemesis (tests pass fakes); by default the config's runtime and harness/nemesis. */
  deps?: RunDeps;
  /** Pause between final-read rounds that did not agree. */
  finalReadIntervalMs?: number;
}

export interface RunOutcome {
  runDir: string;
  interrupted: boolean;
  /** Absent when interrupted. */
  check?: RunCheckResult;
  finalReads?: { rounds: number; agreed: boolean };
}

async function defaultDeps(config: TestConfig): Promise<RunDeps> {
  const [{ runtimes }, nemesis] = await Promise.all([
    import("../runtime/runtimes.js"),
    import("../nemesis/nemesis.js"),
  ]);
  return { runtime: runtimes[config.runtime], nemesis };
}

/** Saves every node's GET /admin/dump as nodes/<id>.dump.json (an error note when it fails). */
async function saveDumps(
  http: NodeClient,
  nodes: readonly NodeId[],
  runDir: string,
): Promise<void> {
  await Promise.all(
    nodes.map(async (node) => {
      const result = await http.dump(node);
      const body = result.ok ? result.body : { node, error: result.error };
      await writeFile(
        join(runDir, "nodes", `${node}.dump.json`),
        `${JSON.stringify(body, null, 2)}\n`,
      );
    }),
  );
}

export async function runTest(config: TestConfig, options: RunOptions): Promise<RunOutcome> {
  const { interrupt, status } = options;
  const deps = options.deps ?? (await defaultDeps(config));
  const nodeIds = Array.from({ length: config.nodeCount }, (_, i) => `n${i + 1}`);
  const leader = config.build === "leader" ? nodeIds[0] : undefined;
  // Planned before anything exists on disk: a plan that cannot be made leaves no empty run.
  const { kinds, linkFault: _, ...faults } = config.nemesis;
  const schedule =
    kinds.length === 0
      ? []
      : deps.nemesis.planFaults(
          { kinds: [...kinds], ...faults, partitionShapes: [...faults.partitionShapes] },
          nodeIds,
          leader,
          config.seed,
          config.timeLimitMs,
        );
  const runDir = createRunDir(config.storeDir, config.name);
  status.runDir = runDir;
  await writeFile(join(runDir, "test.json"), `${JSON.stringify(config, null, 2)}\n`);
  // The history exists (empty) from the start; its clock starts with the clients.
  await writeFile(join(runDir, "history.jsonl"), "");
  let opened: HistoryWriter | undefined;

  const workload = workloads[config.workload]({
    keyCount: config.keyCount,
    itemsPerKey: config.itemsPerKey,
  });
  let finalResult: RunOutcome["finalReads"];

  try {
    await using cluster = await deps.runtime.start({
      name: `${config.name}-${basename(runDir)}`,
      runDir,
      nodeIds,
      node: {
        build: config.build,
        strategy: config.strategy,
        ...config.node,
        seed: config.seed,
        ...(leader !== undefined && { leader }),
      },
      linkFault: config.nemesis.linkFault,
    });
    const http = createNodeClient({
      urlOf: (node) => cluster.url(node),
      timeoutMs: config.opTimeoutMs,
    });
    const history = openHistoryWriter(join(runDir, "history.jsonl"));
    opened = history;
    status.counts = history.counts;
    status.flushHistory = () => history.flush();
    try {
      if (interrupt.aborted) return { runDir, interrupted: true };
      const stop = new AbortController();
      const stopNow = () => stop.abort();
      interrupt.addEventListener("abort", stopNow, { once: true });
      const timer = setTimeout(stopNow, config.timeLimitMs);
      status.phase = "running";
      status.clientsStartedAtMs = performance.now();
      const nemesisDone =
        schedule.length === 0
          ? Promise.resolve()
          : deps.nemesis.runNemesis(schedule, cluster, history, stop.signal, (active) => {
              status.activeFault = active;
            });
      const clients = await runClients({
        workload,
        http,
        nodes: nodeIds,
        concurrency: config.concurrency,
        rate: config.rate,
        seed: config.seed,
        history,
        stop: stop.signal,
        interrupt,
      });
      await nemesisDone;
      clearTimeout(timer);
      interrupt.removeEventListener("abort", stopNow);
      status.activeFault = undefined;
      if (interrupt.aborted) {
        history.flush();
        return { runDir, interrupted: true };
      }

      status.phase = "healing";
      await deps.nemesis.healEverything(cluster, history);
      status.phase = "final-reads";
      const reads = await finalReads({
        http,
        nodes: nodeIds,
        keys: clients.keys,
        history,
        processFirst: clients.processMax + 1,
        quiescenceTimeoutMs: config.quiescenceTimeoutMs,
        signal: interrupt,
        ...(options.finalReadIntervalMs !== undefined && {
          roundIntervalMs: options.finalReadIntervalMs,
        }),
      });
      finalResult = { rounds: reads.rounds, agreed: reads.agreed };
      history.flush();
      if (interrupt.aborted) return { runDir, interrupted: true };
      await saveDumps(http, nodeIds, runDir);
    } finally {
      history.flush();
      http.close();
    }
  } finally {
    opened?.close();
  }

  status.phase = "checking";
  // The ops the writer recorded are the file's: checked without parsing it back.
  const check = await checkRun(runDir, { history: opened?.ops });
  status.phase = "done";
  return { runDir, interrupted: false, check, ...(finalResult && { finalReads: finalResult }) };
}
