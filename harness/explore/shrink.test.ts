// The shrinker, first against a fake failure (a predicate on the script alone, so thousands of
// candidates cost nothing): whatever the script, it ends with exactly the ops and faults the
// failure needs, faults at 1 ms, clients without ops dropped, values 1, 2, … — then on a real sim
// run, whose shrunk test fails the same way and is a sub-script of the seeded one.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import type { CheckResult } from "../../checkers/checker.js";
import { parseJsonl } from "../../checkers/formats/jsonl-format.js";
import type { TestConfig } from "../config/test-config.js";
import { testConfigOf } from "../config/test-file.js";
import type { ScriptOp, TestScript } from "../run/test-script.js";
import { scriptOf } from "./seed-script.js";
import { failsAs, scripted, shrink, sizeOf, targetOf, tidied } from "./shrink.js";
import { runTrial } from "./sim-trial.js";

const store = mkdtempSync(join(tmpdir(), "shrink-"));
afterAll(() => rmSync(store, { recursive: true, force: true }));
const interrupt = new AbortController().signal;

const base = testConfigOf({ name: "shrink", seed: 1, store, timeLimit: "5s", runtime: "sim" });

/** A script of `clients` lists; each op's key names it ("op3"), each fault's order too. */
const scripts = fc
  .record({
    clients: fc.array(fc.array(fc.integer({ min: 0, max: 999 }), { maxLength: 12 }), {
      minLength: 1,
      maxLength: 4,
    }),
    faults: fc.array(fc.integer({ min: 1, max: 900 }), { maxLength: 4 }),
  })
  .map(({ clients, faults }): Required<TestScript> => {
    let n = 0;
    const ops = clients.map((times) =>
      [...times]
        .sort((a, b) => a - b)
        .map(
          (at): ScriptOp => ({ atMs: at + 0.5, f: "add", key: `op${n}`, node: "n1", value: ++n }),
        ),
    );
    return {
      ops,
      faults: faults.map((durationMs, i) => ({
        atMs: 10 * i + 3,
        durationMs,
        kind: "partition",
        fault: { shape: "halves", order: [`fault${i}`] },
      })),
    };
  });

/** Fails (checker "fake", anomaly "needed") while the script holds every needed op and fault. */
function fakeTrial(ops: ReadonlySet<string>, faults: ReadonlySet<string>) {
  return async (test: TestConfig): Promise<Record<string, CheckResult>> => {
    const script = test.script!;
    const keys = new Set(script.ops!.flat().map((op) => op.key));
    const names = new Set(script.faults!.map((f) => (f.fault as { order: string[] }).order[0]!));
    const all = [...ops].every((k) => keys.has(k)) && [...faults].every((f) => names.has(f));
    return { fake: all ? { valid: false, anomalies: ["needed"] } : { valid: true } };
  };
}

describe("shrink, on a fake failure", () => {
  it("keeps exactly what the failure needs, tidied", async () => {
    const cases = scripts.chain((script) => {
      const keys = script.ops.flat().map((op) => op.key);
      const names = script.faults.map((f) => (f.fault as { order: string[] }).order[0]!);
      return fc.record({
        script: fc.constant(script),
        ops: fc.subarray(keys, { minLength: Math.min(1, keys.length) }),
        faults: fc.subarray(names),
      });
    });
    await fc.assert(
      fc.asyncProperty(cases, async ({ script, ops, faults }) => {
        fc.pre(ops.length > 0);
        const result = await shrink(
          base,
          script,
          { checker: "fake", anomaly: "needed" },
          {
            budgetMs: 60_000,
            trial: fakeTrial(new Set(ops), new Set(faults)),
          },
        );
        const kept = result.script;
        expect(
          kept.ops
            .flat()
            .map((op) => op.key)
            .sort(),
        ).toEqual([...ops].sort());
        expect(kept.faults.map((f) => (f.fault as { order: string[] }).order[0]).sort()).toEqual(
          [...faults].sort(),
        );
        for (const fault of kept.faults) expect(fault.durationMs).toBe(1);
        expect(kept.ops.every((thread) => thread.length > 0)).toBe(true);
        expect(
          kept.ops
            .flat()
            .map((op) => op.value)
            .sort((a, b) => a - b),
        ).toEqual(ops.map((_, i) => i + 1));
        // Times start at 0 (moved by whole milliseconds).
        const first = Math.min(
          ...kept.ops.flat().map((op) => op.atMs),
          ...kept.faults.map((f) => f.atMs),
        );
        expect(first).toBeGreaterThanOrEqual(0);
        expect(first).toBeLessThan(1);
        expect(result.config.clients.concurrency).toBe(kept.ops.length);
        expect(sizeOf(result.script)).toEqual(result.after);
      }),
      { numRuns: 40 },
    );
  });

  it("stops at its budget with the smallest failing script found so far", async () => {
    const script: Required<TestScript> = {
      ops: [
        Array.from({ length: 40 }, (_, i) => ({
          atMs: i,
          f: "add",
          key: `op${i}`,
          node: "n1",
          value: i + 1,
        })),
      ],
      faults: [],
    };
    const result = await shrink(
      base,
      script,
      { checker: "fake" },
      {
        budgetMs: 0,
        trial: fakeTrial(new Set(["op7"]), new Set()),
      },
    );
    expect(result.budgetSpent).toBe(true);
    expect(result.after.ops).toBeLessThanOrEqual(40);
    expect(result.script.ops.flat().some((op) => op.key === "op7")).toBe(true);
  });
});

describe("failure targets", () => {
  it("name the first INVALID checker and its first anomaly; a run fails so only with both", () => {
    const results: Record<string, CheckResult> = {
      stats: { valid: true },
      siblings: { valid: "unknown" },
      "lost-writes": { valid: false, anomalies: ["lost", "stale"] },
      convergence: { valid: false, anomalies: ["divergent"] },
    };
    const target = targetOf(results);
    expect(target).toEqual({ checker: "lost-writes", anomaly: "lost" });
    expect(failsAs(results, target!)).toBe(true);
    expect(failsAs({ "lost-writes": { valid: false, anomalies: ["stale"] } }, target!)).toBe(false);
    expect(failsAs({ "lost-writes": { valid: true } }, target!)).toBe(false);
    expect(targetOf({ stats: { valid: true } })).toBeUndefined();
  });

  it("tidying drops clients with no op and renumbers values in time order", () => {
    const op = (atMs: number, value: number): ScriptOp => ({
      atMs,
      f: "add",
      key: "k1",
      node: "n1",
      value,
    });
    const tidy = tidied({ ops: [[op(5, 90), op(9, 70)], [], [op(7, 10)]], faults: [] });
    expect(tidy.ops).toEqual([[op(5, 1), op(9, 3)], [op(7, 2)]]);
  });
});

describe("shrink, on a real sim run", () => {
  it("shrinks an lww cart run that lost items to a few ops that still lose one", async () => {
    const config = testConfigOf({
      name: "lww-shrink",
      seed: 1,
      store,
      timeLimit: "6s",
      runtime: "sim",
      system: { name: "faultline", build: "leaderless", strategy: "lww" },
      workload: { name: "cart", keys: 3 },
      nemesis: { kinds: ["partition"], interval: "2s", faultDuration: "1500ms" },
    });
    const trial = await runTrial(config, { store, interrupt, history: true });
    const target = targetOf(trial!.results);
    expect(target).toEqual({ checker: "lost-writes", anomaly: "lost" });
    const script = scriptOf(config, parseJsonl(trial!.history!, "h").history);
    const result = await shrink(config, script, target!, {
      budgetMs: 60_000,
      trial: async (test) => (await runTrial(test, { store, interrupt }))?.results,
    });
    expect(result.after.ops).toBeLessThanOrEqual(4);
    expect(result.after.ops).toBeLessThan(result.before.ops / 50);
    const again = await runTrial(result.config, { store, interrupt });
    expect(failsAs(again!.results, target!)).toBe(true);
    // A sub-script: each op one the seed planned, at its time or moved by whole milliseconds.
    const planned = new Set(script.ops.flat().map((op) => `${op.f} ${op.key} ${op.node}`));
    for (const op of result.script.ops.flat())
      expect(planned.has(`${op.f} ${op.key} ${op.node}`)).toBe(true);
    expect(result.config.script).toEqual(scripted(config, result.script).script);
    expect(result.config.clients.concurrency).toBe(result.script.ops.length);
  }, 120_000);
});
