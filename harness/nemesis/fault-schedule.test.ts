// planFaults: the same seed and config give the same schedule, other seeds another one, and every
// schedule keeps its promises (timing, one fault per kind at a time, disjoint node targets,
// minorities killed or paused, bounded clock skew). And the `nemesis:` section it is planned
// from (nemesis-options.ts): its shorthands and defaults, and the problems it names by path —
// jitter not below the interval, a partition of one node, a kind the system cannot carry out.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Capability } from "../../systems/system.js";
import { testNemesis } from "./fake-cluster.js";
import { planFaults } from "./fault-schedule.js";
import type { ClockFault } from "./clock-nemesis.js";
import { FAULT_KINDS, faultKind } from "./nemeses.js";
import type { FaultEvent } from "./nemesis.js";
import { nemesisProblems, nemesisSchema } from "./nemesis-options.js";
import { minority, type PlannedTargets } from "./node-targets.js";
import { PARTITION_SHAPES, type PartitionFault, partitionCuts } from "./partition-nemesis.js";

const N5 = ["n1", "n2", "n3", "n4", "n5"];

const config = testNemesis(
  {
    kinds: ["partition", "kill", "pause", "clock"],
    interval: "5s",
    jitter: "2s",
    faultDuration: "8s",
    clock: { skewMax: "10s" },
  },
  { nodeCount: 5 },
);

const partitionOf = (event: FaultEvent) => event.fault as PartitionFault;

describe("planFaults", () => {
  it("gives the same schedule for the same seed and config", () => {
    const a = planFaults(config, N5, 7, 120_000);
    const b = planFaults(config, N5, 7, 120_000);
    expect(a.length).toBeGreaterThan(5);
    expect(b).toEqual(a);
  });

  it("gives different schedules for different seeds", () => {
    const schedules = [1, 2, 3, 4].map((seed) =>
      JSON.stringify(planFaults(config, N5, seed, 120_000)),
    );
    expect(new Set(schedules).size).toBe(4);
  });

  it("draws every kind, every shape and every node target over a long run", () => {
    const events = planFaults(config, N5, 11, 3_600_000);
    expect(new Set(events.map((e) => e.kind))).toEqual(new Set(config.kinds));
    const shapes = events.filter((e) => e.kind === "partition").map((e) => partitionOf(e).shape);
    expect(new Set(shapes)).toEqual(new Set(PARTITION_SHAPES));
    // Several kinds at once happen: some starts share their time.
    expect(new Set(events.map((e) => e.atMs)).size).toBeLessThan(events.length);
    for (const target of ["leader", "followers"] as const) {
      const targeted = testNemesis({
        kinds: ["kill", "pause"],
        kill: { target },
        pause: { target },
      });
      const faults = planFaults(targeted, N5, 11, 120_000).map((e) => e.fault as PlannedTargets);
      expect(faults.length).toBeGreaterThan(5);
      for (const fault of faults) expect(fault.target).toBe(target);
    }
  });

  it("keeps its promises for any seed and config", () => {
    const configs = fc.record({
      kinds: fc.subarray([...FAULT_KINDS], { minLength: 1 }),
      intervalMs: fc.integer({ min: 500, max: 10_000 }),
      jitterFraction: fc.double({ min: 0, max: 0.99, noNaN: true }),
      shapes: fc.subarray([...PARTITION_SHAPES], { minLength: 1 }),
      target: fc.constantFrom("random", "leader", "followers"),
      skewMaxMs: fc.integer({ min: 1, max: 60_000 }),
      faultDurationMs: fc.integer({ min: 1, max: 20_000 }),
      nodeCount: fc.integer({ min: 1, max: 7 }),
      seed: fc.integer(),
    });
    fc.assert(
      fc.property(configs, (p) => {
        const c = testNemesis(
          {
            kinds: p.kinds,
            interval: `${p.intervalMs}ms`,
            jitter: `${Math.floor(p.intervalMs * p.jitterFraction)}ms`,
            faultDuration: `${p.faultDurationMs}ms`,
            partition: { shapes: p.shapes },
            kill: { target: p.target },
            pause: { target: p.target },
            clock: { skewMax: `${p.skewMaxMs}ms` },
          },
          { nodeCount: p.nodeCount, capabilities: ["clock", "leader", "failover"] },
        );
        const nodes = Array.from({ length: p.nodeCount }, (_, i) => `n${i + 1}`);
        const timeLimitMs = 60_000;
        const events = planFaults(c, nodes, p.seed, timeLimitMs);
        const starts = [...new Set(events.map((e) => e.atMs))];
        for (const [i, atMs] of starts.entries()) {
          expect(atMs).toBeLessThan(timeLimitMs);
          const gapMs = atMs - (starts[i - 1] ?? 0);
          expect(gapMs).toBeGreaterThanOrEqual(c.interval - c.jitter);
        }
        const busyKind = new Map<string, number>();
        const busyNode = new Map<string, number>();
        for (const event of events) {
          const { kind, atMs } = event;
          expect(c.kinds).toContain(kind);
          expect(event.durationMs).toBe(p.faultDurationMs);
          expect(busyKind.get(kind) ?? 0).toBeLessThanOrEqual(atMs);
          busyKind.set(kind, atMs + event.durationMs);
          for (const node of faultKind(kind).occupies(event.fault)) {
            expect(nodes).toContain(node);
            expect(busyNode.get(node) ?? 0).toBeLessThanOrEqual(atMs);
            busyNode.set(node, atMs + event.durationMs);
          }
          expectKeptPromises(event, p, nodes);
        }
      }),
      { numRuns: 100 },
    );
  });

  it("plans nothing without kinds or without nodes", () => {
    expect(planFaults({ ...config, kinds: [] }, N5, 1, 60_000)).toEqual([]);
    expect(planFaults(config, [], 1, 60_000)).toEqual([]);
    expect(planFaults(config, N5, 1, config.interval - config.jitter)).toEqual([]);
  });

  it("plans a leader partition with every node in order; the leader is found when it starts", () => {
    const leaderOnly = testNemesis({ kinds: ["partition"], partition: { shapes: ["leader"] } });
    const events = planFaults(leaderOnly, N5, 3, 60_000);
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) {
      expect(event.kind).toBe("partition");
      expect(partitionOf(event).shape).toBe("leader");
      expect([...partitionOf(event).order].sort()).toEqual(N5);
    }
  });
});

/** What each kind promises of the faults it draws, under the config `p`. */
function expectKeptPromises(
  event: FaultEvent,
  p: { shapes: string[]; target: string; skewMaxMs: number; nodeCount: number },
  nodes: string[],
): void {
  if (event.kind === "partition") {
    const { shape, order } = partitionOf(event);
    expect(p.shapes).toContain(shape);
    expect([...order].sort()).toEqual([...nodes].sort());
    if (shape !== "leader")
      expect(partitionCuts(shape, order, undefined).length).toBeGreaterThan(0);
  } else if (event.kind === "failover") {
    const { random, nodes: held } = event.fault as { random: number; nodes: string[] };
    expect(random).toBeGreaterThanOrEqual(0);
    expect(random).toBeLessThan(1);
    expect(held).toEqual(nodes);
  } else if (event.kind === "clock") {
    const offsets = Object.values((event.fault as ClockFault).offsetsMs);
    expect(offsets.length).toBeGreaterThan(0);
    for (const ms of offsets) {
      expect(ms).not.toBe(0);
      expect(Math.abs(ms)).toBeLessThanOrEqual(p.skewMaxMs);
    }
  } else {
    const fault = event.fault as PlannedTargets;
    expect(fault.target).toBe(p.target);
    expect(fault.count).toBeGreaterThan(0);
    expect(fault.count).toBeLessThanOrEqual(minority(p.nodeCount));
    if (fault.target === "random") {
      expect(fault.nodes.length).toBe(fault.count);
      expect(fault.nodes).toEqual(nodes.filter((n) => fault.nodes.includes(n)));
    } else {
      // Every node in a seeded order, to pick the leader or followers from when it starts.
      expect([...fault.nodes].sort()).toEqual([...nodes].sort());
    }
  }
}

describe("the nemesis section", () => {
  const problems = (section: unknown, nodeCount = 3, capabilities: Capability[] = ["clock"]) => {
    const test = { system: "fake", nodeCount, capabilities };
    return nemesisProblems(testNemesis(section, test), test);
  };

  it("reads its shorthands: none, a comma list, a list", () => {
    expect(testNemesis("none").kinds).toEqual([]);
    expect(testNemesis(null).kinds).toEqual([]);
    expect(testNemesis(undefined).kinds).toEqual([]);
    expect(testNemesis("partition, kill").kinds).toEqual(["partition", "kill"]);
    expect(testNemesis(["clock", "pause", "clock"]).kinds).toEqual(["clock", "pause"]);
  });

  it("fills its defaults: jitter a quarter of the interval, at most a second", () => {
    const defaults = testNemesis({ kinds: ["kill"] });
    expect(defaults).toMatchObject({ interval: 4000, jitter: 1000, faultDuration: 3000 });
    expect(defaults.kill).toEqual({ target: "random" });
    expect(defaults.partition.linkFault).toBe("blackhole");
    expect(testNemesis({ interval: "2s" }).jitter).toBe(500);
    expect(testNemesis({ interval: "10s" }).jitter).toBe(1000);
    expect(testNemesis({ interval: "10s", jitter: 0 }).jitter).toBe(0);
  });

  it("names the field of a value its schema refuses", () => {
    const refused = (section: unknown) => {
      const result = nemesisSchema.safeParse(section);
      if (result.success) throw new Error(`accepted ${JSON.stringify(section)}`);
      return result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    };
    expect(refused({ interval: 0 })).toEqual([
      expect.stringMatching(/^interval: expected a duration from 1ms to /),
    ]);
    expect(refused({ clock: { skewMax: 0 } })[0]).toMatch(/^clock\.skewMax: expected a duration/);
    expect(refused({ partition: { shapes: [] } })[0]).toMatch(/^partition\.shapes: /);
    expect(refused({ kinds: ["partition", "flood"] })[0]).toMatch(/^kinds\.1: /);
    expect(refused("partition,flood")[0]).toMatch(/^kinds\.1: /);
    expect(refused({ kill: { target: "oldest" } })[0]).toMatch(/^kill\.target: /);
    expect(refused({ kinds: [], seed: 3 })[0]).toMatch(/seed/);
  });

  it("refuses a jitter that is not less than the interval", () => {
    expect(problems({ kinds: ["kill"], interval: "5s", jitter: "5s" })).toEqual([
      {
        path: ["nemesis", "jitter"],
        message: "jitter 5000ms must be less than the interval between faults (5000ms)",
      },
    ]);
    expect(problems({ kinds: ["kill"], interval: "5s", jitter: "6s" })).toHaveLength(1);
    expect(problems({ kinds: ["kill"], interval: "5s", jitter: "4999ms" })).toEqual([]);
  });

  it("refuses a partition of a single node, blaming its entry in kinds", () => {
    expect(problems({ kinds: ["kill", "partition"] }, 1)).toEqual([
      { path: ["nemesis", "kinds", 1], message: "a partition needs at least 2 nodes" },
    ]);
    expect(problems({ kinds: ["kill"] }, 1)).toEqual([]);
    expect(problems({ kinds: ["partition"] }, 2)).toEqual([]);
  });

  it("refuses a kind that needs a capability the system lacks, naming both", () => {
    expect(problems({ kinds: ["partition", "clock"] }, 3, [])).toEqual([
      {
        path: ["nemesis", "kinds", 1],
        message:
          'clock faults need the capability "clock" (shift a node\'s wall clock (the clock fault)), which system fake lacks',
      },
    ]);
    expect(problems({ kinds: ["kill"], kill: { target: "leader" } })).toEqual([
      {
        path: ["nemesis", "kinds", 0],
        message:
          'kill faults need the capability "leader" (tell which node leads now (the leader partition shape, leader targets)), which system fake lacks',
      },
    ]);
    expect(problems({ kinds: ["pause"], pause: { target: "followers" } })).toHaveLength(1);
    expect(problems({ kinds: ["partition"], partition: { shapes: ["leader"] } })).toHaveLength(1);
    // Without leader discovery, the default shapes leave the leader out: nothing to refuse.
    expect(problems({ kinds: ["partition"] })).toEqual([]);
    // A kind the test does not use needs nothing.
    expect(problems({ kinds: ["kill"], pause: { target: "leader" } })).toEqual([]);
    expect(
      problems({ kinds: ["kill", "clock"], kill: { target: "leader" } }, 3, ["clock", "leader"]),
    ).toEqual([]);
  });
});
