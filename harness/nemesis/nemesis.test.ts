// The fault kinds as bundles: the registry is complete whatever the import order, each bundle
// labels its faults for the progress line, and the node faults' targets (node-targets.ts) —
// a seeded random minority drawn at plan time, or the leader or followers found when the fault
// starts through the session's leader discovery — are what kill and pause hit and record.
// Imports fault-schedule first on purpose: that order once left the registry half-built through
// an import cycle.
import { planFaults } from "./fault-schedule.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { NodeId } from "../../systems/system.js";
import { clockNemesis } from "./clock-nemesis.js";
import { fakeContext, testNemesis } from "./fake-cluster.js";
import { killNemesis } from "./kill-nemesis.js";
import { FAULT_KINDS, faultKind, nemeses } from "./nemeses.js";
import {
  describeTargets,
  drawTargets,
  minority,
  NODE_TARGETS,
  type NodeTarget,
  type PlannedTargets,
  plannedNodes,
  resolveTargets,
} from "./node-targets.js";
import { partitionNemesis } from "./partition-nemesis.js";
import { pauseNemesis } from "./pause-nemesis.js";

const N5 = ["n1", "n2", "n3", "n4", "n5"];

/** drawTargets under one seed. */
function draw(target: NodeTarget, nodes: NodeId[], idle: NodeId[], seed: number) {
  return fc.sample(
    fc.gen().map((g) => drawTargets(target, { g, nodes, idle })),
    { seed, numRuns: 1 },
  )[0];
}

describe("the fault kinds", () => {
  it("form a complete registry whatever the import order", () => {
    expect(typeof planFaults).toBe("function");
    expect(FAULT_KINDS).toEqual(["pause", "kill", "partition", "clock", "failover"]);
    for (const kind of FAULT_KINDS) {
      expect(nemeses[kind].kind).toBe(kind);
      expect(faultKind(kind)).toBe(nemeses[kind]);
      expect(nemeses[kind].report.colour).toMatch(/^#[0-9a-f]{6}$/);
    }
    expect(new Set(FAULT_KINDS.map((k) => nemeses[k].report.ops.start)).size).toBe(
      FAULT_KINDS.length,
    );
    expect(() => faultKind("flood")).toThrow('unknown fault kind "flood"');
  });

  it("label their faults for the progress line", () => {
    expect(partitionNemesis.describe({ shape: "bridge", order: ["n1", "n2", "n3"] })).toBe(
      "partition bridge",
    );
    const random: PlannedTargets = { target: "random", nodes: ["n1", "n3"], count: 2 };
    expect(killNemesis.describe(random)).toBe("kill n1,n3");
    expect(pauseNemesis.describe({ target: "followers", nodes: N5, count: 2 })).toBe(
      "pause followers",
    );
    expect(killNemesis.describe({ target: "leader", nodes: N5, count: 1 })).toBe("kill leader");
    expect(clockNemesis.describe({ offsetsMs: { n1: 250, n2: -40 } })).toBe(
      "clock n1+250ms,n2-40ms",
    );
  });

  it("need leader discovery for leader and follower targets only", () => {
    for (const bundle of [killNemesis, pauseNemesis]) {
      expect(bundle.needs({ target: "random" })).toEqual([]);
      expect(bundle.needs({ target: "leader" })).toEqual(["leader"]);
      expect(bundle.needs({ target: "followers" })).toEqual(["leader"]);
    }
    expect(clockNemesis.needs(testNemesis("clock").clock)).toEqual(["clock"]);
  });
});

describe("node targets", () => {
  it("a minority is at most (n - 1) / 2 nodes, and at least one", () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(minority)).toEqual([1, 1, 1, 1, 2, 2, 3]);
  });

  it("random: a seeded minority of the idle nodes, in node order, occupied in the schedule", () => {
    fc.assert(
      fc.property(fc.subarray(N5), fc.integer(), (idle, seed) => {
        const planned = draw("random", N5, idle, seed);
        if (idle.length === 0) {
          expect(planned).toBeUndefined();
          return;
        }
        expect(planned!.nodes.length).toBe(planned!.count);
        expect(planned!.count).toBeGreaterThanOrEqual(1);
        expect(planned!.count).toBeLessThanOrEqual(minority(N5.length));
        expect(planned!.nodes).toEqual(idle.filter((n) => planned!.nodes.includes(n)));
        expect(plannedNodes(planned!)).toEqual(planned!.nodes);
        expect(describeTargets(planned!)).toBe(planned!.nodes.join(","));
      }),
    );
    expect(draw("random", N5, N5, 4)).toEqual(draw("random", N5, N5, 4));
  });

  it("leader and followers: every node in a seeded order, only when all are idle, occupying all", () => {
    for (const target of ["leader", "followers"] as const) {
      expect(draw(target, N5, N5.slice(1), 1)).toBeUndefined();
      fc.assert(
        fc.property(fc.integer(), (seed) => {
          const planned = draw(target, N5, N5, seed)!;
          expect(planned.target).toBe(target);
          expect([...planned.nodes].sort()).toEqual(N5);
          expect(planned.count).toBeGreaterThanOrEqual(1);
          expect(planned.count).toBeLessThanOrEqual(minority(N5.length));
          // Who will be hit is known only when the fault starts: it may be any node.
          expect([...plannedNodes(planned)].sort()).toEqual(N5);
          expect(describeTargets(planned)).toBe(target);
        }),
      );
    }
    expect(NODE_TARGETS).toEqual(["random", "leader", "followers"]);
  });

  it("resolve to the nodes to hit when the fault starts", async () => {
    const order = ["n3", "n1", "n2"];
    const { ctx } = fakeContext({ leader: "n1" });
    const resolve = (target: NodeTarget, count: number) =>
      resolveTargets({ target, nodes: order, count }, ctx);
    expect(await resolve("random", 3)).toEqual({ nodes: order });
    expect(await resolve("leader", 1)).toEqual({ nodes: ["n1"], leader: "n1" });
    // Followers: the first `count` of the seeded order that are not the leader.
    expect(await resolve("followers", 1)).toEqual({ nodes: ["n3"], leader: "n1" });
    expect(await resolve("followers", 2)).toEqual({ nodes: ["n3", "n2"], leader: "n1" });
  });

  it("find no leader while none leads: a leader target hits nothing, followers any node", async () => {
    const { ctx } = fakeContext({ leader: undefined });
    const planned = (target: NodeTarget): PlannedTargets => ({ target, nodes: N5, count: 2 });
    expect(await resolveTargets(planned("leader"), ctx)).toEqual({ nodes: [] });
    expect(await resolveTargets(planned("followers"), ctx)).toEqual({ nodes: ["n1", "n2"] });
  });
});

describe("kill and pause on their targets", () => {
  it("kill the node that leads when the fault starts, and restart it", async () => {
    let leader = "n1";
    const { ctx, cluster, ops } = fakeContext({ leader: () => leader });
    const fault: PlannedTargets = { target: "leader", nodes: ["n1", "n2", "n3"], count: 1 };
    leader = "n2";
    await killNemesis.start(ctx, fault, { target: "leader" });
    expect(cluster.state("n2")).toBe("down");
    // A new leader meanwhile does not change whom the stop restarts.
    leader = "n3";
    await killNemesis.stop(ctx, fault, { target: "leader" });
    expect(cluster.calls).toEqual(["kill n2", "restart n2"]);
    expect(ops).toEqual([
      ["invoke", "kill", { nodes: ["n2"], leader: "n2" }],
      ["ok", "kill", { nodes: ["n2"], leader: "n2" }],
      ["invoke", "restart", ["n2"]],
      ["ok", "restart", ["n2"]],
    ]);
  });

  it("pause followers, never the leader, and resume them", async () => {
    const { ctx, cluster, ops } = fakeContext({ nodes: N5, leader: "n4" });
    const fault: PlannedTargets = {
      target: "followers",
      nodes: ["n4", "n2", "n5", "n1", "n3"],
      count: 2,
    };
    await pauseNemesis.start(ctx, fault, { target: "followers" });
    expect(N5.map((n) => cluster.state(n))).toEqual([
      "running",
      "paused",
      "running",
      "running",
      "paused",
    ]);
    await pauseNemesis.stop(ctx, fault, { target: "followers" });
    expect(cluster.calls).toEqual(["pause n2", "pause n5", "resume n2", "resume n5"]);
    expect(ops.map(([type, f, value]) => [type, f, value])).toEqual([
      ["invoke", "pause", { nodes: ["n2", "n5"], leader: "n4" }],
      ["ok", "pause", { nodes: ["n2", "n5"], leader: "n4" }],
      ["invoke", "resume", ["n2", "n5"]],
      ["ok", "resume", ["n2", "n5"]],
    ]);
  });

  it("record an info and undo nothing when no node fits the target now", async () => {
    for (const [bundle, f] of [
      [killNemesis, "kill"],
      [pauseNemesis, "pause"],
    ] as const) {
      const { ctx, cluster, ops } = fakeContext({ leader: undefined });
      const fault: PlannedTargets = { target: "leader", nodes: ["n1", "n2", "n3"], count: 1 };
      await bundle.start(ctx, fault, { target: "leader" });
      await bundle.stop(ctx, fault, { target: "leader" });
      expect(cluster.calls).toEqual([]);
      expect(ops).toEqual([
        ["invoke", f, []],
        ["info", f, [], `no leader to ${f} now`],
      ]);
    }
  });

  it("restart only what is still down at the stop: a node healed meanwhile is left alone", async () => {
    const { ctx, cluster, ops } = fakeContext();
    const fault: PlannedTargets = { target: "random", nodes: ["n1", "n3"], count: 2 };
    await killNemesis.start(ctx, fault, { target: "random" });
    await cluster.restart("n3");
    ops.length = 0;
    await killNemesis.stop(ctx, fault, { target: "random" });
    expect(ops).toEqual([
      ["invoke", "restart", ["n1"]],
      ["ok", "restart", ["n1"]],
    ]);
  });
});
