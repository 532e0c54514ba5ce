// Probe reads (R1's "agreed at every read during the run"): while the clients run, every
// `intervalMs` read every key the clients have touched so far on every node with a local read
// (the node's own state), each key on all nodes at once, recorded like the final reads as
// {"f":"probe","key":K,"node":N,"round":R} ops, one process id per node above any client's. Off
// unless the test sets probeInterval. A failed probe is a fail (a read changes nothing). The
// clients' history goes through `history` here, which notes the keys they touch.
import type { NodeId } from "../../workloads/kv-client.js";
import type { KvClients } from "../../workloads/workload.js";
import type { HistoryWriter } from "./history-writer.js";
import { type RunClock, realClock } from "./run-clock.js";

/** The probes' process ids start here: far above any client's (clients retire ids one
 * `concurrency` at a time), and the final reads number theirs after the clients'. */
export const PROBE_PROCESS_FIRST = 1_000_000_000;

export interface ProbeReadOptions {
  kv: KvClients;
  nodes: readonly NodeId[];
  /** The run's history; the clients must record through the returned writer instead. */
  history: HistoryWriter;
  /** 0 = no probes. */
  intervalMs: number;
  /** No new round starts once aborted (the clients' stop). */
  stop: AbortSignal;
  /** Reads in flight end once aborted (Ctrl-C). */
  interrupt: AbortSignal;
  /** The run's clock (virtual time on the sim). */
  clock?: RunClock;
}

export interface ProbeReads {
  /** The history writer for the clients: `history`, noting the keys their ops name. */
  history: HistoryWriter;
  /** Resolves with the number of rounds once `stop` aborted and the last round ended. */
  done: Promise<{ rounds: number }>;
}

/** Starts the probes (none when intervalMs is 0: `history` is then handed back as it is). */
export function startProbeReads(options: ProbeReadOptions): ProbeReads {
  const { history } = options;
  if (options.intervalMs <= 0) return { history, done: Promise.resolve({ rounds: 0 }) };
  const keys = new Set<string>();
  const clientHistory: HistoryWriter = {
    ...history,
    record(op) {
      if (typeof op.process === "number" && typeof op.key === "string") keys.add(op.key);
      return history.record(op);
    },
  };
  return { history: clientHistory, done: probeLoop(options, keys) };
}

async function probeLoop(options: ProbeReadOptions, keys: ReadonlySet<string>) {
  const { stop } = options;
  let rounds = 0;
  while (!stop.aborted) {
    await (options.clock ?? realClock).sleep(options.intervalMs, stop);
    if (stop.aborted || options.interrupt.aborted) break;
    if (keys.size === 0) continue;
    rounds++;
    for (const key of [...keys].sort()) {
      if (options.interrupt.aborted) break;
      await Promise.all(options.nodes.map((node, i) => probe(options, key, node, i, rounds)));
    }
  }
  return { rounds };
}

async function probe(
  options: ProbeReadOptions,
  key: string,
  node: NodeId,
  nodeIndex: number,
  round: number,
): Promise<void> {
  const { history } = options;
  const process = PROBE_PROCESS_FIRST + nodeIndex;
  const fields = { f: "probe", key, node, round };
  history.record({ process, type: "invoke", ...fields, value: null });
  const result = await options.kv(node).read(key, { local: true, signal: options.interrupt });
  if (result.ok) {
    history.record({ process, type: "ok", ...fields, value: result.values });
  } else {
    history.record({ process, type: "fail", ...fields, value: null, error: result.error });
  }
}
