// runClients in the sim's virtual time against the fake store (workloads/fake-kv-client.ts), every
// call answered after a set delay, so the grid and the counts are exact whatever the machine's
// load: the clients keep to the target rate without bursting after a slow op, retire a process
// after an info, and record each write's basis on its invoke and completion.
import { describe, expect, it } from "vitest";
import type { Op } from "../../checkers/history.js";
import { type FakeAnswer, fakeKv } from "../../workloads/fake-kv-client.js";
import type { KvClient } from "../../workloads/kv-client.js";
import { register } from "../../workloads/register-workload.js";
import { SimScheduler } from "../runtime/sim/sim-scheduler.js";
import { runClients } from "./client-loop.js";
import { openHistoryWriter } from "./history-writer.js";
import { clockNs } from "./run-clock.js";

interface SimRun {
  concurrency: number;
  rate: number;
  durationMs: number;
  /** The virtual ms the nth write (from 0) takes to answer; 1 by default, as every read. */
  writeMs?: (n: number) => number;
  /** The first writes' answers, before the store is touched. */
  writes?: FakeAnswer[];
}

async function run(options: SimRun) {
  const clock = new SimScheduler();
  const kv = fakeKv();
  if (options.writes) kv.script("write", options.writes);
  let writes = 0;
  const delayed = (client: KvClient): KvClient => ({
    ...client,
    async read(...args) {
      await clock.sleep(1);
      return client.read(...args);
    },
    async write(...args) {
      await clock.sleep(options.writeMs?.(writes++) ?? 1);
      return client.write(...args);
    },
  });
  const history = openHistoryWriter("unwritten.jsonl", { inMemory: true, clockNs: clockNs(clock) });
  const stop = new AbortController();
  clock.at(options.durationMs, () => stop.abort());
  const result = await runClients({
    workload: register.create({ name: "register", keys: 2 }),
    kv: (node) => delayed(kv.clients(node)),
    nodes: ["n1", "n2"],
    concurrency: options.concurrency,
    rate: options.rate,
    seed: 11,
    history,
    stop: stop.signal,
    interrupt: new AbortController().signal,
    clock,
  });
  history.close();
  return { result, ops: history.ops };
}

const invokeMs = (ops: readonly Op[]) =>
  ops.filter((op) => op.type === "invoke").map((op) => op.time / 1e6);

describe("runClients", () => {
  it("keeps to the target rate: each thread on its own slots of the grid", async () => {
    // 100 ops/s over 4 threads: a slot every 40 ms per thread, thread t's offset t × 10 ms.
    const { ops } = await run({ concurrency: 4, rate: 100, durationMs: 500 });
    for (let t = 0; t < 4; t++) {
      const slots = Array.from({ length: 13 }, (_, k) => t * 10 + k * 40).filter((ms) => ms < 500);
      expect(invokeMs(ops.filter((op) => op.process === t))).toEqual(slots);
    }
    expect(invokeMs(ops)).toHaveLength(50);
  });

  it("skips the slots a slow op missed instead of bursting to catch up", async () => {
    // One thread at 20 ops/s (a slot every 50 ms); the first write answers 201 ms after it
    // starts, when four more slots have passed.
    const { ops } = await run({
      concurrency: 1,
      rate: 20,
      durationMs: 900,
      writeMs: (n) => (n === 0 ? 201 : 1),
    });
    const slowAt = ops.findIndex((op) => op.type === "ok" && op.f === "write");
    const slow = { invokeMs: ops[slowAt - 1]!.time / 1e6, endMs: ops[slowAt]!.time / 1e6 };
    expect(slow.endMs - slow.invokeMs).toBe(201);
    // Every op starts on its slot; the slots the slow write spanned are skipped, and nothing
    // starts to catch up on them.
    const grid = Array.from({ length: 900 / 50 }, (_, k) => k * 50);
    expect(invokeMs(ops)).toEqual(grid.filter((ms) => ms <= slow.invokeMs || ms >= slow.endMs));
  });

  it("retires a process after an info; its thread goes on as process + concurrency", async () => {
    // The first write's outcome is unknown (info); every later one succeeds.
    const { ops, result } = await run({
      concurrency: 3,
      rate: 0,
      durationMs: 600,
      writes: [{ ok: false, outcome: "info", error: "client-timeout" }],
    });
    const infos = ops.filter((op) => op.type === "info");
    expect(infos).toHaveLength(1);
    const info = infos[0]!;
    expect(info).toMatchObject({ f: "write", error: "client-timeout" });
    const retired = info.process as number;
    expect(ops.filter((op) => op.process === retired && op.index > info.index)).toEqual([]);
    const next = ops.find((op) => op.process === retired + 3);
    expect(next).toMatchObject({ type: "invoke", time: info.time });
    expect(result.processMax).toBe(retired + 3);
    expect(result.keys).toEqual(["k1", "k2"]);
  });

  it("records writes with their basis on the invoke and the completion", async () => {
    const { ops } = await run({ concurrency: 1, rate: 0, durationMs: 200 });
    const writes = ops.filter((op) => op.f === "write");
    expect(writes.length).toBeGreaterThan(2);
    for (const op of writes) expect(Array.isArray(op.basis)).toBe(true);
    for (let i = 0; i + 1 < ops.length; i += 2) {
      expect(ops[i + 1]).toMatchObject({
        process: ops[i]!.process,
        f: ops[i]!.f,
        key: ops[i]!.key,
        node: ops[i]!.node,
      });
      if (ops[i]!.f === "write") expect(ops[i + 1]!.basis).toEqual(ops[i]!.basis);
    }
  });
});
