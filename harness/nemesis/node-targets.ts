// Which nodes a node fault (kill, pause) hits: drawn at plan time from the seed, or found when the
// fault starts — the leader, or followers — through the system's leader discovery. `random`
// takes a seeded minority of the idle nodes (at least one), so a quorum may survive. And the
// bundle of such a fault: hit the targets, later undo it on those still hit.
import fc from "fast-check";
import { z } from "zod";
import type { FlagSpec } from "../../systems/options-schema.js";
import type { NodeId } from "../../systems/system.js";
import type { Cluster, NodeState } from "../runtime/runtime.js";
import type { DrawContext, FaultKind, NemesisContext } from "./nemesis.js";
import { onEveryNode, recordStep } from "./nemesis-step.js";

export const NODE_TARGETS = ["random", "leader", "followers"] as const;
export type NodeTarget = (typeof NODE_TARGETS)[number];

export const nodeTargetOption = z.enum(NODE_TARGETS).default("random");

/** A node fault's targets as planned: the nodes (random), or how many to find when it starts. */
export interface PlannedTargets {
  target: NodeTarget;
  /** random: the nodes; leader / followers: every node in a seeded order, to pick from. */
  nodes: NodeId[];
  /** followers: how many to hit. */
  count: number;
}

/** At most a minority (at least one) of `nodes.length`. */
export function minority(nodeCount: number): number {
  return Math.max(1, Math.floor((nodeCount - 1) / 2));
}

/** Draws the planned targets; undefined when a random fault finds no idle node. */
export function drawTargets(
  target: NodeTarget,
  { g, nodes, idle }: DrawContext,
  most = minority(nodes.length),
): PlannedTargets | undefined {
  if (target !== "random") {
    // Any node may turn out to be hit: start only when no other node fault holds one.
    if (idle.length < nodes.length) return undefined;
    const order = g(fc.shuffledSubarray<NodeId>, [...nodes], {
      minLength: nodes.length,
      maxLength: nodes.length,
    });
    return { target, nodes: order, count: g(fc.integer, { min: 1, max: most }) };
  }
  const upTo = Math.min(idle.length, most);
  if (upTo === 0) return undefined;
  const count = g(fc.integer, { min: 1, max: upTo });
  const picked = g(fc.shuffledSubarray<NodeId>, [...idle], { minLength: count, maxLength: count });
  return { target, nodes: nodes.filter((node) => picked.includes(node)), count };
}

/** The nodes a planned fault occupies in the schedule: its nodes when drawn now; every node
 * when they are found only as it starts (the leader may be any of them). */
export function plannedNodes(planned: PlannedTargets): readonly NodeId[] {
  return planned.nodes;
}

/** The nodes to hit now, and the leader when it was asked; an empty list when none fits.
 * With no leader known, any nodes are followers. */
export async function resolveTargets(
  planned: PlannedTargets,
  { session, signal }: Pick<NemesisContext, "session" | "signal">,
): Promise<{ nodes: NodeId[]; leader?: NodeId }> {
  if (planned.target === "random") return { nodes: planned.nodes };
  const leader = await session.leader?.(signal);
  if (planned.target === "leader")
    return leader === undefined ? { nodes: [] } : { nodes: [leader], leader };
  const followers = planned.nodes.filter((node) => node !== leader).slice(0, planned.count);
  return { nodes: followers, ...(leader !== undefined && { leader }) };
}

export function describeTargets(planned: PlannedTargets): string {
  return planned.target === "random" ? planned.nodes.join(",") : planned.target;
}

const targetedSchema = z.strictObject({ target: nodeTargetOption });

export type TargetedOptions = z.output<typeof targetedSchema>;

/** A targeted fault remembers whom it hit, so its stop undoes those (the schedule holds it). */
export interface TargetedFault extends PlannedTargets {
  hit?: NodeId[];
}

/** A fault that puts nodes in a state (down, paused) and later takes them out of it. */
export function targetedFault<K extends string>(spec: {
  kind: K;
  summary: string;
  report: FaultKind["report"];
  flags: readonly FlagSpec[];
  /** What a hit node is until undone. */
  hitState: NodeState;
  hit: (cluster: Cluster, node: NodeId) => Promise<void>;
  undo: (cluster: Cluster, node: NodeId) => Promise<void>;
}): FaultKind<K, TargetedOptions, TargetedFault> {
  const { start: startF, stop: stopF } = spec.report.ops;
  const stillHit = (cluster: Cluster, nodes: readonly NodeId[]) =>
    nodes.filter((node) => cluster.state(node) === spec.hitState);
  return {
    kind: spec.kind,
    summary: spec.summary,
    report: spec.report,
    schema: targetedSchema,
    flags: spec.flags,
    needs: (o) => (o.target === "random" ? [] : ["leader"]),
    problems: () => [],
    draw: (o, ctx) => drawTargets(o.target, ctx),
    occupies: plannedNodes,
    describe: (fault) => `${spec.kind} ${describeTargets(fault)}`,
    async start(ctx, fault) {
      const { nodes, leader } = await resolveTargets(fault, ctx);
      fault.hit = nodes;
      const value = leader === undefined ? nodes : { nodes, leader };
      await recordStep(ctx.recorder, startF, value, async () => {
        if (nodes.length === 0) throw new Error(`no ${fault.target} to ${spec.kind} now`);
        await onEveryNode(nodes, (node) => spec.hit(ctx.cluster, node));
      });
    },
    async stop({ cluster, recorder }, fault) {
      const nodes = stillHit(cluster, fault.hit ?? []);
      if (nodes.length === 0) return;
      await recordStep(recorder, stopF, nodes, () =>
        onEveryNode(nodes, (node) => spec.undo(cluster, node)),
      );
    },
    heal: ({ cluster }) =>
      onEveryNode(stillHit(cluster, cluster.nodes), (node) => spec.undo(cluster, node)),
  };
}
