// The nemesis against a real local cluster (faultline, leader build): a seeded schedule of every
// fault kind runs for a few seconds, each step is recorded invoke → completion with no other step
// between, the abort once the last fault has started heals what is active, heal-all leaves every
// node up and no link cut, and a write through the system's client succeeds. Leader partitions find the leader
// when they start, through the system's leader discovery.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SystemSession } from "../../systems/system.js";
import { type LocalCluster, localRuntime } from "../runtime/local-runtime.js";
import { clusterSpec } from "../runtime/test-fixtures/cluster-spec.js";
import { testNemesis } from "./fake-cluster.js";
import { planFaults } from "./fault-schedule.js";
import { healEverything } from "./heal-everything.js";
import { FAULT_KINDS, faultKind } from "./nemeses.js";
import type { NemesisContext, NemesisRecorder } from "./nemesis.js";
import type { NemesisOptions } from "./nemesis-options.js";
import { runNemesis } from "./run-nemesis.js";

const dir = mkdtempSync(join(tmpdir(), "faultline-nemesis-e2e-"));
const spec = clusterSpec("nemesis-e2e", dir, {
  name: "faultline",
  build: "leader",
  strategy: "lww",
  requestTimeout: "500ms",
});
const capabilities = spec.system.capabilities(spec.options);
let cluster: LocalCluster;
let session: SystemSession;

beforeAll(async () => {
  cluster = await localRuntime.start(spec);
  session = spec.system.connect(spec.options, cluster, { opTimeoutMs: 5000 });
});
afterAll(async () => {
  await session?.close();
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface RecordedOp {
  type: string;
  f: string;
  value: unknown;
  error?: string;
}

/**
 * Runs the schedule of `options` under `seed` for `timeLimitMs`, then heal-all. The abort comes
 * once every planned fault has started (not on a timer: on a loaded machine steps run late), so
 * the last faults are still active and the abort must heal them.
 */
async function runSchedule(options: NemesisOptions, seed: number, timeLimitMs: number) {
  const schedule = planFaults(options, cluster.nodes, seed, timeLimitMs);
  const startOps = new Set(FAULT_KINDS.map((kind) => faultKind(kind).report.ops.start));
  const stop = new AbortController();
  let started = 0;
  const ops: RecordedOp[] = [];
  const recorder: NemesisRecorder = {
    invoke: (f, value) => ops.push({ type: "invoke", f, value }),
    complete(type, f, value, error) {
      ops.push({ type, f, value, ...(error && { error }) });
      if (startOps.has(f) && ++started === schedule.length) stop.abort();
    },
  };
  const active: (string | undefined)[] = [];
  const ctx: NemesisContext = { cluster, session, recorder, signal: stop.signal };
  await runNemesis(schedule, options, ctx, (a) => active.push(a));
  await healEverything({ ...ctx, signal: new AbortController().signal }, options.kinds);
  return { schedule, ops, active, aborted: stop.signal.aborted };
}

/** Steps never overlap (one nemesis process): each invoke is followed by its completion. */
function expectSerialSteps(ops: RecordedOp[]): void {
  expect(ops.length % 2).toBe(0);
  for (let i = 0; i < ops.length; i += 2) {
    expect(ops[i]!.type).toBe("invoke");
    expect(ops[i + 1]!.f).toBe(ops[i]!.f);
  }
  expect(ops.at(-1)).toEqual({ type: "ok", f: "heal-all", value: null });
}

/** Nothing is left broken: every node runs, no link is cut, a node leads, a write is
 * acknowledged. */
async function expectHealed(): Promise<void> {
  expect(cluster.cutLinkList()).toEqual([]);
  for (const node of cluster.nodes) expect(cluster.state(node)).toBe("running");
  await session.settled?.(new AbortController().signal);
  const leader = await session.leader?.(new AbortController().signal);
  expect(cluster.nodes).toContain(leader);
  // A node just resumed or restarted may still call an election and depose that leader, so the
  // write may need another try (through whichever node leads then); it must succeed within 10 s.
  const deadline = Date.now() + 10_000;
  let write = await session.client(leader!).write("after", 1, undefined);
  while (!write.ok && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const now = await session.leader?.(new AbortController().signal);
    write = await session.client(now ?? leader!).write("after", 1, undefined);
  }
  expect(write).toMatchObject({ ok: true });
}

describe("the nemesis on real nodes", () => {
  it("runs a seeded schedule of every fault kind, then heals everything", async () => {
    const options = testNemesis(
      {
        kinds: [...FAULT_KINDS],
        interval: "600ms",
        jitter: "200ms",
        faultDuration: "900ms",
        clock: { skewMax: "5s" },
      },
      { capabilities },
    );
    expect(options.partition.shapes).toContain("leader");
    const { schedule, ops, active, aborted } = await runSchedule(options, 42, 5000);
    expect(new Set(schedule.map((e) => e.kind)).size).toBe(options.kinds.length);
    expect(aborted).toBe(true);
    expectSerialSteps(ops);
    // A step may fail only where no leader is there to be found: between an old leader's fall
    // and its successor's election.
    for (const op of ops.filter((o) => o.type === "info")) {
      expect(op.error).toMatch(
        /^no (leader to (isolate|fence)|(kill|pause) target|leader to \w+ now)/,
      );
    }
    // Every fault started and was stopped (the last ones by the abort), and heal-all came last.
    const stops = new Set(options.kinds.map((kind) => faultKind(kind).report.ops.stop));
    expect(ops.filter((op) => op.type === "invoke" && stops.has(op.f)).length).toBeGreaterThan(0);
    expect(ops.filter((op) => op.type === "invoke").length).toBeGreaterThanOrEqual(schedule.length);
    expect(active.at(-1)).toBeUndefined();
    await expectHealed();
  }, 120_000);

  it("a leader partition cuts the node that leads off from the others", async () => {
    const options = testNemesis(
      {
        kinds: ["partition"],
        partition: { shapes: ["leader"] },
        interval: "300ms",
        jitter: 0,
        faultDuration: "200ms",
      },
      { capabilities },
    );
    const { schedule, ops } = await runSchedule(options, 7, 1000);
    expect(schedule.length).toBe(3);
    expectSerialSteps(ops);
    const partitions = ops.filter((op) => op.f === "partition");
    expect(partitions.length).toBe(6);
    for (const op of partitions.filter((o) => o.type !== "invoke")) {
      // Between two partitions a new leader may not be elected yet: then none is isolated.
      if (op.type === "info") {
        expect(op.error).toBe("no leader to isolate: none leads now");
        continue;
      }
      const { leader, cuts } = op.value as { leader: string; cuts: string[][] };
      expect(cluster.nodes).toContain(leader);
      const others = cluster.nodes.filter((n) => n !== leader);
      const isolated = others.flatMap((n) => [`${leader}>${n}`, `${n}>${leader}`]);
      expect(cuts.map((c) => c.join(">")).sort()).toEqual(isolated.sort());
    }
    await expectHealed();
  });
});
