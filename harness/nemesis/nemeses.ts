// The registry of fault kinds, one bundle each (nemesis.ts): the config's `nemesis:` section,
// the schedule, the runner, the final heal (in this order: resume, restart, heal links, reset
// clocks, lift a failover's fence), the progress line and the report all read this one map. A new fault kind is its own
// file plus one line here (and, at most, what the runtimes must do to carry it out).
import { clockNemesis } from "./clock-nemesis.js";
import { failoverNemesis } from "./failover-nemesis.js";
import { killNemesis } from "./kill-nemesis.js";
import type { AnyFaultKind } from "./nemesis.js";
import { partitionNemesis } from "./partition-nemesis.js";
import { pauseNemesis } from "./pause-nemesis.js";

export const nemeses = {
  pause: pauseNemesis,
  kill: killNemesis,
  partition: partitionNemesis,
  clock: clockNemesis,
  failover: failoverNemesis,
} satisfies Record<string, AnyFaultKind>;

export type FaultKindName = keyof typeof nemeses;

export const FAULT_KINDS = Object.keys(nemeses) as FaultKindName[];

/** The bundle of a kind; an unknown kind is a programmer's error (the config refuses it). */
export function faultKind(kind: string): AnyFaultKind {
  const bundle = (nemeses as Record<string, AnyFaultKind>)[kind];
  if (bundle === undefined) throw new Error(`unknown fault kind "${kind}"`);
  return bundle;
}
