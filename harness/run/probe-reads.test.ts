import { afterEach, describe, expect, it } from "vitest";
import { convergenceChecker } from "../../checkers/convergence-checker.js";
import type { Op } from "../../checkers/history.js";
import { type FakeNode, startFakeNode } from "../../systems/faultline/fake-node.js";
import { createNodeClient, faultlineKvClient } from "../../systems/faultline/faultline-client.js";
import type { HistoryWriter, OpFields } from "./history-writer.js";
import { PROBE_PROCESS_FIRST, type ProbeReadOptions, startProbeReads } from "./probe-reads.js";

/** A history writer that keeps the ops in memory (the real one writes a file). */
function memoryHistory(): HistoryWriter & { ops: Op[] } {
  const ops: Op[] = [];
  const startNs = process.hrtime.bigint();
  const now = () => Number(process.hrtime.bigint() - startNs);
  const record = (fields: OpFields): Op => {
    const { process: p, type, ...rest } = fields;
    const op: Op = { index: ops.length, time: now(), process: p, type, ...rest };
    ops.push(op);
    return op;
  };
  return {
    ops,
    record,
    invoke: (f, value) => void record({ process: "nemesis", type: "invoke", f, value }),
    complete: (type, f, value) => void record({ process: "nemesis", type, f, value }),
    counts: { invoke: 0, ok: 0, fail: 0, info: 0 },
    now,
    flush: () => {},
    close: () => {},
  };
}

/** Resolves once `condition` holds (checked every few ms); the test's timeout bounds the wait. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

const probes = (ops: readonly Op[]) => ops.filter((op) => op.f === "probe");
let nodes: FakeNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.map((node) => node.close()));
  nodes = [];
});

async function cluster(stores: number) {
  const shared = new Map<string, { value: unknown; version: number }>();
  nodes = await Promise.all(
    Array.from({ length: stores }, (_, i) => startFakeNode(i === 0 ? { store: shared } : {})),
  );
  const http = createNodeClient({
    urlOf: (node) => nodes[Number(node.slice(1)) - 1]!.url,
    timeoutMs: 2_000,
  });
  const history = memoryHistory();
  const ids = nodes.map((_, i) => `n${i + 1}`);
  const options = (
    intervalMs: number,
    stop: AbortSignal,
    interrupt = new AbortController().signal,
  ) =>
    ({
      kv: (node: string) => faultlineKvClient(http, node),
      nodes: ids,
      history,
      intervalMs,
      stop,
      interrupt,
    }) satisfies ProbeReadOptions;
  return { http, history, options };
}

describe("probe reads", () => {
  it("hand the history back untouched and probe nothing when off (interval 0)", async () => {
    const { http, history, options } = await cluster(1);
    const stop = new AbortController();
    const started = startProbeReads(options(0, stop.signal));
    expect(started.history).toBe(history);
    await expect(started.done).resolves.toEqual({ rounds: 0 });
    http.close();
  });

  it("read every key the clients touched on every node, in rounds, under their own processes", async () => {
    const { http, history, options } = await cluster(2);
    nodes[0]!.store.set("k1", { value: 5, version: 1 });
    const stop = new AbortController();
    const started = startProbeReads(options(10, stop.signal));
    // No key touched yet: no round. Then a client op names k1 (through the probes' writer).
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(probes(history.ops)).toEqual([]);
    started.history.record({ process: 0, type: "invoke", f: "read", key: "k1", value: null });
    started.history.record({ process: 0, type: "ok", f: "read", key: "k1", value: [5] });
    await until(() => probes(history.ops).filter((op) => op.type === "ok").length >= 6);
    stop.abort();
    const { rounds } = await started.done;
    http.close();

    const ops = probes(history.ops);
    expect(rounds).toBeGreaterThanOrEqual(3);
    expect(ops).toHaveLength(rounds * 4); // 2 nodes × (invoke + ok) a round
    expect(ops[0]).toMatchObject({ type: "invoke", f: "probe", key: "k1", round: 1 });
    for (const op of ops.filter((o) => o.type === "ok")) {
      const n1 = op.node === "n1";
      expect(op.process).toBe(PROBE_PROCESS_FIRST + (n1 ? 0 : 1));
      // n1 holds 5; n2 has its own store, without k1: they disagree, and the checker says so.
      expect(op.value).toEqual(n1 ? [5] : []);
    }
    const result = convergenceChecker.check(history.ops, {});
    expect(result.probes).toMatchObject({
      rounds,
      judgedRounds: rounds,
      disagreeingRounds: rounds,
    });
    expect(result.agreedDuringRun).toBe(false);
  });

  it("record a node's failed read as a fail, and end reads in flight on an interrupt", async () => {
    const { http, history, options } = await cluster(2);
    nodes[1]!.script("GET", [503, "hang"]);
    const stop = new AbortController();
    const interrupt = new AbortController();
    const started = startProbeReads(options(5, stop.signal, interrupt.signal));
    started.history.record({ process: 3, type: "invoke", f: "add", key: "c", value: 1 });
    await until(() => nodes[1]!.requests.length >= 2); // the second read of n2 hangs
    interrupt.abort();
    stop.abort();
    await started.done;
    http.close();
    const failed = probes(history.ops).filter((op) => op.type === "fail");
    expect(failed.filter((op) => op.node === "n2").map((op) => [op.round, op.error])).toEqual([
      [1, "unavailable"],
      [2, "interrupted"],
    ]);
    // n1's read of round 2 may have been in flight too; nothing else failed.
    expect(failed.filter((op) => op.node === "n1").map((op) => [op.round, op.error])).toEqual(
      failed.some((op) => op.node === "n1") ? [[2, "interrupted"]] : [],
    );
  });
});
