// The nemesis: faults injected into a running cluster. Each kind of fault is one bundle (one file,
// registered in nemeses.ts): its section of the test file, how the schedule draws it, how it is
// started, stopped and healed, and how the progress line and the report name and colour it.
// A bundle records its own steps as history ops of process "nemesis" (invoke, then ok, or info
// with the error) and never throws from start or stop. This file holds the contract only.
import type fc from "fast-check";
import type { z } from "zod";
import type { ConfigProblem, FlagSpec } from "../../systems/options-schema.js";
import type { Capability, NodeId, SystemSession } from "../../systems/system.js";
import type { Cluster } from "../runtime/runtime.js";

/** Where nemesis ops go: the runner's history writer, as process "nemesis". */
export interface NemesisRecorder {
  invoke(f: string, value: unknown): void;
  /** `error` says why, on an info (the step failed or its outcome is unknown). */
  complete(type: "ok" | "info", f: string, value: unknown, error?: string): void;
}

/** What a fault acts on while the run goes. */
export interface NemesisContext {
  cluster: Cluster;
  session: SystemSession;
  recorder: NemesisRecorder;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
}

/** What the schedule knows when it draws a fault's targets. */
export interface DrawContext {
  /** fast-check's generator: every choice comes from the run's seed. */
  g: fc.GeneratorValue;
  nodes: readonly NodeId[];
  /** The nodes no other fault occupies now (kill, pause and clock never share a node). */
  idle: readonly NodeId[];
}

/** What a kind's options are checked against. */
export interface FaultCheckContext {
  /** The system's name, for messages. */
  system: string;
  nodeCount: number;
  capabilities: readonly Capability[];
}

/** The general settings of the schedule (the `nemesis:` section's own keys). */
export interface ScheduleOptions {
  /** A fault starts every intervalMs ± jitterMs (uniform). */
  interval: number;
  jitter: number;
  /** How long each fault lasts before it is healed. */
  faultDuration: number;
}

export interface FaultKind<K extends string = string, O = unknown, F = unknown> {
  readonly kind: K;
  /** One line for --help and the docs. */
  readonly summary: string;
  /** How the report shows it: its name, colour, the f of its start and stop, and the verb of
   * its end ("restarted at 7.9 s"). */
  readonly report: {
    label: string;
    colour: string;
    ops: { start: string; stop: string };
    ended: string;
  };
  /** Its own section, `nemesis.<kind>` (every key optional; the output has every default). */
  readonly schema: z.ZodType<O>;
  /** Shorthand flags for keys of its section. */
  readonly flags: readonly FlagSpec[];
  /** Fills defaults that depend on the test (e.g. the shapes the system can take). */
  resolve?(options: O, test: FaultCheckContext): O;
  /** The system capabilities it needs. */
  needs(options: O): readonly Capability[];
  /** Combinations its schema cannot see (paths relative to its section). */
  problems(options: O, test: FaultCheckContext): ConfigProblem[];
  /** One fault's targets; undefined when it would do nothing now (no idle node). */
  draw(options: O, ctx: DrawContext): F | undefined;
  /** The nodes it occupies while it lasts (partitions occupy links, not nodes). */
  occupies(fault: F): readonly NodeId[];
  /** A short label for the progress line: "partition halves", "kill n2". */
  describe(fault: F): string;
  /** Injects the fault and records it. Never throws: a failure is recorded as info. */
  start(ctx: NemesisContext, fault: F, options: O): Promise<void>;
  /** Undoes what start did (if it is still in effect) and records it. Never throws. */
  stop(ctx: NemesisContext, fault: F, options: O): Promise<void>;
  /** The final heal's part for this kind: undo every fault of it still in effect (throws why). */
  heal(ctx: NemesisContext): Promise<void>;
}

// biome-ignore lint/suspicious/noExplicitAny: a registry of heterogeneous fault kinds
export type AnyFaultKind = FaultKind<string, any, any>;

/** A fault of the schedule: its kind and targets; it starts atMs after the nemesis starts. */
export interface FaultEvent {
  atMs: number;
  durationMs: number;
  kind: string;
  fault: unknown;
}
