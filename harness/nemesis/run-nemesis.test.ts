// runNemesis and healEverything against a fake cluster that logs every call: faults start and
// stop on time and are recorded invoke → ok (or info with the error), an abort heals what was
// started and starts nothing new, steps never overlap (each nemesis invoke is followed by its own
// completion, even for concurrent faults and slow steps), and heal-all undoes what is still broken.
import { describe, expect, it } from "vitest";
import type { NodeId } from "../../nodes/core/replica.js";
import type { Cluster, Link } from "../runtime/runtime.js";
import { healEverything } from "./heal-everything.js";
import type { FaultEvent, NemesisRecorder } from "./nemesis.js";
import { runNemesis, stepsOf } from "./run-nemesis.js";

class FakeCluster implements Cluster {
  readonly nodes = ["n1", "n2", "n3"];
  readonly calls: string[] = [];
  failing = new Set<string>();

  url(node: NodeId) {
    return `http://${node}`;
  }
  async #call(call: string) {
    this.calls.push(call);
    if (this.failing.has(call)) throw new Error(`${call} failed`);
  }
  kill = (node: NodeId) => this.#call(`kill ${node}`);
  restart = (node: NodeId) => this.#call(`restart ${node}`);
  pause = (node: NodeId) => this.#call(`pause ${node}`);
  resume = (node: NodeId) => this.#call(`resume ${node}`);
  cutLinks = (links: readonly Link[]) =>
    this.#call(`cut ${links.map((l) => l.join(">")).join(" ")}`);
  healLinks = () => this.#call("heal");
  setClockOffset = (node: NodeId, offsetMs: number) => this.#call(`clock ${node} ${offsetMs}`);
  stop = async () => {};
  [Symbol.asyncDispose] = async () => {};
}

function recorder() {
  const ops: unknown[][] = [];
  const r: NemesisRecorder = {
    invoke: (f, value) => ops.push(["invoke", f, value]),
    complete: (type, f, value, error) =>
      ops.push(error === undefined ? [type, f, value] : [type, f, value, error]),
  };
  return { ops, r };
}

const partition: FaultEvent = {
  atMs: 10,
  durationMs: 30,
  fault: { kind: "partition", shape: "one", cuts: [["n1", "n2"]] },
};
const kill: FaultEvent = { atMs: 20, durationMs: 30, fault: { kind: "kill", nodes: ["n2"] } };

describe("runNemesis", () => {
  it("starts and stops every fault on its schedule, recording each step", async () => {
    const cluster = new FakeCluster();
    const { ops, r } = recorder();
    const seen: (string | undefined)[] = [];
    const schedule: FaultEvent[] = [
      kill,
      partition,
      { atMs: 60, durationMs: 10, fault: { kind: "clock", offsetsMs: { n3: -250 } } },
      { atMs: 80, durationMs: 10, fault: { kind: "pause", nodes: ["n1", "n3"] } },
    ];
    await runNemesis(schedule, cluster, r, new AbortController().signal, (a) => seen.push(a));
    expect(cluster.calls).toEqual([
      "cut n1>n2",
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
      ["invoke", "partition", { shape: "one", cuts: [["n1", "n2"]] }],
      ["ok", "partition", { shape: "one", cuts: [["n1", "n2"]] }],
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
  });

  it("records a failed step as info with the error, and still stops the fault", async () => {
    const cluster = new FakeCluster();
    cluster.failing.add("kill n2");
    const { ops, r } = recorder();
    await runNemesis([kill], cluster, r, new AbortController().signal);
    expect(ops).toEqual([
      ["invoke", "kill", ["n2"]],
      ["info", "kill", ["n2"], "n2: kill n2 failed"],
      ["invoke", "restart", ["n2"]],
      ["ok", "restart", ["n2"]],
    ]);
  });

  it("on abort, heals what it started at once and starts nothing more", async () => {
    const cluster = new FakeCluster();
    const { ops, r } = recorder();
    const abort = new AbortController();
    const later: FaultEvent = {
      atMs: 5000,
      durationMs: 10,
      fault: { kind: "pause", nodes: ["n1"] },
    };
    const long = { ...kill, durationMs: 60_000 };
    const done = runNemesis([long, later], cluster, r, abort.signal);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = performance.now();
    abort.abort();
    await done;
    expect(performance.now() - started).toBeLessThan(1000);
    expect(cluster.calls).toEqual(["kill n2", "restart n2"]);
    expect(ops.map(([type, f]) => `${type} ${f}`)).toEqual([
      "invoke kill",
      "ok kill",
      "invoke restart",
      "ok restart",
    ]);
  });

  it("runs faults on the same node in schedule order even when a step is slow", async () => {
    const cluster = new FakeCluster();
    const slowRestart = cluster.restart;
    cluster.restart = async (node) => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await slowRestart(node);
    };
    const { r } = recorder();
    const pause: FaultEvent = { atMs: 55, durationMs: 10, fault: { kind: "pause", nodes: ["n2"] } };
    await runNemesis([kill, pause], cluster, r, new AbortController().signal);
    expect(cluster.calls).toEqual(["kill n2", "restart n2", "pause n2", "resume n2"]);
  });
  it("serialises the steps of concurrent faults: each invoke is followed by its completion", async () => {
    const cluster = new FakeCluster();
    // Every call takes a while, so steps due close together would overlap if run concurrently.
    for (const name of ["kill", "restart", "pause", "resume", "cutLinks", "healLinks"] as const) {
      const call = cluster[name] as (...args: never[]) => Promise<void>;
      cluster[name] = (async (...args: never[]) => {
        await new Promise((resolve) => setTimeout(resolve, 40));
        await call(...args);
      }) as never;
    }
    const { ops, r } = recorder();
    const schedule: FaultEvent[] = [
      { atMs: 0, durationMs: 20, fault: { kind: "partition", shape: "one", cuts: [["n1", "n3"]] } },
      { atMs: 0, durationMs: 20, fault: { kind: "kill", nodes: ["n2"] } },
      { atMs: 5, durationMs: 20, fault: { kind: "pause", nodes: ["n1"] } },
      { atMs: 10, durationMs: 20, fault: { kind: "clock", offsetsMs: { n3: 100 } } },
    ];
    await runNemesis(schedule, cluster, r, new AbortController().signal);
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
    const pause = (atMs: number, durationMs: number, node: string): FaultEvent => ({
      atMs,
      durationMs,
      fault: { kind: "pause", nodes: [node] },
    });
    const a = pause(0, 10, "n1");
    const b = pause(10, 0, "n1");
    const c = pause(10, 5, "n2");
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
    const cluster = new FakeCluster();
    cluster.failing.add("restart n2");
    const { r } = recorder();
    await runNemesis([kill], cluster, r, new AbortController().signal);
    cluster.failing.clear();
    cluster.calls.length = 0;
    const { ops, r: r2 } = recorder();
    await healEverything(cluster, r2);
    expect(cluster.calls).toEqual(["restart n2", "heal", "clock n1 0", "clock n2 0", "clock n3 0"]);
    expect(ops).toEqual([
      ["invoke", "heal-all", null],
      ["ok", "heal-all", null],
    ]);
    // Nothing left to restart the second time.
    cluster.calls.length = 0;
    await healEverything(cluster, r2);
    expect(cluster.calls).toEqual(["heal", "clock n1 0", "clock n2 0", "clock n3 0"]);
  });

  it("attempts every step and reports each failure in one info", async () => {
    const cluster = new FakeCluster();
    cluster.failing.add("heal");
    cluster.failing.add("clock n3 0");
    const { ops, r } = recorder();
    await healEverything(cluster, r);
    expect(cluster.calls).toEqual(["heal", "clock n1 0", "clock n2 0", "clock n3 0"]);
    expect(ops.at(-1)).toEqual([
      "info",
      "heal-all",
      null,
      "heal links: heal failed; reset clocks: n3: clock n3 0 failed",
    ]);
  });
});
