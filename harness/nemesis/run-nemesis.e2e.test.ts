// The nemesis against a real local cluster: a seeded schedule of every fault kind runs for a few
// seconds, each step is recorded invoke → ok with no other step between, the abort at the time
// limit heals what is active, heal-all leaves every node up, and a write to all three succeeds.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { nodeDefaults } from "../../nodes/node-options.js";
import { localRuntime } from "../runtime/local-runtime.js";
import { planFaults } from "./fault-schedule.js";
import { healEverything } from "./heal-everything.js";
import { FAULT_KINDS, type NemesisRecorder } from "./nemesis.js";
import { runNemesis } from "./run-nemesis.js";

const dir = mkdtempSync(join(tmpdir(), "faultline-nemesis-e2e-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("runs a seeded schedule of every fault kind on real nodes, then heals everything", async () => {
  await using cluster = await localRuntime.start({
    name: "nemesis-e2e",
    runDir: dir,
    nodeIds: ["n1", "n2", "n3"],
    node: {
      ...nodeDefaults,
      build: "leader",
      strategy: "lww",
      leader: "n1",
      requestTimeoutMs: 500,
    },
    linkFault: "blackhole",
  });
  const schedule = planFaults(
    {
      kinds: [...FAULT_KINDS],
      intervalMs: 600,
      jitterMs: 200,
      partitionShapes: ["halves", "one", "majorities-ring", "bridge", "leader"],
      clockSkewMsMax: 5000,
      faultDurationMs: 900,
    },
    cluster.nodes,
    "n1",
    42,
    5000,
  );
  expect(new Set(schedule.map((e) => e.fault.kind)).size).toBeGreaterThan(1);

  const ops: { type: string; f: string; error?: string }[] = [];
  const recorder: NemesisRecorder = {
    invoke: (f) => ops.push({ type: "invoke", f }),
    complete: (type, f, _value, error) => ops.push({ type, f, ...(error && { error }) }),
  };
  const active: (string | undefined)[] = [];
  // Never aborted: the schedule runs to its end however slowly a loaded machine gets through its
  // steps (a timer aborting at the schedule's last moment would cut off steps that ran late).
  const stop = new AbortController();
  await runNemesis(schedule, cluster, recorder, stop.signal, (a) => active.push(a));
  await healEverything(cluster, recorder);

  // Every step completed ok, right after its invoke: steps never overlap (one nemesis process).
  expect(ops.filter((op) => op.type === "info")).toEqual([]);
  expect(ops.length % 2).toBe(0);
  for (let i = 0; i < ops.length; i += 2) {
    expect([ops[i]!.type, ops[i + 1]!.type]).toEqual(["invoke", "ok"]);
    expect(ops[i + 1]!.f).toBe(ops[i]!.f);
  }
  expect(ops.filter((op) => op.type === "invoke").length).toBeGreaterThanOrEqual(schedule.length);
  expect(ops.at(-1)).toEqual({ type: "ok", f: "heal-all" });
  expect(active.at(-1)).toBeUndefined();

  // Nothing is left broken: every node answers, no link is cut, a write reaches all three.
  expect(cluster.cutLinkList()).toEqual([]);
  for (const node of cluster.nodes) expect(cluster.state(node)).toBe("running");
  const res = await fetch(`${cluster.url("n1")}/kv/after?w=3`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ value: 1 }),
    signal: AbortSignal.timeout(5000),
  });
  expect(res.status).toBe(200);
});
