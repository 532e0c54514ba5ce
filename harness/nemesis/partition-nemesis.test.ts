// partitionCuts for every shape on 3 and 5 nodes: the exact cut sets for a known order, and the
// property each shape promises (who hears whom), checked on every order of the nodes. Then the
// partition bundle: its shapes by capability, its draws, and a "leader" partition that finds the
// leader when it starts (through the session), or records why it could not.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { NodeId } from "../../systems/system.js";
import type { Link } from "../runtime/runtime.js";
import { fakeContext, testNemesis } from "./fake-cluster.js";
import {
  PARTITION_SHAPES,
  type PartitionFault,
  partitionCuts,
  partitionNemesis,
} from "./partition-nemesis.js";

const N3 = ["n1", "n2", "n3"];
const N5 = ["n1", "n2", "n3", "n4", "n5"];

const sorted = (links: Link[]) => links.map(([a, b]) => `${a}>${b}`).sort();
const both = (a: NodeId, b: NodeId) => [`${a}>${b}`, `${b}>${a}`];

/** The nodes `node` still hears from (itself included). */
function hears(node: NodeId, nodes: readonly NodeId[], cuts: Link[]): NodeId[] {
  return nodes.filter((from) => !cuts.some(([a, b]) => a === from && b === node));
}

/** The groups of nodes that still talk both ways (connected components of the uncut links). */
function groups(nodes: readonly NodeId[], cuts: Link[]): string[] {
  const seen = new Set<NodeId>();
  const result: string[] = [];
  for (const start of nodes) {
    if (seen.has(start)) continue;
    const group = [start];
    seen.add(start);
    for (let i = 0; i < group.length; i++) {
      for (const other of nodes) {
        if (!seen.has(other) && !cuts.some(([a, b]) => a === group[i] && b === other)) {
          seen.add(other);
          group.push(other);
        }
      }
    }
    result.push(group.sort().join(","));
  }
  return result.sort();
}

const orders = (nodes: string[]) =>
  fc.shuffledSubarray(nodes, { minLength: nodes.length, maxLength: nodes.length });

describe("partitionCuts", () => {
  it("halves: the first ⌊n/2⌋ of the order against the rest, both ways", () => {
    expect(sorted(partitionCuts("halves", N3, undefined))).toEqual(
      [...both("n1", "n2"), ...both("n1", "n3")].sort(),
    );
    expect(groups(N5, partitionCuts("halves", ["n4", "n1", "n2", "n3", "n5"], undefined))).toEqual([
      "n1,n4",
      "n2,n3,n5",
    ]);
    for (const nodes of [N3, N5]) {
      fc.assert(
        fc.property(orders(nodes), (order) => {
          const sizes = groups(nodes, partitionCuts("halves", order, undefined)).map(
            (g) => g.split(",").length,
          );
          expect(sizes.sort()).toEqual([Math.floor(nodes.length / 2), Math.ceil(nodes.length / 2)]);
        }),
      );
    }
  });

  it("one: isolates the first node of the order", () => {
    expect(sorted(partitionCuts("one", ["n2", "n1", "n3"], undefined))).toEqual(
      [...both("n2", "n1"), ...both("n2", "n3")].sort(),
    );
    expect(
      groups(N5, partitionCuts("one", ["n3", ...N5.filter((n) => n !== "n3")], undefined)),
    ).toEqual(["n1,n2,n4,n5", "n3"]);
  });

  it("leader: isolates the leader whatever the order, and needs one", () => {
    for (const nodes of [N3, N5]) {
      fc.assert(
        fc.property(orders(nodes), (order) => {
          expect(groups(nodes, partitionCuts("leader", order, "n2"))).toEqual([
            nodes.filter((n) => n !== "n2").join(","),
            "n2",
          ]);
        }),
      );
    }
    expect(() => partitionCuts("leader", N3, undefined)).toThrow(/needs the cluster's leader/);
    expect(() => partitionCuts("leader", N3, "n7")).toThrow(/got n7/);
  });

  it("bridge: two sides that cannot talk, and one node that hears and reaches both", () => {
    expect(sorted(partitionCuts("bridge", N3, undefined))).toEqual(both("n1", "n3").sort());
    const cuts = partitionCuts("bridge", N5, undefined);
    expect(sorted(cuts)).toEqual(
      [...both("n1", "n4"), ...both("n1", "n5"), ...both("n2", "n4"), ...both("n2", "n5")].sort(),
    );
    expect(hears("n3", N5, cuts)).toEqual(N5);
    expect(cuts.some(([a]) => a === "n3")).toBe(false);
  });

  it("majorities-ring: every node hears a majority, and no two hear the same one", () => {
    // n = 3: each node hears itself and its successor in the ring n1 → n2 → n3.
    expect(sorted(partitionCuts("majorities-ring", N3, undefined))).toEqual(
      ["n3>n1", "n1>n2", "n2>n3"].sort(),
    );
    // n = 5: each node hears its two neighbours; the cuts are symmetric.
    const cuts5 = partitionCuts("majorities-ring", N5, undefined);
    expect(hears("n1", N5, cuts5)).toEqual(["n1", "n2", "n5"]);
    expect(hears("n3", N5, cuts5)).toEqual(["n2", "n3", "n4"]);
    for (const nodes of [N3, N5]) {
      fc.assert(
        fc.property(orders(nodes), (order) => {
          const cuts = partitionCuts("majorities-ring", order, undefined);
          const views = nodes.map((node) => hears(node, nodes, cuts));
          for (const [i, view] of views.entries()) {
            expect(view).toContain(nodes[i]);
            expect(view.length).toBe(Math.floor(nodes.length / 2) + 1);
          }
          expect(new Set(views.map((view) => view.join(","))).size).toBe(nodes.length);
        }),
      );
    }
  });

  it("never cuts a node from itself, and cuts nothing on a single node", () => {
    for (const shape of PARTITION_SHAPES) {
      for (const nodes of [N3, N5]) {
        expect(partitionCuts(shape, nodes, "n1").every(([a, b]) => a !== b)).toBe(true);
      }
      expect(partitionCuts(shape, ["n1"], "n1")).toEqual([]);
    }
  });
});

/** The partition bundle's draw under one seed, on these nodes (all idle). */
function drawn(shapes: PartitionFault["shape"][], nodes: string[], seed: number) {
  const options = { shapes, linkFault: "blackhole" as const };
  return fc.sample(
    fc.gen().map((g) => partitionNemesis.draw(options, { g, nodes, idle: nodes })),
    { seed, numRuns: 1 },
  )[0];
}

describe("the partition bundle", () => {
  it("takes every shape the system can: leader only with leader discovery", () => {
    expect(testNemesis("partition").partition.shapes).toEqual([...PARTITION_SHAPES]);
    expect(testNemesis("partition", { capabilities: [] }).partition.shapes).toEqual(
      PARTITION_SHAPES.filter((s) => s !== "leader"),
    );
    expect(partitionNemesis.needs({ shapes: ["halves", "leader"], linkFault: "reset" })).toEqual([
      "leader",
    ]);
    expect(partitionNemesis.needs({ shapes: ["halves"], linkFault: "reset" })).toEqual([]);
  });

  it("draws one of its shapes and every node in a seeded order; occupies no node", () => {
    fc.assert(
      fc.property(
        fc.subarray([...PARTITION_SHAPES], { minLength: 1 }),
        fc.integer({ min: 2, max: 7 }),
        fc.integer(),
        (shapes, nodeCount, seed) => {
          const nodes = Array.from({ length: nodeCount }, (_, i) => `n${i + 1}`);
          const fault = drawn(shapes, nodes, seed);
          if (fault === undefined) {
            // On 2 nodes a bridge and a ring of majorities cut nothing: no fault, rather than
            // one recorded that does nothing.
            expect(nodeCount).toBe(2);
            expect(shapes.some((s) => s === "bridge" || s === "majorities-ring")).toBe(true);
            return;
          }
          expect(shapes).toContain(fault.shape);
          expect([...fault.order].sort()).toEqual([...nodes].sort());
          expect(partitionNemesis.occupies(fault)).toEqual([]);
          // The leader is found when the fault starts; every other shape cuts something.
          if (fault.shape !== "leader")
            expect(partitionCuts(fault.shape, fault.order, undefined).length).toBeGreaterThan(0);
        },
      ),
    );
    expect(drawn(["bridge"], ["n1", "n2"], 1)).toBeUndefined();
    expect(drawn(["majorities-ring"], ["n1", "n2"], 1)).toBeUndefined();
    expect(drawn(["halves"], ["n1", "n2", "n3"], 1)).toEqual(
      drawn(["halves"], ["n1", "n2", "n3"], 1),
    );
  });

  it("a leader partition isolates the node that leads when it starts, and heals", async () => {
    let leader = "n2";
    const { ctx, cluster, ops } = fakeContext({ leader: () => leader });
    const fault: PartitionFault = { shape: "leader", order: ["n1", "n2", "n3"] };
    const options = testNemesis("partition").partition;
    leader = "n3";
    await partitionNemesis.start(ctx, fault, options);
    await partitionNemesis.stop(ctx, fault, options);
    const cuts = [
      ["n3", "n1"],
      ["n1", "n3"],
      ["n3", "n2"],
      ["n2", "n3"],
    ];
    expect(cluster.calls).toEqual(["cut n3>n1 n1>n3 n3>n2 n2>n3", "heal"]);
    expect(ops).toEqual([
      ["invoke", "partition", { shape: "leader", cuts, leader: "n3" }],
      ["ok", "partition", { shape: "leader", cuts, leader: "n3" }],
      ["invoke", "heal", null],
      ["ok", "heal", null],
    ]);
    expect(partitionNemesis.describe(fault)).toBe("partition leader");
  });

  it("a leader partition while none leads is an info that cuts nothing", async () => {
    const fault: PartitionFault = { shape: "leader", order: ["n1", "n2", "n3"] };
    const options = testNemesis("partition").partition;
    for (const session of [{ leader: undefined }, {}]) {
      const { ctx, cluster, ops } = fakeContext(session);
      await partitionNemesis.start(ctx, fault, options);
      expect(cluster.calls).toEqual([]);
      expect(ops).toEqual([
        ["invoke", "partition", { shape: "leader", cuts: [] }],
        [
          "info",
          "partition",
          { shape: "leader", cuts: [] },
          "no leader to isolate: none leads now",
        ],
      ]);
    }
  });

  it("needs two nodes", () => {
    const test = { system: "fake", capabilities: [] };
    const options = testNemesis("partition").partition;
    expect(partitionNemesis.problems(options, { ...test, nodeCount: 1 })).toEqual([
      { path: [], message: "a partition needs at least 2 nodes" },
    ]);
    expect(partitionNemesis.problems(options, { ...test, nodeCount: 2 })).toEqual([]);
  });
});
