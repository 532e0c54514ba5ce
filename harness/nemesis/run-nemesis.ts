// Executes a fault schedule against a cluster, one step at a time: each fault starts at its time
// and is stopped (healed) after its duration, or at once when the signal aborts. Steps never
// overlap, so the history pairs every nemesis invoke with the next nemesis completion (Jepsen's one
// nemesis process); a step that runs late (a slow restart) delays the steps after it, in order.
// Time is the run's clock (real, or the sim's virtual time).
import { type RunClock, realClock } from "../run/run-clock.js";
import { faultKind } from "./nemeses.js";
import type { FaultEvent, NemesisContext } from "./nemesis.js";
import type { NemesisOptions } from "./nemesis-options.js";

/** One step of the run: a fault's start or its stop, due `atMs` after the nemesis starts. */
interface Step {
  atMs: number;
  action: "start" | "stop";
  event: FaultEvent;
}

export async function runNemesis(
  schedule: readonly FaultEvent[],
  options: NemesisOptions,
  ctx: NemesisContext,
  onFault?: (active: string | undefined) => void,
  clock: RunClock = realClock,
): Promise<void> {
  const startedAtMs = clock.nowMs();
  const optionsOf = (event: FaultEvent) => options[event.kind as keyof NemesisOptions];
  // Started and not yet stopped, in start order.
  const active = new Map<FaultEvent, string>();
  const report = () => onFault?.(active.size === 0 ? undefined : [...active.values()].join(" + "));
  const stop = async (event: FaultEvent) => {
    try {
      await faultKind(event.kind).stop(ctx, event.fault, optionsOf(event));
    } finally {
      active.delete(event);
      report();
    }
  };

  try {
    for (const step of stepsOf(schedule)) {
      if (!(await sleepUntil(clock, startedAtMs + step.atMs, ctx.signal))) break;
      if (step.action === "stop") {
        await stop(step.event);
        continue;
      }
      const bundle = faultKind(step.event.kind);
      active.set(step.event, bundle.describe(step.event.fault));
      report();
      await bundle.start(ctx, step.event.fault, optionsOf(step.event));
    }
  } finally {
    // Aborted (or a step threw): heal what is still active, one at a time, in start order.
    for (const event of [...active.keys()]) await stop(event);
  }
}

/**
 * The schedule as steps in the order they run: by time; a fault's stop always after its start;
 * at equal times stops before starts, so a fault that ends as another begins on the same node
 * (the schedule allows it) is healed first.
 */
export function stepsOf(schedule: readonly FaultEvent[]): Step[] {
  const starts = [...schedule].sort((a, b) => a.atMs - b.atMs);
  const pendingStops: Step[] = [];
  const steps: Step[] = [];
  const flushStopsUntil = (atMs: number) => {
    pendingStops.sort((a, b) => a.atMs - b.atMs);
    while (pendingStops.length > 0 && pendingStops[0]!.atMs <= atMs)
      steps.push(pendingStops.shift()!);
  };
  for (const event of starts) {
    flushStopsUntil(event.atMs);
    steps.push({ atMs: event.atMs, action: "start", event });
    pendingStops.push({ atMs: event.atMs + event.durationMs, action: "stop", event });
  }
  flushStopsUntil(Number.POSITIVE_INFINITY);
  return steps;
}

/** Sleeps until the clock reaches `deadlineMs`; false if the signal aborted first. */
async function sleepUntil(
  clock: RunClock,
  deadlineMs: number,
  signal: AbortSignal,
): Promise<boolean> {
  if (signal.aborted) return false;
  await clock.sleep(deadlineMs - clock.nowMs(), signal);
  return !signal.aborted;
}
