// The final phase's reads: after the final heal, every node is read for every key the run
// touched with a local read (its own state, no quorum), in rounds, until all nodes agree on every
// key or the quiescence timeout passes. Each read is a `final-read` op with `node` and `round`, under
// process ids above every client's (one per node: a failed read is a fail, never an info, since
// a read changes nothing, so no process is ever retired).
import type { NodeId } from "../../workloads/kv-client.js";
import type { KvClients } from "../../workloads/workload.js";
import type { HistoryWriter } from "./history-writer.js";
import { type RunClock, realClock } from "./run-clock.js";

export interface FinalReadOptions {
  kv: KvClients;
  nodes: readonly NodeId[];
  keys: readonly string[];
  history: HistoryWriter;
  /** The first process id the final reads may use. */
  processFirst: number;
  quiescenceTimeoutMs: number;
  /** Pause between rounds that did not agree. */
  roundIntervalMs?: number;
  signal: AbortSignal;
  /** The run's clock (default: real time). */
  clock?: RunClock;
}

export interface FinalReadResult {
  rounds: number;
  agreed: boolean;
  /** key → node → the siblings it answered in the last round (absent when the read failed). */
  last: Map<string, Map<NodeId, unknown[]>>;
}

/** Sibling lists compare equal whatever their order. */
function canonical(siblings: readonly unknown[]): string {
  return JSON.stringify(siblings.map((s) => JSON.stringify(s)).sort());
}

export async function finalReads(options: FinalReadOptions): Promise<FinalReadResult> {
  const { kv, nodes, keys, history, signal } = options;
  const clock = options.clock ?? realClock;
  const deadline = clock.nowMs() + options.quiescenceTimeoutMs;
  const processes = nodes.map((_, i) => options.processFirst + i);
  const last = new Map<string, Map<NodeId, unknown[]>>();

  for (let round = 1; ; round++) {
    for (const key of keys) last.set(key, new Map());
    await Promise.all(
      nodes.map(async (node, i) => {
        for (const key of keys) {
          const process = processes[i]!;
          history.record({
            process,
            type: "invoke",
            f: "final-read",
            key,
            value: null,
            node,
            round,
          });
          const result = await kv(node).read(key, { local: true, signal });
          if (result.ok) {
            const siblings = result.values;
            last.get(key)?.set(node, siblings);
            history.record({
              process,
              type: "ok",
              f: "final-read",
              key,
              value: siblings,
              node,
              round,
            });
          } else {
            // A read changes nothing: whatever it met, it did not happen.
            history.record({
              process,
              type: "fail",
              f: "final-read",
              key,
              value: null,
              node,
              round,
              error: result.error,
            });
          }
        }
      }),
    );
    const agreed = keys.every((key) => {
      const answers = [...(last.get(key)?.values() ?? [])];
      return answers.length === nodes.length && new Set(answers.map(canonical)).size === 1;
    });
    if (agreed || signal.aborted || clock.nowMs() >= deadline)
      return { rounds: round, agreed, last };
    await clock.sleep(options.roundIntervalMs ?? 250, signal);
  }
}
