// runClients against a fake faultline node (systems/faultline/fake-node.ts) through the faultline
// system's KvClient: the clients keep to the target rate without bursting after a slow op, retire
// a process after an info, and record each write's basis on its invoke and completion.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseJsonl } from "../../checkers/formats/jsonl-format.js";
import type { Op } from "../../checkers/history.js";
import { SimScheduler } from "../runtime/sim/sim-scheduler.js";
import { startFakeNode } from "../../systems/faultline/fake-node.js";
import { createNodeClient, faultlineKvClient } from "../../systems/faultline/faultline-client.js";
import type { KvClient } from "../../workloads/kv-client.js";
import { fakeKv } from "../../workloads/fake-kv-client.js";
import { register } from "../../workloads/register-workload.js";
import { runClients } from "./client-loop.js";
import { openHistoryWriter } from "./history-writer.js";
import { clockNs } from "./run-clock.js";

const dir = mkdtempSync(join(tmpdir(), "client-loop-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(
  name: string,
  options: { concurrency: number; rate: number; durationMs: number; script?: (number | "hang")[] },
) {
  const node = await startFakeNode();
  if (options.script) node.script("PUT", options.script);
  const http = createNodeClient({ urlOf: () => node.url, timeoutMs: 200 });
  const history = openHistoryWriter(join(dir, `${name}.jsonl`));
  const stop = new AbortController();
  setTimeout(() => stop.abort(), options.durationMs);
  const result = await runClients({
    workload: register.create({ name: "register", keys: 2 }),
    kv: (id) => faultlineKvClient(http, id),
    nodes: ["n1", "n2"],
    concurrency: options.concurrency,
    rate: options.rate,
    seed: 11,
    history,
    stop: stop.signal,
    interrupt: new AbortController().signal,
  });
  history.close();
  http.close();
  await node.close();
  const ops: Op[] = parseJsonl(readFileSync(join(dir, `${name}.jsonl`), "utf8"), name).history;
  return { result, ops };
}

describe("runClients", () => {
  it("keeps to the target rate", async () => {
    const { ops } = await run("rate", { concurrency: 4, rate: 100, durationMs: 500 });
    const invokes = ops.filter((op) => op.type === "invoke").length;
    // 100 ops/s for 0.5 s: 50 on the grid, never a burst beyond it. (A loaded machine may start
    // fewer; the bound that matters is the upper one.)
    expect(invokes).toBeGreaterThanOrEqual(10);
    expect(invokes).toBeLessThanOrEqual(54);
  });

  it("skips the slots a slow op missed instead of bursting to catch up", async () => {
    // In the sim's virtual time, so the grid is exact whatever the machine's load: one thread at
    // 20 ops/s (a slot every 50 ms), every call answered 1 ms after it starts, and the first
    // write 201 ms after, when four more slots have passed.
    const clock = new SimScheduler();
    const kv = fakeKv();
    let writes = 0;
    const delayed = (client: KvClient): KvClient => ({
      ...client,
      async read(...args) {
        await clock.sleep(1);
        return client.read(...args);
      },
      async write(...args) {
        await clock.sleep(writes++ === 0 ? 201 : 1);
        return client.write(...args);
      },
    });
    const history = openHistoryWriter(join(dir, "burst.jsonl"), {
      inMemory: true,
      clockNs: clockNs(clock),
    });
    const stop = new AbortController();
    clock.at(900, () => stop.abort());
    await runClients({
      workload: register.create({ name: "register", keys: 2 }),
      kv: (node) => delayed(kv.clients(node)),
      nodes: ["n1", "n2"],
      concurrency: 1,
      rate: 20,
      seed: 11,
      history,
      stop: stop.signal,
      interrupt: new AbortController().signal,
      clock,
    });
    history.close();
    const invokesMs = history.ops.filter((op) => op.type === "invoke").map((op) => op.time / 1e6);
    const slowAt = history.ops.findIndex((op) => op.type === "ok" && op.f === "write");
    const slow = {
      invokeMs: history.ops[slowAt - 1]!.time / 1e6,
      endMs: history.ops[slowAt]!.time / 1e6,
    };
    expect(slow.endMs - slow.invokeMs).toBe(201);
    // Every op starts on its slot of the grid; the slots the slow write spanned are skipped, and
    // nothing starts to catch up on them.
    const grid = Array.from({ length: 900 / 50 }, (_, k) => k * 50);
    expect(invokesMs).toEqual(grid.filter((ms) => ms <= slow.invokeMs || ms >= slow.endMs));
  });

  it("retires a process after an info; its thread goes on as process + concurrency", async () => {
    // The first write waits past the client's timeout (info); every later one succeeds.
    const { ops, result } = await run("info", {
      concurrency: 3,
      rate: 0,
      durationMs: 600,
      script: ["hang"],
    });
    const info = ops.find((op) => op.type === "info");
    expect(info).toMatchObject({ f: "write", error: "client-timeout" });
    const retired = info!.process as number;
    expect(ops.filter((op) => op.process === retired && op.index > info!.index)).toEqual([]);
    expect(ops.some((op) => op.process === retired + 3 && op.type === "invoke")).toBe(true);
    expect(result.processMax).toBeGreaterThanOrEqual(retired + 3);
    expect(result.keys).toEqual(["k1", "k2"]);
  });

  it("records writes with their basis on the invoke and the completion", async () => {
    const { ops } = await run("basis", { concurrency: 1, rate: 0, durationMs: 200 });
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
