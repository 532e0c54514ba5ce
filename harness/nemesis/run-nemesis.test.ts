// runNemesis and healEverything against a fake cluster that logs every call: faults start and
// stop on time and are recorded invoke → ok (or info with the error), an abort heals what was
// started and starts nothing new, steps never overlap (each nemesis invoke is followed by its own
// completion, even for concurrent faults and slow steps), and heal-all undoes what is still broken
// for the kinds the test uses, and only those.
import { describe, expect, it } from "vitest";
import type { NodeId } from "../../systems/system.js";
import { type FakeCluster, fakeContext, testNemesis } from "./fake-cluster.js";
import { healEverything } from "./heal-everything.js";
import type { FaultEvent } from "./nemesis.js";
import { runNemesis, stepsOf } from "./run-nemesis.js";

const options = testNemesis({ kinds: ["partition", "kill", "pause", "clock"] });

// Factories, not constants: a running fault keeps what it did on its event (whom it killed).
const partition = (atMs = 10, durationMs = 30): FaultEvent => ({
  atMs,
  durationMs,
  kind: "partition",
  fault: { shape: "one", order: ["n1", "n2", "n3"] },
});
const ISOLATE_N1 = [
  ["n1", "n2"],
  ["n2", "n1"],
  ["n1", "n3"],
  ["n3", "n1"],
];
const onNodes = (kind: "kill" | "pause", atMs: number, durationMs: number, nodes: NodeId[]) => ({
  atMs,
  durationMs,
  kind,
  fault: { target: "random", nodes, count: nodes.length },
});
const kill = (atMs = 20, durationMs = 30, nodes = ["n2"]) =>
  onNodes("kill", atMs, durationMs, nodes);
const pause = (atMs: number, durationMs: number, nodes: NodeId[]) =>
  onNodes("pause", atMs, durationMs, nodes);
const clock = (atMs: number, durationMs: number, offsetsMs: Record<NodeId, number>) => ({
  atMs,
  durationMs,
  kind: "clock",
  fault: { offsetsMs },
});

type FaultCall = "kill" | "restart" | "pause" | "resume" | "cutLinks" | "healLinks";

/** Makes every listed call of the cluster take `ms` before it runs. */
function slow(cluster: FakeCluster, ms: number, names: readonly FaultCall[]): void {
  for (const name of names) {
    const call = cluster[name] as (...args: never[]) => Promise<void>;
    cluster[name] = (async (...args: never[]) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      await call(...args);
    }) as never;
  }
}

describe("runNemesis", () => {
  it("starts and stops every fault on its schedule, recording each step", async () => {
    const { ctx, cluster, ops } = fakeContext();
    const seen: (string | undefined)[] = [];
    const schedule: FaultEvent[] = [
      kill(),
      partition(),
      clock(60, 10, { n3: -250 }),
      pause(80, 10, ["n1", "n3"]),
    ];
    await runNemesis(schedule, options, ctx, (active) => seen.push(active));
    expect(cluster.calls).toEqual([
      "cut n1>n2 n2>n1 n1>n3 n3>n1",
      "kill n2",
      "heal",
      "restart n2",
      "clock n3 -250",
      "clock n3 0",
      "pause n1",
      "pause n3",
      "resume n1",
      "resume n3",
    ]);
    expect(ops).toEqual([
      ["invoke", "partition", { shape: "one", cuts: ISOLATE_N1 }],
      ["ok", "partition", { shape: "one", cuts: ISOLATE_N1 }],
      ["invoke", "kill", ["n2"]],
      ["ok", "kill", ["n2"]],
      ["invoke", "heal", null],
      ["ok", "heal", null],
      ["invoke", "restart", ["n2"]],
      ["ok", "restart", ["n2"]],
      ["invoke", "clock", { n3: -250 }],
      ["ok", "clock", { n3: -250 }],
      ["invoke", "clock-reset", ["n3"]],
      ["ok", "clock-reset", ["n3"]],
      ["invoke", "pause", ["n1", "n3"]],
      ["ok", "pause", ["n1", "n3"]],
      ["invoke", "resume", ["n1", "n3"]],
      ["ok", "resume", ["n1", "n3"]],
    ]);
    expect(seen).toContain("partition one + kill n2");
    expect(seen.at(-1)).toBeUndefined();
    for (const node of cluster.nodes) expect(cluster.state(node)).toBe("running");
  });

  it("records a failed step as info with the error; the stop restarts only what is down", async () => {
    const { ctx, cluster, ops } = fakeContext();
    cluster.failing.add("kill n2");
    await runNemesis([kill(20, 30, ["n1", "n2"])], options, ctx);
    // n1 died and is restarted; n2's kill failed, so it still runs and is left alone.
    expect(cluster.calls).toEqual(["kill n1", "kill n2", "restart n1"]);
    expect(ops).toEqual([
      ["invoke", "kill", ["n1", "n2"]],
      ["info", "kill", ["n1", "n2"], "n2: kill n2 failed"],
      ["invoke", "restart", ["n1"]],
      ["ok", "restart", ["n1"]],
    ]);
  });

  it("a fault whose start failed has nothing to undo: its stop records nothing", async () => {
    const { ctx, cluster, ops } = fakeContext();
    cluster.failing.add("pause n3");
    await runNemesis([pause(0, 10, ["n3"])], options, ctx);
    expect(cluster.calls).toEqual(["pause n3"]);
    expect(ops).toEqual([
      ["invoke", "pause", ["n3"]],
      ["info", "pause", ["n3"], "n3: pause n3 failed"],
    ]);
  });

  it("on abort, heals what it started at once and starts nothing more", async () => {
    const abort = new AbortController();
    const { ctx, cluster, ops } = fakeContext({ signal: abort.signal });
    const done = runNemesis([kill(20, 3_600_000), pause(5000, 10, ["n1"])], options, ctx);
    while (!cluster.calls.includes("kill n2")) await new Promise((r) => setTimeout(r, 10));
    abort.abort();
    // The kill lasts an hour: only the abort can end the run within the test's timeout.
    await done;
    expect(cluster.calls).toEqual(["kill n2", "restart n2"]);
    expect(ops.map(([type, f]) => `${type} ${f}`)).toEqual([
      "invoke kill",
      "ok kill",
      "invoke restart",
      "ok restart",
    ]);
  });

  it("runs faults on the same node in schedule order even when a step is slow", async () => {
    const { ctx, cluster } = fakeContext();
    slow(cluster, 100, ["restart"]);
    await runNemesis([kill(), pause(55, 10, ["n2"])], options, ctx);
    expect(cluster.calls).toEqual(["kill n2", "restart n2", "pause n2", "resume n2"]);
  });

  it("serialises the steps of concurrent faults: each invoke is followed by its completion", async () => {
    const { ctx, cluster, ops } = fakeContext();
    // Every call takes a while, so steps due close together would overlap if run concurrently.
    slow(cluster, 40, ["kill", "restart", "pause", "resume", "cutLinks", "healLinks"]);
    const schedule: FaultEvent[] = [
      partition(0, 20),
      kill(0, 20),
      pause(5, 20, ["n1"]),
      clock(10, 20, { n3: 100 }),
    ];
    await runNemesis(schedule, options, ctx);
    expect(ops).toHaveLength(16);
    // Pair as Jepsen does for one nemesis process: an invoke, then the next op completes it.
    for (let i = 0; i < ops.length; i += 2) {
      const [invoke, completion] = [ops[i]!, ops[i + 1]!];
      expect(invoke[0]).toBe("invoke");
      expect(completion[0]).toBe("ok");
      expect(completion[1]).toBe(invoke[1]);
    }
    // In schedule order: the starts, then the stops, each late step delaying the next.
    expect(ops.filter(([type]) => type === "invoke").map(([, f]) => f)).toEqual([
      "partition",
      "kill",
      "pause",
      "clock",
      "heal",
      "restart",
      "resume",
      "clock-reset",
    ]);
  });

  it("orders steps by time, stops before starts at the same time, each stop after its start", () => {
    const a = pause(0, 10, ["n1"]);
    const b = pause(10, 0, ["n1"]);
    const c = pause(10, 5, ["n2"]);
    const steps = stepsOf([c, b, a]).map((s) => [s.action, s.event, s.atMs]);
    expect(steps).toEqual([
      ["start", a, 0],
      ["stop", a, 10],
      ["start", c, 10],
      ["start", b, 10],
      ["stop", b, 10],
      ["stop", c, 15],
    ]);
  });
});

describe("healEverything", () => {
  it("restarts what stayed dead, heals links, resets every clock, recorded as heal-all", async () => {
    const { ctx, cluster, ops } = fakeContext();
    cluster.failing.add("restart n2");
    await runNemesis([kill()], options, ctx);
    expect(cluster.state("n2")).toBe("down");
    cluster.failing.clear();
    cluster.calls.length = 0;
    ops.length = 0;
    await healEverything(ctx, options.kinds);
    expect(cluster.calls).toEqual(["restart n2", "heal", "clock n1 0", "clock n2 0", "clock n3 0"]);
    expect(ops).toEqual([
      ["invoke", "heal-all", null],
      ["ok", "heal-all", null],
    ]);
    // Nothing left to restart the second time.
    cluster.calls.length = 0;
    await healEverything(ctx, options.kinds);
    expect(cluster.calls).toEqual(["heal", "clock n1 0", "clock n2 0", "clock n3 0"]);
  });

  it("resumes paused nodes first, then restarts dead ones, whoever broke them", async () => {
    const { ctx, cluster } = fakeContext();
    await cluster.kill("n1");
    await cluster.pause("n3");
    cluster.calls.length = 0;
    await healEverything(ctx, ["kill", "pause"]);
    expect(cluster.calls).toEqual(["resume n3", "restart n1"]);
    for (const node of cluster.nodes) expect(cluster.state(node)).toBe("running");
  });

  it("heals only the kinds the test uses, in the registry's order whatever theirs", async () => {
    const { ctx, cluster, ops } = fakeContext();
    await cluster.kill("n1");
    await cluster.pause("n2");
    cluster.calls.length = 0;
    await healEverything(ctx, ["partition"]);
    expect(cluster.calls).toEqual(["heal"]);
    expect(cluster.state("n1")).toBe("down");
    expect(cluster.state("n2")).toBe("paused");

    cluster.calls.length = 0;
    await healEverything(ctx, ["clock", "pause"]);
    expect(cluster.calls).toEqual(["resume n2", "clock n1 0", "clock n2 0", "clock n3 0"]);

    cluster.calls.length = 0;
    ops.length = 0;
    await healEverything(ctx, []);
    expect(cluster.calls).toEqual([]);
    expect(ops).toEqual([
      ["invoke", "heal-all", null],
      ["ok", "heal-all", null],
    ]);
  });

  it("attempts every kind and reports each failure in one info", async () => {
    const { ctx, cluster, ops } = fakeContext();
    cluster.failing.add("heal");
    cluster.failing.add("clock n3 0");
    await healEverything(ctx, options.kinds);
    expect(cluster.calls).toEqual(["heal", "clock n1 0", "clock n2 0", "clock n3 0"]);
    expect(ops.at(-1)).toEqual([
      "info",
      "heal-all",
      null,
      "partition: heal failed; clock: n3: clock n3 0 failed",
    ]);
  });
});
