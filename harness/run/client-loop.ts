// The clients: `concurrency` threads, each running its seeded op stream against the cluster at
// its share of the target rate (0 = back to back), recording every op invoke → completion. After
// an `info` a thread's process is retired and it continues as process + concurrency with a fresh
// client (Jepsen's convention). `stop` ends the loops after their op in flight; `interrupt` also
// ends the ops in flight (recorded as info "interrupted"). With a script (test-script.ts), thread
// t runs the ops of its list instead, each at its time, and ends with the list. Time is the run's
// clock (real, or the sim's virtual time).
import type { NodeId } from "../../workloads/kv-client.js";
import type { KvClients, OpPlan, Workload } from "../../workloads/workload.js";
import type { HistoryWriter } from "./history-writer.js";
import { opStream } from "./op-stream.js";
import { type RunClock, realClock } from "./run-clock.js";
import type { ScriptOp } from "./test-script.js";

export interface ClientLoopOptions {
  workload: Workload;
  kv: KvClients;
  nodes: readonly NodeId[];
  concurrency: number;
  /** Total ops/s over every thread; 0 = as fast as they can. */
  rate: number;
  seed: number;
  history: HistoryWriter;
  /** No new op starts once aborted. */
  stop: AbortSignal;
  /** Ops in flight end once aborted. */
  interrupt: AbortSignal;
  /** The run's clock (default: real time). */
  clock?: RunClock;
  /** One list of ops per thread, instead of the seeded stream at the target rate. */
  script?: readonly (readonly ScriptOp[])[];
}

export interface ClientLoopResult {
  /** The highest process id any client used (final reads use ids above it). */
  processMax: number;
  /** The keys the clients touched, sorted. */
  keys: string[];
}

/** A thread's next op once it is due: its plan and unique number (undefined: no more). */
type NextOp = (seq: number) => Promise<{ plan: OpPlan; unique: number } | undefined>;

/** The seeded stream on the thread's grid of the target rate. */
function pacedOps(options: ClientLoopOptions, clock: RunClock, startMs: number, t: number): NextOp {
  const { concurrency, stop } = options;
  const plans = opStream(options.workload.plan(options.nodes.length), options.seed, t);
  // Each thread starts its ops on its own grid: thread t at (t/concurrency + k) * periodMs.
  const periodMs = options.rate > 0 ? (1000 * concurrency) / options.rate : 0;
  let slot = 0;
  return async (seq) => {
    if (periodMs > 0) {
      // The next slot of this thread's grid that has not passed: after slow ops (a partition)
      // the thread skips the missed slots instead of bursting to catch up.
      const nowMs = clock.nowMs();
      slot = Math.max(slot, Math.ceil((nowMs - startMs) / periodMs - t / concurrency));
      await clock.sleep(startMs + (t / concurrency + slot) * periodMs - nowMs, stop);
      slot++;
      if (stop.aborted) return undefined;
    }
    return { plan: plans.next().value, unique: seq * concurrency + t + 1 };
  };
}

/** The thread's scripted ops, each at its time; then it idles until the clients stop, as a
 * seeded thread would (so a run replayed from its script ends as it did). */
function scriptedOps(
  ops: readonly ScriptOp[],
  options: ClientLoopOptions,
  clock: RunClock,
  startMs: number,
): NextOp {
  const stopped = new Promise<void>((resolve) => {
    if (options.stop.aborted) resolve();
    else options.stop.addEventListener("abort", () => resolve(), { once: true });
  });
  return async (seq) => {
    const op = ops[seq];
    if (op === undefined) {
      await stopped;
      return undefined;
    }
    await clock.sleep(startMs + op.atMs - clock.nowMs(), options.stop);
    if (options.stop.aborted) return undefined;
    const plan = { f: op.f, key: op.key, nodeIndex: options.nodes.indexOf(op.node) };
    return { plan, unique: op.value };
  };
}

export async function runClients(options: ClientLoopOptions): Promise<ClientLoopResult> {
  const { workload, history, concurrency, nodes } = options;
  const clock = options.clock ?? realClock;
  const keys = new Set<string>();
  let processMax = concurrency - 1;
  const startMs = clock.nowMs();

  const thread = async (t: number) => {
    const next = options.script
      ? scriptedOps(options.script[t] ?? [], options, clock, startMs)
      : pacedOps(options, clock, startMs, t);
    let client = workload.client(options.kv);
    let process = t;
    for (let seq = 0; !options.stop.aborted; seq++) {
      const due = await next(seq);
      if (due === undefined) break;
      const { plan, unique } = due;
      const node = nodes[plan.nodeIndex % nodes.length]!;
      const invocation = client.invoke(plan, node, unique);
      keys.add(invocation.key);
      const { f, key, value, basis } = invocation;
      history.record({ process, type: "invoke", f, key, value, node, ...(basis && { basis }) });
      const {
        type,
        value: result,
        error,
        basis: completedBasis,
        ...extra
      } = await client.complete(invocation, options.interrupt);
      const finalBasis = completedBasis ?? basis;
      history.record({
        process,
        type,
        f,
        key,
        value: result,
        node,
        ...(error !== undefined && { error }),
        ...(finalBasis && { basis: finalBasis }),
        ...extra,
      });
      if (type === "info") {
        process += concurrency;
        processMax = Math.max(processMax, process);
        client = workload.client(options.kv);
      }
    }
  };

  await Promise.all(Array.from({ length: concurrency }, (_, t) => thread(t)));
  return { processMax, keys: [...keys].sort() };
}
