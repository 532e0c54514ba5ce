// A workload is what the clients do: a fast-check arbitrary of the next op a client plans (so the
// op stream comes from the run's seed), the client logic that performs an op against the node
// API and says how it ended, and the checkers that judge its history. A no-op workload is beside it.
import fc from "fast-check";
import type { CheckOptions } from "../checkers/checker.js";
import type { NodeId, Strategy } from "../nodes/core/replica.js";
import type { NodeClient } from "./node-client.js";

export interface WorkloadOptions {
  /** How many keys the clients spread over (k1 … kN). */
  keyCount: number;
  /** Cart: items a key takes, on average, before the clients move to a fresh one (default 1000). */
  itemsPerKey?: number;
}

/** What the generator decides for one op: the operation, the key and the node to ask. */
export interface OpPlan {
  f: string;
  key: string;
  /** Index into the cluster's node list (the client asks that node). */
  nodeIndex: number;
}

/** The invoke a client records: the op's fields beyond process / type / time. */
export interface Invocation {
  f: string;
  key: string;
  value: unknown;
  node: NodeId;
  /**
   * Writes that carry a causal context: the sibling values of the read whose context they send,
   * when known at invoke time (a cas reads first: its basis comes with its completion only).
   */
  basis?: unknown[];
}

/** How an op ended; recorded as the completion (the invoke's f, key and basis are copied on). */
export interface Completion {
  type: "ok" | "fail" | "info";
  value: unknown;
  error?: string;
  /** Overrides the invoke's basis (a cas: the values its own read returned, whose context it sent). */
  basis?: unknown[];
  /** Extra fields a workload documents (e.g. retries). */
  [field: string]: unknown;
}

/** One client thread's logic and state (e.g. its last read of every key). */
export interface WorkloadClient {
  /** The invoke for this plan; `unique` is an integer no other op of the run uses. */
  invoke(plan: OpPlan, node: NodeId, unique: number): Invocation;
  /** Performs the op; never throws for node or network errors (they become fail / info). */
  complete(invocation: Invocation, signal: AbortSignal): Promise<Completion>;
}

export interface Workload {
  readonly name: string;
  /** The next op a client plans; `nodeCount` bounds nodeIndex. */
  plan(nodeCount: number): fc.Arbitrary<OpPlan>;
  /** A fresh client (its own state) talking to the nodes through `http`. */
  client(http: NodeClient): WorkloadClient;
  /** The checkers that judge this workload's history under a strategy, when the test names none. */
  checkers(strategy: Strategy): readonly string[];
  /** Options the checkers need for this workload (e.g. the linearizable model). */
  readonly checkOptions: CheckOptions;
}

export type WorkloadFactory = (options: WorkloadOptions) => Workload;

/** The key names a workload uses: k1 … kN. */
export function keyNames(keyCount: number): string[] {
  return Array.from({ length: keyCount }, (_, i) => `k${i + 1}`);
}

/** Does nothing and succeeds: for harness tests that need a workload but no node. */
export const noopWorkload: WorkloadFactory = (options) => ({
  name: "noop",
  plan: (nodeCount) =>
    fc.record({
      f: fc.constant("noop"),
      key: fc.constantFrom(...keyNames(options.keyCount)),
      nodeIndex: fc.nat(nodeCount - 1),
    }),
  client: () => ({
    invoke: (plan, node, unique) => ({ f: plan.f, key: plan.key, value: unique, node }),
    complete: async (invocation) => ({ type: "ok", value: invocation.value }),
  }),
  checkers: () => [],
  checkOptions: {},
});
