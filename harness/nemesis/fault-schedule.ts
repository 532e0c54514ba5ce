// The fault schedule, planned before the run from the seed alone: a fast-check arbitrary, sampled
// under the seed, draws every start time, kind and target, so the same seed and config give the
// same schedule. A fault starts every interval ± jitter; each start picks one or more of the
// kinds not already active, and each kind's bundle draws its targets; faults on nodes (kill,
// pause, clock) never share a node at a time.
import fc from "fast-check";
import type { NodeId } from "../../systems/system.js";
import type { NemesisOptions } from "./nemesis-options.js";
import { faultKind } from "./nemeses.js";
import type { FaultEvent, ScheduleOptions } from "./nemesis.js";

export function planFaults(
  options: NemesisOptions,
  nodes: readonly NodeId[],
  seed: number,
  timeLimitMs: number,
): FaultEvent[] {
  const kinds = [...new Set(options.kinds)];
  if (kinds.length === 0 || nodes.length === 0) return [];
  const arbitrary = fc.gen().map((g) => plan(g, options, kinds, nodes, timeLimitMs));
  // unbiased: fast-check's bias towards small values is for finding bugs, not for schedules.
  return fc.sample(arbitrary, { seed, numRuns: 1, unbiased: true })[0]!;
}

function plan(
  g: fc.GeneratorValue,
  options: NemesisOptions,
  kinds: readonly string[],
  nodes: readonly NodeId[],
  timeLimitMs: number,
): FaultEvent[] {
  const { interval, jitter, faultDuration }: ScheduleOptions = options;
  const events: FaultEvent[] = [];
  const kindBusyUntilMs = new Map<string, number>();
  const nodeBusyUntilMs = new Map<NodeId, number>();
  let atMs = 0;
  for (;;) {
    atMs += interval + (jitter > 0 ? g(fc.integer, { min: -jitter, max: jitter }) : 0);
    if (atMs >= timeLimitMs) return events;
    const free = kinds.filter((kind) => (kindBusyUntilMs.get(kind) ?? 0) <= atMs);
    if (free.length === 0) continue;
    const chosen = g(fc.subarray<string>, free, { minLength: 1 });
    for (const kind of chosen) {
      const bundle = faultKind(kind);
      const idle = nodes.filter((node) => (nodeBusyUntilMs.get(node) ?? 0) <= atMs);
      const fault = bundle.draw(options[kind as keyof NemesisOptions], { g, nodes, idle });
      if (fault === undefined) continue;
      const untilMs = atMs + faultDuration;
      events.push({ atMs, durationMs: faultDuration, kind, fault });
      kindBusyUntilMs.set(kind, untilMs);
      for (const node of bundle.occupies(fault)) nodeBusyUntilMs.set(node, untilMs);
    }
  }
}
