// A workload is what the clients do: a fast-check arbitrary of the next op a client plans (so the
// op stream comes from the run's seed), the client logic that performs an op through the
// system's KvClient and says how it ended, and the checkers that judge its history. Each workload
// type declares its section of the test file (one zod schema); a no-op workload is beside it.
import fc from "fast-check";
import { z } from "zod";
import type { CheckOptions } from "../checkers/checker.js";
import type { KvClient, NodeId } from "./kv-client.js";

/** What a system does with a write that another write raced (the seed's three strategies). */
export type WriteConflicts = "lww" | "reject" | "siblings";

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
  /** Extra fields a workload documents (e.g. attempts). */
  [field: string]: unknown;
}

/** One client thread's logic and state (e.g. its last read of every key). */
export interface WorkloadClient {
  /** The invoke for this plan; `unique` is an integer no other op of the run uses. */
  invoke(plan: OpPlan, node: NodeId, unique: number): Invocation;
  /** Performs the op; never throws for system or network errors (they become fail / info). */
  complete(invocation: Invocation, signal: AbortSignal): Promise<Completion>;
}

/** The clients of every node (a session's `client`). */
export type KvClients = (node: NodeId) => KvClient;

export interface Workload {
  readonly name: string;
  /** The next op a client plans; `nodeCount` bounds nodeIndex. */
  plan(nodeCount: number): fc.Arbitrary<OpPlan>;
  /** A fresh client thread (its own state) talking to the nodes through `kv`. */
  client(kv: KvClients): WorkloadClient;
}

/** The options every workload section has. */
export interface WorkloadOptions {
  name: string;
  /** How many keys the clients spread over (k1 … kN). */
  keys: number;
}

/** One kind of workload: its test-file section, what it builds, what judges it. */
export interface WorkloadType<O extends WorkloadOptions = WorkloadOptions> {
  readonly name: O["name"];
  readonly summary: string;
  /** The `workload:` section (every key optional but `name`; the output has every default). */
  readonly schema: z.ZodType<O>;
  create(options: O): Workload;
  /** The checkers that judge this workload's history, when the test names none. */
  checkers(options: O, conflicts: WriteConflicts): readonly string[];
  /** Options the checkers need (e.g. the linearizable model). */
  checkOptions(options: O): CheckOptions;
  /** System capabilities the workload needs with these options (e.g. "append"). */
  needs?(options: O): readonly string[];
}

// biome-ignore lint/suspicious/noExplicitAny: a registry of heterogeneous workload types
export type AnyWorkloadType = WorkloadType<any>;

/** The key names a workload uses: k1 … kN. */
export function keyNames(keyCount: number): string[] {
  return Array.from({ length: keyCount }, (_, i) => `k${i + 1}`);
}

/** The keys every workload section takes: how many keys (bounded: each is read at the end). */
export const KEYS_MAX = 10_000;
export const keysOption = z.number().int().min(1).max(KEYS_MAX).default(3);

/** Does nothing and succeeds: for harness tests that need a workload but no system. */
export const noopWorkload: Workload = {
  name: "noop",
  plan: (nodeCount) =>
    fc.record({
      f: fc.constant("noop"),
      key: fc.constantFrom(...keyNames(1)),
      nodeIndex: fc.nat(nodeCount - 1),
    }),
  client: () => ({
    invoke: (plan, node, unique) => ({ f: plan.f, key: plan.key, value: unique, node }),
    complete: async (invocation) => ({ type: "ok", value: invocation.value }),
  }),
};
