// The fault schedule, planned before the run from the seed alone: a fast-check arbitrary, sampled
// under the seed, draws every start time, kind and target, so the same seed and config give the
// same schedule. A fault starts every intervalMs ± jitterMs; each start picks one or more of the
// kinds not already active; faults on nodes (kill, pause, clock) never share a node at a time.
import fc from "fast-check";
import type { NodeId } from "../../nodes/core/replica.js";
import type { Fault, FaultConfig, FaultEvent, FaultKind } from "./nemesis.js";
import { partitionCuts } from "./partition-nemesis.js";

type Gen = fc.GeneratorValue;

export function planFaults(
  config: FaultConfig,
  nodes: readonly NodeId[],
  leader: NodeId | undefined,
  seed: number,
  timeLimitMs: number,
): FaultEvent[] {
  validate(config, nodes, leader);
  const kinds = [...new Set(config.kinds)];
  if (kinds.length === 0 || nodes.length === 0) return [];
  const arbitrary = fc.gen().map((g) => plan(g, { ...config, kinds }, nodes, leader, timeLimitMs));
  // unbiased: fast-check's bias towards small values is for finding bugs, not for schedules.
  return fc.sample(arbitrary, { seed, numRuns: 1, unbiased: true })[0]!;
}

function plan(
  g: Gen,
  config: FaultConfig,
  nodes: readonly NodeId[],
  leader: NodeId | undefined,
  timeLimitMs: number,
): FaultEvent[] {
  const events: FaultEvent[] = [];
  const kindBusyUntilMs = new Map<FaultKind, number>();
  const nodeBusyUntilMs = new Map<NodeId, number>();
  let atMs = 0;
  for (;;) {
    atMs +=
      config.intervalMs +
      (config.jitterMs > 0 ? g(fc.integer, { min: -config.jitterMs, max: config.jitterMs }) : 0);
    if (atMs >= timeLimitMs) return events;
    const free = config.kinds.filter((kind) => (kindBusyUntilMs.get(kind) ?? 0) <= atMs);
    if (free.length === 0) continue;
    const chosen = g(fc.subarray<FaultKind>, free, { minLength: 1 });
    for (const kind of chosen) {
      const idle = nodes.filter((node) => (nodeBusyUntilMs.get(node) ?? 0) <= atMs);
      const fault = drawFault(g, kind, config, nodes, idle, leader);
      if (fault === undefined) continue;
      const untilMs = atMs + config.faultDurationMs;
      events.push({ atMs, durationMs: config.faultDurationMs, fault });
      kindBusyUntilMs.set(kind, untilMs);
      for (const node of faultNodes(fault)) nodeBusyUntilMs.set(node, untilMs);
    }
  }
}

/** Draws the targets of one fault; undefined when it would do nothing (no idle node, no cut). */
function drawFault(
  g: Gen,
  kind: FaultKind,
  config: FaultConfig,
  nodes: readonly NodeId[],
  idle: readonly NodeId[],
  leader: NodeId | undefined,
): Fault | undefined {
  if (kind === "partition") {
    const shape = g(fc.constantFrom, ...config.partitionShapes);
    const order = g(fc.shuffledSubarray<NodeId>, [...nodes], {
      minLength: nodes.length,
      maxLength: nodes.length,
    });
    const cuts = partitionCuts(shape, order, leader);
    return cuts.length === 0 ? undefined : { kind, shape, cuts };
  }
  // Kill and pause a minority at most (one node at least), so a quorum may survive; a clock
  // fault may skew any number of nodes.
  const most =
    kind === "clock"
      ? idle.length
      : Math.min(idle.length, Math.max(1, Math.floor((nodes.length - 1) / 2)));
  if (most === 0) return undefined;
  const count = g(fc.integer, { min: 1, max: most });
  const picked = g(fc.shuffledSubarray<NodeId>, [...idle], { minLength: count, maxLength: count });
  const targets = nodes.filter((node) => picked.includes(node));
  if (kind !== "clock") return { kind, nodes: targets };
  const offsetsMs: Record<NodeId, number> = {};
  for (const node of targets) {
    const magnitudeMs = g(fc.integer, { min: 1, max: config.clockSkewMsMax });
    offsetsMs[node] = g(fc.boolean) ? magnitudeMs : -magnitudeMs;
  }
  return { kind, offsetsMs };
}

/** The nodes a fault occupies (partitions occupy links, not nodes). */
function faultNodes(fault: Fault): NodeId[] {
  switch (fault.kind) {
    case "partition":
      return [];
    case "kill":
    case "pause":
      return fault.nodes;
    case "clock":
      return Object.keys(fault.offsetsMs);
  }
}

function validate(config: FaultConfig, nodes: readonly NodeId[], leader: NodeId | undefined): void {
  const problem = (field: string, value: unknown, allowed: string) =>
    new Error(`nemesis ${field} is ${JSON.stringify(value)}: ${allowed}`);
  if (!Number.isInteger(config.intervalMs) || config.intervalMs <= 0) {
    throw problem("intervalMs", config.intervalMs, "it must be a positive integer");
  }
  if (
    !Number.isInteger(config.jitterMs) ||
    config.jitterMs < 0 ||
    config.jitterMs >= config.intervalMs
  ) {
    throw problem(
      "jitterMs",
      config.jitterMs,
      `it must be an integer in [0, intervalMs = ${config.intervalMs})`,
    );
  }
  if (!Number.isInteger(config.faultDurationMs) || config.faultDurationMs <= 0) {
    throw problem("faultDurationMs", config.faultDurationMs, "it must be a positive integer");
  }
  if (
    config.kinds.includes("clock") &&
    (!Number.isInteger(config.clockSkewMsMax) || config.clockSkewMsMax <= 0)
  ) {
    throw problem("clockSkewMsMax", config.clockSkewMsMax, "clock faults need a positive integer");
  }
  if (config.kinds.includes("partition")) {
    if (config.partitionShapes.length === 0) {
      throw problem(
        "partitionShapes",
        config.partitionShapes,
        "partition faults need at least one shape",
      );
    }
    if (
      config.partitionShapes.includes("leader") &&
      (leader === undefined || !nodes.includes(leader))
    ) {
      throw problem(
        "partitionShapes",
        config.partitionShapes,
        `shape "leader" needs a leader among the nodes (got ${leader ?? "none"}): use it with the leader build`,
      );
    }
  }
}
