// The clients: `concurrency` threads, each running its seeded op stream against the cluster at
// its share of the target rate (0 = back to back), recording every op invoke → completion. After
// an `info` a thread's process is retired and it continues as process + concurrency with a fresh
// client (Jepsen's convention). `stop` ends the loops after their op in flight; `interrupt` also
// ends the ops in flight (recorded as info "interrupted").
import type { NodeId } from "../../workloads/kv-client.js";
import type { KvClients, Workload } from "../../workloads/workload.js";
import type { HistoryWriter } from "./history-writer.js";
import { opStream } from "./op-stream.js";

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
}

export interface ClientLoopResult {
  /** The highest process id any client used (final reads use ids above it). */
  processMax: number;
  /** The keys the clients touched, sorted. */
  keys: string[];
}

/** Resolves after `ms`, or at once when the signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

export async function runClients(options: ClientLoopOptions): Promise<ClientLoopResult> {
  const { workload, history, concurrency, nodes } = options;
  const keys = new Set<string>();
  let processMax = concurrency - 1;
  // Each thread starts its ops on its own grid: thread t at (t/concurrency + k) * periodMs.
  const periodMs = options.rate > 0 ? (1000 * concurrency) / options.rate : 0;
  const startMs = performance.now();

  const thread = async (t: number) => {
    const plans = opStream(workload.plan(nodes.length), options.seed, t);
    let client = workload.client(options.kv);
    let process = t;
    let slot = 0;
    for (let seq = 0; !options.stop.aborted; seq++) {
      if (periodMs > 0) {
        // The next slot of this thread's grid that has not passed: after slow ops (a partition)
        // the thread skips the missed slots instead of bursting to catch up.
        const nowMs = performance.now();
        slot = Math.max(slot, Math.ceil((nowMs - startMs) / periodMs - t / concurrency));
        await sleep(startMs + (t / concurrency + slot) * periodMs - nowMs, options.stop);
        slot++;
        if (options.stop.aborted) break;
      }
      const plan = plans.next().value;
      const node = nodes[plan.nodeIndex % nodes.length]!;
      const invocation = client.invoke(plan, node, seq * concurrency + t + 1);
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
