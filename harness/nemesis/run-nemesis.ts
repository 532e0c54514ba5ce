// Executes a fault schedule against a cluster: each fault starts at its time and is stopped
// (healed) after its duration, or at once when the signal aborts; runNemesis resolves when every
// fault it started is stopped. Faults on the same node, or of the same kind, run in schedule
// order even when a slow step (a restart) runs late: a restart never races a pause of the node.
import { setTimeout as sleep } from "node:timers/promises";
import type { Cluster } from "../runtime/runtime.js";
import { faultNodes } from "./fault-schedule.js";
import { nemeses } from "./nemeses.js";
import {
  composeNemeses,
  describeFault,
  type FaultEvent,
  type NemesisContext,
  type NemesisRecorder,
} from "./nemesis.js";

export async function runNemesis(
  schedule: FaultEvent[],
  cluster: Cluster,
  recorder: NemesisRecorder,
  signal: AbortSignal,
  onFault?: (active: string | undefined) => void,
): Promise<void> {
  const nemesis = composeNemeses(Object.values(nemeses));
  const ctx: NemesisContext = { cluster, recorder };
  const startedAtMs = performance.now();
  const active = new Map<FaultEvent, string>();
  const report = () => onFault?.(active.size === 0 ? undefined : [...active.values()].join(" + "));
  // Resource ("kind:partition", "node:n2") → the last fault task that uses it.
  const lanes = new Map<string, Promise<void>>();

  const ordered = [...schedule].sort((a, b) => a.atMs - b.atMs);
  const tasks = ordered.map((event) => {
    const resources = [
      `kind:${event.fault.kind}`,
      ...faultNodes(event.fault).map((node) => `node:${node}`),
    ];
    const before = resources.flatMap((resource) => lanes.get(resource) ?? []);
    const task = (async () => {
      await Promise.all(before);
      if (!(await sleepUntil(startedAtMs + event.atMs, signal))) return;
      active.set(event, describeFault(event.fault));
      report();
      try {
        await nemesis.start(ctx, event.fault);
        await sleepUntil(startedAtMs + event.atMs + event.durationMs, signal);
      } finally {
        await nemesis.stop(ctx, event.fault);
        active.delete(event);
        report();
      }
    })();
    for (const resource of resources) lanes.set(resource, task);
    return task;
  });
  await Promise.all(tasks);
}

/** Sleeps until performance.now() reaches `deadlineMs`; false if the signal aborted first. */
async function sleepUntil(deadlineMs: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  const waitMs = deadlineMs - performance.now();
  if (waitMs <= 0) return true;
  try {
    await sleep(waitMs, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}
