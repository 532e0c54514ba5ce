// planFaults: the same seed and config give the same schedule, other seeds another one, and every
// schedule keeps its promises (timing, one fault per kind at a time, disjoint node targets,
// minorities killed or paused, bounded clock skew). Bad configs fail naming the field.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { planFaults } from "./fault-schedule.js";
import {
  FAULT_KINDS,
  type FaultConfig,
  type FaultEvent,
  type FaultKind,
  PARTITION_SHAPES,
} from "./nemesis.js";

const N5 = ["n1", "n2", "n3", "n4", "n5"];

const config: FaultConfig = {
  kinds: ["partition", "kill", "pause", "clock"],
  intervalMs: 5000,
  jitterMs: 2000,
  partitionShapes: [...PARTITION_SHAPES],
  clockSkewMsMax: 10_000,
  faultDurationMs: 8000,
};

function nodesOf(event: FaultEvent): string[] {
  const { fault } = event;
  if (fault.kind === "partition") return [];
  return fault.kind === "clock" ? Object.keys(fault.offsetsMs) : fault.nodes;
}

describe("planFaults", () => {
  it("gives the same schedule for the same seed and config", () => {
    const a = planFaults(config, N5, "n1", 7, 120_000);
    const b = planFaults(config, N5, "n1", 7, 120_000);
    expect(a.length).toBeGreaterThan(5);
    expect(b).toEqual(a);
  });

  it("gives different schedules for different seeds", () => {
    const schedules = [1, 2, 3, 4].map((seed) =>
      JSON.stringify(planFaults(config, N5, "n1", seed, 120_000)),
    );
    expect(new Set(schedules).size).toBe(4);
  });

  it("draws every kind and every shape over a long run", () => {
    const events = planFaults(config, N5, "n1", 11, 3_600_000);
    expect(new Set(events.map((e) => e.fault.kind))).toEqual(new Set(FAULT_KINDS));
    const shapes = events.flatMap((e) => (e.fault.kind === "partition" ? [e.fault.shape] : []));
    expect(new Set(shapes)).toEqual(new Set(PARTITION_SHAPES));
    // Several kinds at once happen: some starts share their time.
    expect(new Set(events.map((e) => e.atMs)).size).toBeLessThan(events.length);
  });

  it("keeps its promises for any seed and config", () => {
    const configs = fc.record({
      kinds: fc.subarray([...FAULT_KINDS], { minLength: 1 }),
      intervalMs: fc.integer({ min: 500, max: 10_000 }),
      jitterFraction: fc.double({ min: 0, max: 0.99, noNaN: true }),
      partitionShapes: fc.subarray(["halves", "one", "majorities-ring", "bridge"] as const, {
        minLength: 1,
      }),
      clockSkewMsMax: fc.integer({ min: 1, max: 60_000 }),
      faultDurationMs: fc.integer({ min: 1, max: 20_000 }),
      nodeCount: fc.integer({ min: 1, max: 7 }),
      seed: fc.integer(),
    });
    fc.assert(
      fc.property(configs, ({ jitterFraction, nodeCount, seed, ...rest }) => {
        const c: FaultConfig = {
          ...rest,
          partitionShapes: [...rest.partitionShapes],
          jitterMs: Math.floor(rest.intervalMs * jitterFraction),
        };
        const nodes = Array.from({ length: nodeCount }, (_, i) => `n${i + 1}`);
        const timeLimitMs = 60_000;
        const events = planFaults(c, nodes, undefined, seed, timeLimitMs);
        const starts = [...new Set(events.map((e) => e.atMs))];
        for (const [i, atMs] of starts.entries()) {
          expect(atMs).toBeLessThan(timeLimitMs);
          const gapMs = atMs - (starts[i - 1] ?? 0);
          expect(gapMs).toBeGreaterThanOrEqual(c.intervalMs - c.jitterMs);
        }
        const busyKind = new Map<FaultKind, number>();
        const busyNode = new Map<string, number>();
        for (const event of events) {
          const { fault, atMs } = event;
          expect(c.kinds).toContain(fault.kind);
          expect(event.durationMs).toBe(c.faultDurationMs);
          expect(busyKind.get(fault.kind) ?? 0).toBeLessThanOrEqual(atMs);
          busyKind.set(fault.kind, atMs + event.durationMs);
          for (const node of nodesOf(event)) {
            expect(nodes).toContain(node);
            expect(busyNode.get(node) ?? 0).toBeLessThanOrEqual(atMs);
            busyNode.set(node, atMs + event.durationMs);
          }
          if (fault.kind === "partition") {
            expect(c.partitionShapes).toContain(fault.shape);
            expect(fault.cuts.length).toBeGreaterThan(0);
          } else if (fault.kind === "clock") {
            for (const ms of Object.values(fault.offsetsMs)) {
              expect(ms).not.toBe(0);
              expect(Math.abs(ms)).toBeLessThanOrEqual(c.clockSkewMsMax);
            }
          } else {
            expect(fault.nodes.length).toBeGreaterThan(0);
            expect(fault.nodes.length).toBeLessThanOrEqual(
              Math.max(1, Math.floor((nodeCount - 1) / 2)),
            );
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  it("plans nothing without kinds, and isolates the given leader", () => {
    expect(planFaults({ ...config, kinds: [] }, N5, undefined, 1, 60_000)).toEqual([]);
    const events = planFaults(
      { ...config, kinds: ["partition"], partitionShapes: ["leader"] },
      N5,
      "n4",
      3,
      60_000,
    );
    expect(events.length).toBeGreaterThan(0);
    for (const { fault } of events) {
      if (fault.kind !== "partition") throw new Error("only partitions were asked for");
      expect(fault.cuts.every(([a, b]) => a === "n4" || b === "n4")).toBe(true);
    }
  });

  it("names the field of a bad config", () => {
    expect(() => planFaults({ ...config, jitterMs: 5000 }, N5, "n1", 1, 1000)).toThrow(
      "nemesis jitterMs is 5000: it must be an integer in [0, intervalMs = 5000)",
    );
    expect(() => planFaults({ ...config, intervalMs: 0 }, N5, "n1", 1, 1000)).toThrow(
      /intervalMs is 0/,
    );
    expect(() => planFaults({ ...config, clockSkewMsMax: 0 }, N5, "n1", 1, 1000)).toThrow(
      /clockSkewMsMax/,
    );
    expect(() => planFaults({ ...config, partitionShapes: [] }, N5, "n1", 1, 1000)).toThrow(
      /partitionShapes/,
    );
    expect(() => planFaults(config, N5, undefined, 1, 1000)).toThrow(
      /shape "leader" needs a leader/,
    );
  });
});
