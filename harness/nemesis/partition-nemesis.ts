// Network partitions (Jepsen's grudges: a cut [a, b] means b no longer hears from a), in shapes:
// halves, one node isolated, a ring of overlapping majorities, a bridge, and the leader isolated
// (found when the fault starts, through the system's leader discovery). The schedule draws the
// shape and a seeded order of the nodes; `partitionCuts` (pure) turns them into the links to cut.
// Recorded as f "partition" {shape, cuts} and f "heal".
import fc from "fast-check";
import { z } from "zod";
import type { NodeId } from "../../systems/system.js";
import type { Link } from "../runtime/runtime.js";
import type { FaultKind } from "./nemesis.js";
import { recordStep } from "./nemesis-step.js";

export const PARTITION_SHAPES = ["halves", "one", "majorities-ring", "bridge", "leader"] as const;
export type PartitionShape = (typeof PARTITION_SHAPES)[number];

const schema = z.strictObject({
  /** The shapes the schedule picks from (default: every shape the system can take). */
  shapes: z.array(z.enum(PARTITION_SHAPES)).min(1).optional(),
  /** How a cut link behaves: black-hole (connections hang) or reset (refused). */
  linkFault: z.enum(["blackhole", "reset"]).default("blackhole"),
});

export type PartitionOptions = z.output<typeof schema>;

export interface PartitionFault {
  shape: PartitionShape;
  /** Every node, in a seed-drawn order: it decides who lands where. */
  order: NodeId[];
}

/**
 * The directed links a partition of this shape cuts. `order` is every node, in a random order
 * drawn from the seed: it decides who lands where (the first node is the one isolated by "one",
 * halves are the first ⌊n/2⌋ and the rest, the ring follows it). Shapes that need more nodes
 * than there are (a bridge or a ring of 2) cut nothing.
 */
export function partitionCuts(
  shape: PartitionShape,
  order: readonly NodeId[],
  leader: NodeId | undefined,
): Link[] {
  const n = order.length;
  switch (shape) {
    case "halves":
      return between(order.slice(0, Math.floor(n / 2)), order.slice(Math.floor(n / 2)));
    case "one":
      return between(order.slice(0, 1), order.slice(1));
    case "leader": {
      if (leader === undefined || !order.includes(leader)) {
        throw new Error(
          `partition shape "leader" needs the cluster's leader (got ${leader ?? "none"}; ` +
            `nodes ${order.join(", ")})`,
        );
      }
      return between(
        [leader],
        order.filter((node) => node !== leader),
      );
    }
    case "bridge": {
      // Two sides that cannot talk, and one node in the middle that talks to both.
      const side = Math.floor((n - 1) / 2);
      return between(order.slice(0, side), order.slice(side + 1));
    }
    case "majorities-ring": {
      // Every node hears from a majority (a window of the ring around itself), and no two
      // nodes hear from the same majority. With an odd n the cuts are symmetric; with n = 3
      // each node hears from itself and its successor only.
      const majority = Math.floor(n / 2) + 1;
      const before = Math.floor((majority - 1) / 2);
      const cuts: Link[] = [];
      order.forEach((to, i) => {
        const heard = new Set<NodeId>();
        for (let k = 0; k < majority; k++) heard.add(order[(i - before + k + n) % n]!);
        for (const from of order) if (!heard.has(from)) cuts.push([from, to]);
      });
      return cuts;
    }
  }
}

/** Every link between the two groups, both ways. */
function between(a: readonly NodeId[], b: readonly NodeId[]): Link[] {
  return a.flatMap((x) =>
    b.flatMap((y): Link[] => [
      [x, y],
      [y, x],
    ]),
  );
}

export const partitionNemesis: FaultKind<"partition", PartitionOptions, PartitionFault> = {
  kind: "partition",
  summary: "cut the network between groups of nodes (halves, one, majorities-ring, bridge, leader)",
  report: {
    label: "partition",
    colour: "#3b6fd8",
    ops: { start: "partition", stop: "heal" },
    ended: "healed",
  },
  schema,
  flags: [
    {
      flags: "--link-fault <mode>",
      description: "how a cut link behaves: blackhole | reset",
      path: ["linkFault"],
      kind: "string",
    },
  ],
  resolve: (o, test) => ({
    ...o,
    shapes:
      o.shapes ??
      PARTITION_SHAPES.filter((s) => s !== "leader" || test.capabilities.includes("leader")),
  }),
  needs: (o) => (o.shapes?.includes("leader") ? ["leader"] : []),
  problems: (_o, test) =>
    test.nodeCount < 2 ? [{ path: [], message: "a partition needs at least 2 nodes" }] : [],
  draw(o, { g, nodes }) {
    const shapes = o.shapes ?? PARTITION_SHAPES;
    const shape = g(fc.constantFrom, ...shapes);
    const order = g(fc.shuffledSubarray<NodeId>, [...nodes], {
      minLength: nodes.length,
      maxLength: nodes.length,
    });
    // A shape that cuts nothing here (a bridge or ring of 2) is no fault; the leader is found later.
    if (shape !== "leader" && partitionCuts(shape, order, undefined).length === 0) return undefined;
    return { shape, order };
  },
  occupies: () => [],
  describe: (fault) => `partition ${fault.shape}`,
  async start({ cluster, session, recorder, signal }, fault) {
    let leader: NodeId | undefined;
    if (fault.shape === "leader") leader = await session.leader?.(signal);
    const cuts = (() => {
      try {
        return partitionCuts(fault.shape, fault.order, leader);
      } catch {
        return undefined;
      }
    })();
    const value = { shape: fault.shape, cuts: cuts ?? [], ...(leader !== undefined && { leader }) };
    await recordStep(recorder, "partition", value, async () => {
      if (cuts === undefined) throw new Error("no leader to isolate: none leads now");
      await cluster.cutLinks(cuts);
    });
  },
  async stop({ cluster, recorder }) {
    await recordStep(recorder, "heal", null, () => cluster.healLinks());
  },
  heal: ({ cluster }) => cluster.healLinks(),
};
