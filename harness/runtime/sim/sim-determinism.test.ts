// The sim's promise: the same seed gives the same history byte for byte, interleavings included
// — under every fault kind, on both builds — and the run's own test.json (runtime: sim) gives it
// again. Passing references between the cores instead of JSON copies changes nothing.
import { readFileSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readTestJson, testConfigOf } from "../../config/test-file.js";
import type { TestConfig } from "../../config/test-config.js";
import { runTest } from "../../run/run-test.js";
import { newRunStatus } from "../../run/run-status.js";
import { runPaths } from "../../store/run-store.js";
import type { Runtime } from "../runtime.js";
import { createSimRuntime } from "./sim-runtime.js";

const store = mkdtempSync(join(tmpdir(), "sim-determinism-"));
afterAll(() => rmSync(store, { recursive: true, force: true }));

async function historyOf(
  config: TestConfig,
  runtime?: Runtime,
): Promise<{ text: string; dir: string }> {
  const outcome = await runTest(config, {
    interrupt: new AbortController().signal,
    status: newRunStatus(config.timeLimit),
    ...(runtime && { runtime }),
  });
  expect(outcome.check).toBeDefined();
  return { text: readFileSync(runPaths(outcome.runDir).history, "utf8"), dir: outcome.runDir };
}

const TESTS = [
  {
    title: "leaderless siblings register, fsync never, every fault kind",
    system: { name: "faultline", build: "leaderless", strategy: "siblings", fsync: "never" },
    workload: { name: "register", keys: 2 },
  },
  {
    title: "leader reject cart, fsync never, every fault kind",
    system: { name: "faultline", build: "leader", strategy: "reject", fsync: "never" },
    workload: { name: "cart", keys: 2 },
  },
];

describe("the sim runtime is deterministic", () => {
  for (const { title, system, workload } of TESTS) {
    it(`${title}: same seed, same history bytes; its test.json gives them again`, async () => {
      const config = testConfigOf({
        name: "determinism",
        seed: 42,
        store,
        timeLimit: "8s",
        system,
        runtime: "sim",
        workload,
        clients: { concurrency: 4, rate: 150 },
        nemesis: {
          kinds: ["partition", "kill", "pause", "clock"],
          interval: "1500ms",
          faultDuration: "1s",
        },
      });
      const first = await historyOf(config);
      const second = await historyOf(config);
      // Every fault kind happened, and plenty of client ops.
      for (const f of ['"f":"partition"', '"f":"kill"', '"f":"pause"', '"f":"clock"'])
        expect(first.text).toContain(f);
      expect(first.text.split("\n").length).toBeGreaterThan(500);
      expect(second.text).toBe(first.text);
      const stored = readTestJson("test.json", readFileSync(runPaths(first.dir).test, "utf8"));
      expect(stored.runtime).toMatchObject({ name: "sim" });
      expect((await historyOf(stored)).text).toBe(first.text);
      // Another seed, another history.
      expect((await historyOf({ ...config, seed: 43 })).text).not.toBe(first.text);
    });
  }

  it("JSON copies of every message, record, request and reply give the same history", async () => {
    const config = testConfigOf({
      name: "copies",
      seed: 9,
      store,
      timeLimit: "6s",
      system: { name: "faultline", build: "leaderless", strategy: "siblings" },
      runtime: "sim",
      workload: "cart",
      nemesis: { kinds: ["partition", "kill"], interval: "1s", faultDuration: "700ms" },
    });
    const copied = await historyOf(config, createSimRuntime({ copy: true }));
    expect((await historyOf(config)).text).toBe(copied.text);
  });
});
