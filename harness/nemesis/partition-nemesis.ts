// Network partitions. `partitionCuts` is pure: a shape, the nodes in a seed-drawn order and the
// leader give the set of directed links to cut (Jepsen's grudges: a cut [a, b] means b no longer
// hears from a). The nemesis cuts them (f "partition", value {shape, cuts}) and heals (f "heal").
import type { NodeId } from "../../nodes/core/replica.js";
import type { Link } from "../runtime/runtime.js";
import type { Nemesis, PartitionShape } from "./nemesis.js";
import { recordStep } from "./nemesis-step.js";

/**
 * The directed links a partition of this shape cuts. `order` is every node, in a random order
 * drawn from the seed: it decides who lands where (the first node is the one isolated by "one",
 * halves are the first ⌊n/2⌋ and the rest, the ring follows it). Shapes that need more nodes
 * than there are (a bridge of 2) cut nothing.
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
            `nodes ${order.join(", ")}): use it with the leader build`,
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

export const partitionNemesis: Nemesis = {
  kinds: ["partition"],
  async start({ cluster, recorder }, fault) {
    if (fault.kind !== "partition") return;
    const value = { shape: fault.shape, cuts: fault.cuts };
    await recordStep(recorder, "partition", value, () => cluster.cutLinks(fault.cuts));
  },
  async stop({ cluster, recorder }, fault) {
    if (fault.kind !== "partition") return;
    await recordStep(recorder, "heal", null, () => cluster.healLinks());
  },
};
