// The nemesis: faults injected into a running cluster. One Nemesis handles one kind of fault
// (start it, later stop it), records both steps as history ops of process "nemesis" (invoke,
// then ok, or info with the error), and never throws. A no-op and a compose live beside it; this
// module also exports the runner's API (contract 6): planFaults, runNemesis, healEverything.
import type { NodeId } from "../../nodes/core/replica.js";
import type { Cluster, Link } from "../runtime/runtime.js";

export const FAULT_KINDS = ["partition", "kill", "pause", "clock"] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const PARTITION_SHAPES = ["halves", "one", "majorities-ring", "bridge", "leader"] as const;
export type PartitionShape = (typeof PARTITION_SHAPES)[number];

/** Where nemesis ops go: the runner's history writer, as process "nemesis". */
export interface NemesisRecorder {
  invoke(f: string, value: unknown): void;
  /** `error` says why, on an info (the step failed or its outcome is unknown). */
  complete(type: "ok" | "info", f: string, value: unknown, error?: string): void;
}

export interface FaultConfig {
  kinds: FaultKind[];
  /** A fault starts every intervalMs ± jitterMs (uniform). */
  intervalMs: number;
  jitterMs: number;
  partitionShapes: PartitionShape[];
  /** A clock fault shifts each chosen node by a nonzero offset within ±clockSkewMsMax. */
  clockSkewMsMax: number;
  /** How long each fault lasts before it is healed. */
  faultDurationMs: number;
}

/** One fault with its targets, drawn when the schedule is planned. */
export type Fault =
  | { kind: "partition"; shape: PartitionShape; cuts: Link[] }
  | { kind: "kill"; nodes: NodeId[] }
  | { kind: "pause"; nodes: NodeId[] }
  | { kind: "clock"; offsetsMs: Record<NodeId, number> };

/** A fault of the schedule: it starts atMs after the nemesis starts and lasts durationMs. */
export interface FaultEvent {
  atMs: number;
  durationMs: number;
  fault: Fault;
}

export interface NemesisContext {
  cluster: Cluster;
  recorder: NemesisRecorder;
}

export interface Nemesis {
  /** The fault kinds it handles. */
  readonly kinds: readonly FaultKind[];
  /** Injects the fault and records it; never throws (a failure is recorded as info). */
  start(ctx: NemesisContext, fault: Fault): Promise<void>;
  /** Heals what start injected and records it; never throws. */
  stop(ctx: NemesisContext, fault: Fault): Promise<void>;
}

export const noopNemesis: Nemesis = {
  kinds: [],
  async start() {},
  async stop() {},
};

/** One nemesis that hands every fault to the one handling its kind (later ones win). */
export function composeNemeses(nemeses: readonly Nemesis[]): Nemesis {
  const byKind = new Map<FaultKind, Nemesis>();
  for (const nemesis of nemeses) for (const kind of nemesis.kinds) byKind.set(kind, nemesis);
  const handler = (fault: Fault): Nemesis => {
    const nemesis = byKind.get(fault.kind);
    if (nemesis === undefined) throw new Error(`no nemesis handles faults of kind "${fault.kind}"`);
    return nemesis;
  };
  return {
    kinds: [...byKind.keys()],
    start: (ctx, fault) => handler(fault).start(ctx, fault),
    stop: (ctx, fault) => handler(fault).stop(ctx, fault),
  };
}

/** A short label for the progress line: "partition halves", "kill n2", "clock n1+250ms". */
export function describeFault(fault: Fault): string {
  switch (fault.kind) {
    case "partition":
      return `partition ${fault.shape}`;
    case "kill":
    case "pause":
      return `${fault.kind} ${fault.nodes.join(",")}`;
    case "clock":
      return `clock ${Object.entries(fault.offsetsMs)
        .map(([node, ms]) => `${node}${ms >= 0 ? "+" : ""}${ms}ms`)
        .join(",")}`;
  }
}

export { planFaults } from "./fault-schedule.js";
export { healEverything } from "./heal-everything.js";
export { runNemesis } from "./run-nemesis.js";
