// The runner against a real cluster of the test-only memory system (systems/memory): it knows
// nothing of our node, so these tests also show that the harness runs any system through the
// seam — its launch, its clients, its final reads and dumps.
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseJsonl } from "../../checkers/formats/jsonl-format.js";
import type { Op } from "../../checkers/history.js";
import { loadTestConfig } from "../config/load-test-config.js";
import { readTestJson } from "../config/test-file.js";
import { trackedChildren } from "../runtime/child-processes.js";
import { runPaths } from "../store/run-store.js";
import { newRunStatus } from "./run-status.js";
import { runTest } from "./run-test.js";

const store = mkdtempSync(join(tmpdir(), "run-test-"));
afterAll(() => rmSync(store, { recursive: true, force: true }));

function config(text: string) {
  return loadTestConfig({
    file: { path: "unit.yaml", text: `store: ${store}\nsystem: memory\n${text}` },
    env: {},
  });
}

function readHistory(runDir: string): Op[] {
  return parseJsonl(readFileSync(runPaths(runDir).history, "utf8"), "history.jsonl").history;
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

describe("runTest (the memory system on local processes)", () => {
  it("runs clients and the nemesis, heals, reads every node and key, and stores the run", async () => {
    const status = newRunStatus(1500);
    const test = config(
      "name: unit\ntimeLimit: 1500ms\nclients: {rate: 200, concurrency: 3}\nworkload: {keys: 2}\n" +
        "nemesis: {kinds: [partition], interval: 500ms, faultDuration: 400ms}\nseed: 5\n" +
        "quiescenceTimeout: 300ms\n",
    );
    const outcome = await runTest(test, {
      interrupt: new AbortController().signal,
      status,
      finalReadIntervalMs: 50,
    });
    expect(outcome.interrupted).toBe(false);
    expect(status.phase).toBe("done");
    expect(trackedChildren()).toEqual([]);

    const history = readHistory(outcome.runDir);
    expectWellFormed(history);
    const adds = history.filter((op) => op.f === "add" && op.type === "ok");
    // At most the target rate (200 ops/s for 1.5 s); how many fewer depends on the machine's load.
    expect(adds.length).toBeGreaterThan(0);
    expect(adds.length).toBeLessThan(400);
    expect(new Set(adds.map((op) => op.value)).size).toBe(adds.length);
    const nemesis = history.filter((op) => op.process === "nemesis" && op.type === "ok");
    expect(nemesis.map((op) => op.f)).toContain("partition");
    expect(nemesis.at(-1)?.f).toBe("heal-all");
    const finals = history.filter((op) => op.f === "final-read" && op.round === 1);
    expect(
      finals
        .filter((op) => op.type === "invoke")
        .map((op) => `${op.node} ${op.key}`)
        .sort(),
    ).toEqual(["n1 k1", "n1 k2", "n2 k1", "n2 k2", "n3 k1", "n3 k2"]);
    const clientProcesses = history
      .filter((op) => op.f !== "final-read" && op.process !== "nemesis")
      .map((op) => op.process as number);
    expect(Math.min(...finals.map((op) => op.process as number))).toBeGreaterThan(
      Math.max(...clientProcesses),
    );

    const paths = runPaths(outcome.runDir);
    expect(readTestJson(paths.test, readFileSync(paths.test, "utf8"))).toEqual(test);
    expect(JSON.parse(readFileSync(paths.results, "utf8")).results).toHaveProperty("lost-writes");
    expect(outcome.check?.results.stats?.valid).toBe(true);
    // The memory system's own dump and log, through the seam.
    expect(JSON.parse(readFileSync(paths.nodeDump("n2"), "utf8"))).toMatchObject({ node: "n2" });
    expect(readFileSync(paths.nodeLog("n1"), "utf8")).toContain("listening n1");
    expect(join(store, readlinkSync(join(store, "latest")))).toBe(outcome.runDir);
  });

  it("judges a store that drops raced writes (last write wins) as invalid", async () => {
    const test = config(
      "name: unit-lww\ntimeLimit: 600ms\nclients: {rate: 0, concurrency: 4}\nworkload: {keys: 1}\n",
    );
    const outcome = await runTest(test, {
      interrupt: new AbortController().signal,
      status: newRunStatus(600),
    });
    expect(outcome.check?.results["lost-writes"]?.valid).toBe(false);
    expect(outcome.check?.valid).toBe(false);
  });

  it("judges a scratch run on the ops it recorded, writing neither its history nor dumps", async () => {
    const test = config(
      "name: unit-scratch\ntimeLimit: 600ms\nclients: {rate: 0, concurrency: 4}\nworkload: {keys: 1}\n",
    );
    let judged: readonly Op[] | undefined;
    const outcome = await runTest(test, {
      interrupt: new AbortController().signal,
      status: newRunStatus(600),
      scratch: true,
      check: async (_runDir, recorded = {}) => {
        judged = recorded.history;
        return { valid: true, results: {}, warnings: [], opCount: recorded.history?.length ?? 0 };
      },
    });
    const paths = runPaths(outcome.runDir);
    expect(judged?.filter((op) => op.f === "add" && op.type === "ok").length).toBeGreaterThan(0);
    expect(outcome.check?.opCount).toBe(judged?.length);
    expect(readFileSync(paths.history, "utf8")).toBe("");
    expect(existsSync(paths.nodeDump("n1"))).toBe(false);
    expect(readTestJson(paths.test, readFileSync(paths.test, "utf8"))).toEqual(test);
  });

  it("stops at an interrupt: no heal, no final reads, a readable history, no node left", async () => {
    const interrupt = new AbortController();
    const status = newRunStatus(60_000);
    const test = config(
      "name: unit-interrupt\ntimeLimit: 60s\nclients: {rate: 0, concurrency: 2}\nnemesis: partition\n",
    );
    const started = performance.now();
    const running = runTest(test, { interrupt: interrupt.signal, status });
    // Interrupt once the clients have done some work, however loaded the machine is.
    while ((status.counts?.ok ?? 0) < 10) await new Promise((r) => setTimeout(r, 20));
    interrupt.abort();
    const outcome = await running;
    expect(performance.now() - started).toBeLessThan(30_000);
    expect(outcome).toEqual({ runDir: outcome.runDir, interrupted: true });
    expect(trackedChildren()).toEqual([]);
    const history = readHistory(outcome.runDir);
    expectWellFormed(history);
    expect(history.some((op) => op.f === "heal-all" || op.f === "final-read")).toBe(false);
    expect(existsSync(runPaths(outcome.runDir).results)).toBe(false);
  });
});
