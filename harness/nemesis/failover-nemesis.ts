// Failover: fence the leader (SIGKILL it, or cut it off from every other node), let the system
// make another node lead (PostgreSQL: promote the most advanced standby, or a seeded random one,
// and re-point the others; our leader build: its election), and on heal lift the fence and have
// the system bring the old leader back as a follower (pg_rewind, or a fresh base backup).
// Recorded as f "failover" {leader, fence} → ok {leader, fence, promoted, steps}, and f "rejoin"
// {node} → ok {node, steps}; a failed step is an info naming it, with the steps so far.
import fc from "fast-check";
import { z } from "zod";
import type { FailoverStep, NodeId } from "../../systems/system.js";
import type { FaultKind, NemesisContext } from "./nemesis.js";
import { partitionCuts } from "./partition-nemesis.js";

const schema = z.strictObject({
  /** How the leader is fenced: killed, or cut off from the others (its links, both ways). */
  fence: z.enum(["kill", "isolate"]).default("kill"),
  /** Which node is promoted (systems that elect their leader ignore it). */
  pick: z.enum(["most-advanced", "random"]).default("most-advanced"),
});

export type FailoverOptions = z.output<typeof schema>;

export interface FailoverFault {
  /** A number in [0, 1) from the seed, for a random pick. */
  random: number;
  /** Every node (any may be the leader when it starts). */
  nodes: NodeId[];
  /** Set when it starts: the fenced leader. */
  fenced?: NodeId;
}

/** Records an op pair around a failover step list: invoke, then ok with the steps (or info). */
async function recordSteps(
  ctx: NemesisContext,
  f: string,
  value: Record<string, unknown>,
  action: (record: (step: FailoverStep) => void) => Promise<Record<string, unknown>>,
): Promise<boolean> {
  const steps: FailoverStep[] = [];
  ctx.recorder.invoke(f, value);
  try {
    const more = await action((step) => steps.push(step));
    ctx.recorder.complete("ok", f, { ...value, ...more, steps });
    return true;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    ctx.recorder.complete("info", f, { ...value, steps }, why);
    return false;
  }
}

async function unfence(ctx: NemesisContext, node: NodeId, options: FailoverOptions): Promise<void> {
  if (options.fence === "isolate") await ctx.cluster.healLinks();
  else if (ctx.cluster.state(node) === "down") await ctx.cluster.restart(node);
}

export const failoverNemesis: FaultKind<"failover", FailoverOptions, FailoverFault> = {
  kind: "failover",
  summary: "fence the leader (kill or isolate), promote another node, later bring the old one back",
  report: {
    label: "failover",
    colour: "#c2410c",
    ops: { start: "failover", stop: "rejoin" },
    ended: "rejoined",
  },
  schema,
  flags: [
    {
      flags: "--failover-fence <how>",
      description: "how a failover fences the leader: kill | isolate",
      path: ["fence"],
      kind: "string",
    },
  ],
  needs: () => ["leader", "failover"],
  problems: (_o, test) =>
    test.nodeCount < 2 ? [{ path: [], message: "a failover needs at least 2 nodes" }] : [],
  // Every node may be the leader when it starts, and every node takes part in the promotion:
  // it starts only when no other node fault holds a node, and holds them all while it lasts.
  draw: (_o, { g, nodes, idle }) =>
    idle.length < nodes.length
      ? undefined
      : { random: g(fc.integer, { min: 0, max: 2 ** 30 - 1 }) / 2 ** 30, nodes: [...nodes] },
  occupies: (fault) => fault.nodes,
  describe: (fault) => `failover${fault.fenced === undefined ? "" : ` from ${fault.fenced}`}`,
  async start(ctx, fault, options) {
    const leader = await ctx.session.leader?.(ctx.signal);
    const value = { leader: leader ?? null, fence: options.fence };
    await recordSteps(ctx, "failover", value, async (record) => {
      if (leader === undefined) throw new Error("no leader to fence: none leads now");
      if (ctx.session.failover === undefined) throw new Error("the system cannot fail over");
      fault.fenced = leader;
      if (options.fence === "kill") await ctx.cluster.kill(leader);
      else await ctx.cluster.cutLinks(partitionCuts("leader", ctx.cluster.nodes, leader));
      record({ step: "fence", node: leader, how: options.fence });
      const choice = { pick: options.pick, random: fault.random };
      const promoted = await ctx.session.failover.promote(leader, choice, record, ctx.signal);
      return { promoted };
    });
  },
  async stop(ctx, fault, options) {
    const node = fault.fenced;
    if (node === undefined) return;
    fault.fenced = undefined;
    await recordSteps(ctx, "rejoin", { node }, async (record) => {
      await unfence(ctx, node, options);
      record({ step: "unfence", node, how: options.fence });
      await ctx.session.failover?.rejoin(node, record, ctx.signal);
      return {};
    });
  },
  // The runner stops (rejoins) every failover it started before the final heal; this only lifts
  // a fence a failed stop left behind.
  heal: async ({ cluster }) => {
    await cluster.healLinks();
    const down = cluster.nodes.filter((node) => cluster.state(node) === "down");
    for (const node of down) await cluster.restart(node);
  },
};
