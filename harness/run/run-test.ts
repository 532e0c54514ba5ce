// The runner: one test from a resolved config to a verdict. Plan the faults → run folder →
// test.json → the system's cluster on the test's runtime (`await using`, so every exit path stops
// it) and a session with it → clients at the target rate + the nemesis until the time limit →
// heal everything → final reads until the nodes agree or quiescence times out → node dumps →
// checkRun. The runner never knows which system it runs: it asks the system for clients, dumps
// and capabilities. An interrupt (Ctrl-C) stops clients and nemesis, heals nothing, flushes the
// history and stops the cluster; the history is closed (flushed) on every path.
import { setMaxListeners } from "node:events";
import { writeFileSync } from "node:fs";
import { basename } from "node:path";
import type { NodeId, SystemSession } from "../../systems/system.js";
import { checkRun, type RunCheckResult } from "../check-run.js";
import { nodeIdsOf, systemOf, type TestConfig, workloadOf } from "../config/test-config.js";
import { testJson } from "../config/test-file.js";
import { planFaults } from "../nemesis/fault-schedule.js";
import { healEverything } from "../nemesis/heal-everything.js";
import { runNemesis } from "../nemesis/run-nemesis.js";
import type { Runtime } from "../runtime/runtime.js";
import { createRunDir, type RunPaths } from "../store/run-store.js";
import { runClients } from "./client-loop.js";
import { finalReads } from "./final-reads.js";
import { type HistoryWriter, openHistoryWriter } from "./history-writer.js";
import { startProbeReads } from "./probe-reads.js";
import { clockNs, realClock } from "./run-clock.js";
import type { RunStatus } from "./run-status.js";
import { scriptedSchedule } from "./test-script.js";

export interface RunOptions {
  /** Aborted on Ctrl-C / SIGTERM. */
  interrupt: AbortSignal;
  status: RunStatus;
  /** The runtime to start the cluster on; by default the test's (tests pass their own). */
  runtime?: Runtime;
  /** Pause between final-read rounds that did not agree. */
  finalReadIntervalMs?: number;
  /** Judges the stored run (default checkRun: results.json and the report too). */
  check?: typeof checkRun;
  /** The run folder is thrown away once `check` has judged the recorded ops (explore's trials):
   * the history stays in memory (history.jsonl stays empty) and no node dumps are saved. */
  scratch?: boolean;
}

export interface RunOutcome {
  runDir: string;
  interrupted: boolean;
  /** Absent when interrupted. */
  check?: RunCheckResult;
  finalReads?: { rounds: number; agreed: boolean };
}

/** How long a node's dump may take before the run gives up on it (a note is saved instead). */
const DUMP_TIMEOUT_MS = 10_000;

async function runtimeOf(config: TestConfig): Promise<Runtime> {
  const { runtimes } = await import("../runtime/runtimes.js");
  return runtimes[config.runtime.name];
}

/** Saves every node's state as nodes/<id>.dump.json (an error note when it cannot be had). */
async function saveDumps(session: SystemSession, nodes: readonly NodeId[], paths: RunPaths) {
  await Promise.all(
    nodes.map(async (node) => {
      const body = await session
        .dump(node, AbortSignal.timeout(DUMP_TIMEOUT_MS))
        .catch((err: unknown) => ({
          node,
          error: err instanceof Error ? err.message : String(err),
        }));
      writeFileSync(paths.nodeDump(node), `${JSON.stringify(body, null, 2)}\n`);
    }),
  );
}

export async function runTest(config: TestConfig, options: RunOptions): Promise<RunOutcome> {
  const { interrupt, status } = options;
  const runtime = options.runtime ?? (await runtimeOf(config));
  const system = systemOf(config);
  const nodeIds = nodeIdsOf(config);
  const workload = workloadOf(config).create(config.workload);
  // Planned before anything exists on disk: a plan that cannot be made leaves no empty run.
  const scripted = config.script?.faults;
  const schedule = scripted
    ? scriptedSchedule(scripted)
    : planFaults(config.nemesis, nodeIds, config.seed, config.timeLimit);
  const paths = createRunDir(config.store, config.name);
  const { runDir } = paths;
  status.runDir = runDir;
  // (Small files written at once: a trip through the thread pool a file costs explore's trials
  // milliseconds each on a busy machine.)
  writeFileSync(paths.test, testJson(config));
  // The history exists (empty) from the start; its clock starts with the clients.
  writeFileSync(paths.history, "");
  let opened: HistoryWriter | undefined;
  let finalResult: RunOutcome["finalReads"];

  try {
    await using cluster = await runtime.start({
      name: `${config.name}-${basename(runDir)}`,
      runDir,
      system,
      options: config.system,
      seed: config.seed,
      nodeIds,
      linkFault: config.nemesis.partition.linkFault,
      signal: interrupt,
      runtime: config.runtime,
    });
    const sessionOptions = { opTimeoutMs: config.clients.opTimeout };
    const session =
      cluster.connect?.(sessionOptions) ?? system.connect(config.system, cluster, sessionOptions);
    // The sim keeps virtual time: every loop of the run reads and waits on it.
    const clock = cluster.clock ?? realClock;
    const stop = new AbortController();
    const stopNow = () => stop.abort();
    // Every client's call in flight listens to both signals.
    setMaxListeners(config.clients.concurrency + 16, stop.signal, interrupt);
    // A history that cannot be written (a full disk) ends the run: flush() then throws its error.
    const history = openHistoryWriter(paths.history, {
      onError: stopNow,
      ...(options.scratch && { inMemory: true }),
      ...(cluster.clock && { clockNs: clockNs(cluster.clock) }),
    });
    opened = history;
    status.counts = history.counts;
    status.flushHistory = () => history.flush();
    try {
      await session.settled?.(interrupt);
      if (interrupt.aborted) return { runDir, interrupted: true };
      interrupt.addEventListener("abort", stopNow, { once: true });
      void clock.sleep(config.timeLimit, stop.signal).then(stopNow);
      status.phase = "running";
      status.clientsStartedAtMs = performance.now();
      const nemesis = { cluster, session, recorder: history, signal: stop.signal };
      const nemesisDone = runNemesis(
        schedule,
        config.nemesis,
        nemesis,
        (active) => {
          status.activeFault = active;
        },
        clock,
      );
      const probes = startProbeReads({
        kv: (node) => session.client(node),
        nodes: nodeIds,
        history,
        intervalMs: config.clients.probeInterval,
        stop: stop.signal,
        interrupt,
        clock,
      });
      const clients = await runClients({
        workload,
        kv: (node) => session.client(node),
        nodes: nodeIds,
        concurrency: config.clients.concurrency,
        rate: config.clients.rate,
        seed: config.seed,
        history: probes.history,
        stop: stop.signal,
        interrupt,
        clock,
        ...(config.script?.ops && { script: config.script.ops }),
      });
      // The clients stopped (the time limit or an interrupt): the time limit's wait ends too.
      stopNow();
      await Promise.all([nemesisDone, probes.done]);
      interrupt.removeEventListener("abort", stopNow);
      status.activeFault = undefined;
      history.flush();
      if (interrupt.aborted) return { runDir, interrupted: true };

      status.phase = "healing";
      await healEverything({ ...nemesis, signal: interrupt }, config.nemesis.kinds);
      status.phase = "final-reads";
      const reads = await finalReads({
        kv: (node) => session.client(node),
        nodes: nodeIds,
        keys: clients.keys,
        history,
        processFirst: clients.processMax + 1,
        quiescenceTimeoutMs: config.quiescenceTimeout,
        signal: interrupt,
        clock,
        ...(options.finalReadIntervalMs !== undefined && {
          roundIntervalMs: options.finalReadIntervalMs,
        }),
      });
      finalResult = { rounds: reads.rounds, agreed: reads.agreed };
      history.flush();
      if (interrupt.aborted) return { runDir, interrupted: true };
      if (!options.scratch) await saveDumps(session, nodeIds, paths);
    } finally {
      await session.close();
      history.flush();
    }
  } finally {
    opened?.close();
  }

  status.phase = "checking";
  // The ops the writer recorded are the file's: checked without parsing it back.
  const check = await (options.check ?? checkRun)(runDir, { history: opened?.ops });
  status.phase = "done";
  return { runDir, interrupted: false, check, ...(finalResult && { finalReads: finalResult }) };
}
