// The failover bundle against a fake cluster and a fake system failover: it fences the leader
// found when it starts (kill or isolate), asks the system to promote, records every step in the
// op's value, and on stop lifts the fence and has the system rejoin the old leader.
import { describe, expect, it } from "vitest";
import type { FailoverStep, NodeId, SystemFailover } from "../../systems/system.js";
import { fakeContext, testNemesis } from "./fake-cluster.js";
import { failoverNemesis } from "./failover-nemesis.js";
import { planFaults } from "./fault-schedule.js";
import { nemesisProblems } from "./nemesis-options.js";

function systemFailover(promoted: NodeId | Error): SystemFailover & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async promote(fenced, choice, record) {
      asked.push(`promote ${fenced} ${choice.pick}`);
      record({ step: "pick", node: promoted instanceof Error ? null : promoted });
      if (promoted instanceof Error) throw promoted;
      return promoted;
    },
    async rejoin(node, record) {
      asked.push(`rejoin ${node}`);
      record({ step: "rewind", node });
    },
  };
}

function setup(promoted: NodeId | Error, leader: { is?: NodeId } = { is: "n1" }) {
  const failover = systemFailover(promoted);
  const context = fakeContext({ leader: leader.is });
  const ctx = { ...context.ctx, session: { ...context.ctx.session, failover } };
  return { ...context, ctx, failover };
}

const options = (section: object = {}) =>
  testNemesis(
    { kinds: ["failover"], failover: section },
    {
      capabilities: ["leader", "failover"],
    },
  ).failover;

describe("the failover fault", () => {
  it("kills the leader, has the system promote, and records each step", async () => {
    const { ctx, cluster, ops, failover } = setup("n2");
    const fault = { random: 0.5, nodes: ["n1", "n2", "n3"] };
    await failoverNemesis.start(ctx, fault, options());
    expect(cluster.calls).toEqual(["kill n1"]);
    expect(failover.asked).toEqual(["promote n1 most-advanced"]);
    const steps: FailoverStep[] = [
      { step: "fence", node: "n1", how: "kill" },
      { step: "pick", node: "n2" },
    ];
    expect(ops).toEqual([
      ["invoke", "failover", { leader: "n1", fence: "kill" }],
      ["ok", "failover", { leader: "n1", fence: "kill", promoted: "n2", steps }],
    ]);

    await failoverNemesis.stop(ctx, fault, options());
    expect(cluster.calls).toEqual(["kill n1", "restart n1"]);
    expect(failover.asked.at(-1)).toBe("rejoin n1");
    expect(ops.slice(2)).toEqual([
      ["invoke", "rejoin", { node: "n1" }],
      [
        "ok",
        "rejoin",
        {
          node: "n1",
          steps: [
            { step: "unfence", node: "n1", how: "kill" },
            { step: "rewind", node: "n1" },
          ],
        },
      ],
    ]);
  });

  it("isolates the leader instead when told, and heals its links to lift the fence", async () => {
    const { ctx, cluster } = setup("n3");
    const fault = { random: 0.1, nodes: ["n1", "n2", "n3"] };
    await failoverNemesis.start(ctx, fault, options({ fence: "isolate", pick: "random" }));
    expect(cluster.calls).toEqual(["cut n1>n2 n2>n1 n1>n3 n3>n1"]);
    await failoverNemesis.stop(ctx, fault, options({ fence: "isolate" }));
    expect(cluster.calls.at(-1)).toBe("heal");
  });

  it("records a failed promotion as info with the steps so far, and no leader as info", async () => {
    const failed = setup(new Error("no standby to promote"));
    await failoverNemesis.start(failed.ctx, { random: 0, nodes: ["n1", "n2", "n3"] }, options());
    expect(failed.ops.at(-1)).toEqual([
      "info",
      "failover",
      {
        leader: "n1",
        fence: "kill",
        steps: [
          { step: "fence", node: "n1", how: "kill" },
          { step: "pick", node: null },
        ],
      },
      "no standby to promote",
    ]);
    const leaderless = setup("n2", {});
    const fault = { random: 0, nodes: ["n1", "n2", "n3"] };
    await failoverNemesis.start(leaderless.ctx, fault, options());
    expect(leaderless.ops.at(-1)).toEqual([
      "info",
      "failover",
      { leader: null, fence: "kill", steps: [] },
      "no leader to fence: none leads now",
    ]);
    // Nothing was fenced, so there is nothing to rejoin.
    await failoverNemesis.stop(leaderless.ctx, fault, options());
    expect(leaderless.ops).toHaveLength(2);
  });

  it("draws a seeded pick, and shares no time with a node fault", () => {
    const nemesis = testNemesis(
      { kinds: ["failover", "pause"], interval: "1s", faultDuration: "900ms" },
      { capabilities: ["leader", "failover"] },
    );
    const schedule = planFaults(nemesis, ["n1", "n2", "n3"], 11, 30_000);
    const failovers = schedule.filter((e) => e.kind === "failover");
    expect(failovers.length).toBeGreaterThan(3);
    for (const event of failovers) {
      const { random } = event.fault as { random: number };
      expect(random).toBeGreaterThanOrEqual(0);
      expect(random).toBeLessThan(1);
      const overlapping = schedule.filter(
        (e) =>
          e.kind === "pause" &&
          e.atMs < event.atMs + event.durationMs &&
          event.atMs < e.atMs + e.durationMs,
      );
      expect(overlapping).toEqual([]);
    }
    expect(planFaults(nemesis, ["n1", "n2", "n3"], 11, 30_000)).toEqual(schedule);
  });

  it("needs leader discovery and failover from the system, and two nodes", () => {
    const nemesis = testNemesis(
      { kinds: ["failover"] },
      { capabilities: ["leader"], nodeCount: 1 },
    );
    const problems = nemesisProblems(nemesis, {
      system: "fake",
      nodeCount: 1,
      capabilities: ["leader"],
    }).map((p) => `${p.path.join(".")}: ${p.message}`);
    expect(problems).toEqual([
      "nemesis.kinds.0: a failover needs at least 2 nodes",
      expect.stringMatching(/^nemesis\.kinds\.0: failover faults need the capability "failover"/),
    ]);
  });
});
