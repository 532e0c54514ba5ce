import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { parseJsonl } from "../../checkers/formats/jsonl-format.js";
import type { Op } from "../../checkers/history.js";
import { loadTestConfig } from "../config/load-test-config.js";
import { CONFIG_FLAGS } from "../config/config-flags.js";
import { fakeNemesis, fakeRuntime } from "./fake-cluster.js";
import { newRunStatus } from "./run-status.js";
import { runTest } from "./run-test.js";

vi.mock("../runtime/runtimes.js", () => ({ runtimes: { local: {}, docker: {} } }));

const store = mkdtempSync(join(tmpdir(), "run-test-"));
afterAll(() => rmSync(store, { recursive: true, force: true }));

function config(text: string) {
  return loadTestConfig({ file: { path: "unit.yaml", text: `store: ${store}\n${text}` }, env: {} });
}

function readHistory(runDir: string): Op[] {
  return parseJsonl(readFileSync(join(runDir, "history.jsonl"), "utf8"), "history.jsonl").history;
}

/** Every client invoke is followed by exactly one completion of its process. */
function expectWellFormed(history: readonly Op[]) {
  expect(history.map((op) => op.index)).toEqual(history.map((_, i) => i));
  const open = new Map<unknown, Op>();
  for (const op of history) {
    if (op.process === "nemesis") continue;
    if (op.type === "invoke") {
      expect(open.has(op.process)).toBe(false);
      open.set(op.process, op);
    } else {
      expect(open.get(op.process)?.f).toBe(op.f);
      open.delete(op.process);
    }
  }
  expect(open.size).toBe(0);
}

describe("runTest (fake cluster and nemesis)", () => {
  it("runs clients and the nemesis, heals, reads every node and key, and stores the run", async () => {
    const runtime = fakeRuntime({ reject: true });
    const status = newRunStatus(400);
    const test = config(
      "name: unit\nworkload: cart\ntimeLimit: 400ms\nrate: 200\nconcurrency: 3\nkeys: 2\nnemesis: partition\nseed: 5\n",
    );
    const outcome = await runTest(test, {
      interrupt: new AbortController().signal,
      status,
      deps: { runtime, nemesis: fakeNemesis },
      finalReadIntervalMs: 10,
    });
    expect(outcome.interrupted).toBe(false);
    expect(outcome.finalReads).toEqual({ rounds: 1, agreed: true });
    expect(runtime.running()).toBe(false);
    expect(runtime.specs[0]).toMatchObject({
      nodeIds: ["n1", "n2", "n3"],
      node: { build: "leaderless", strategy: "lww", seed: 5, w: 2 },
    });
    expect(status.phase).toBe("done");

    const history = readHistory(outcome.runDir);
    expectWellFormed(history);
    const adds = history.filter((op) => op.f === "add" && op.type === "ok");
    expect(adds.length).toBeGreaterThan(20);
    expect(adds.length).toBeLessThan(150); // 200 ops/s for 0.4 s
    expect(new Set(adds.map((op) => op.value)).size).toBe(adds.length);
    expect(
      history.filter((op) => op.process === "nemesis").map((op) => `${op.type} ${op.f}`),
    ).toEqual([
      "invoke partition",
      "ok partition",
      "invoke heal",
      "ok heal",
      "invoke heal-all",
      "ok heal-all",
    ]);
    const finals = history.filter((op) => op.f === "final-read" && op.type === "ok");
    expect(finals.map((op) => `${op.node} ${op.key}`).sort()).toEqual([
      "n1 k1",
      "n1 k2",
      "n2 k1",
      "n2 k2",
      "n3 k1",
      "n3 k2",
    ]);
    const clientProcesses = history
      .filter((op) => op.f !== "final-read" && op.process !== "nemesis")
      .map((op) => op.process as number);
    expect(Math.min(...finals.map((op) => op.process as number))).toBeGreaterThan(
      Math.max(...clientProcesses),
    );
    // Every add's item is in the shared store, so the final reads see all of them.
    const finalItems = new Set((finals[0]!.value as number[][]).flat());
    for (const op of adds.filter((a) => a.key === finals[0]?.key))
      expect(finalItems.has(op.value as number)).toBe(true);

    expect(JSON.parse(readFileSync(join(outcome.runDir, "test.json"), "utf8"))).toEqual(test);
    expect(
      JSON.parse(readFileSync(join(outcome.runDir, "results.json"), "utf8")).results["lost-writes"]
        .valid,
    ).toBe(true);
    expect(outcome.check?.results["lost-writes"]?.valid).toBe(true);
    expect(existsSync(join(outcome.runDir, "nodes", "n2.dump.json"))).toBe(true);
    expect(join(store, readlinkSync(join(store, "latest")))).toBe(outcome.runDir);
  });

  it("judges a run whose nodes lose writes as invalid", async () => {
    const test = config("name: unit-lww\ntimeLimit: 300ms\nrate: 0\nconcurrency: 4\nkeys: 1\n");
    const outcome = await runTest(test, {
      interrupt: new AbortController().signal,
      status: newRunStatus(300),
      deps: { runtime: fakeRuntime(), nemesis: fakeNemesis },
    });
    expect(outcome.check?.valid).toBe(false);
    expect(outcome.check?.results["lost-writes"]?.valid).toBe(false);
  });

  it("stops at an interrupt: no heal, no final reads, a readable history, the cluster stopped", async () => {
    const runtime = fakeRuntime();
    const interrupt = new AbortController();
    const test = config(
      "name: unit-interrupt\ntimeLimit: 60s\nrate: 0\nconcurrency: 2\nnemesis: partition\n",
    );
    setTimeout(() => interrupt.abort(), 300);
    const started = performance.now();
    const outcome = await runTest(test, {
      interrupt: interrupt.signal,
      status: newRunStatus(60_000),
      deps: { runtime, nemesis: fakeNemesis },
    });
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(outcome).toEqual({ runDir: outcome.runDir, interrupted: true });
    expect(runtime.running()).toBe(false);
    const history = readHistory(outcome.runDir);
    expectWellFormed(history);
    expect(history.some((op) => op.f === "heal-all" || op.f === "final-read")).toBe(false);
    expect(existsSync(join(outcome.runDir, "results.json"))).toBe(false);
  });

  it("maps each run flag onto a test field", () => {
    expect(CONFIG_FLAGS.length).toBeGreaterThan(10);
  });
});
