// The register: read / write / cas on K keys with unique integer values. A read's ok value is the
// list of siblings ([] when absent). A write sends the context of the client's last read of that
// key and records its `basis` (that read's siblings; [] if none) on the invoke and completion. A
// cas {"value":[FROM,TO]} sets TO when the key holds exactly [FROM] ([] when FROM is null): the
// system compares (our node: a read, then a write through its context; PostgreSQL: one UPDATE),
// and a mismatch or a lost race is a fail. Its basis is known only once it has compared, so the
// invoke has none; the completion carries the siblings the compare saw.
import fc from "fast-check";
import { z } from "zod";
import type { KvRead } from "./kv-client.js";
import {
  type Completion,
  type Invocation,
  type KvClients,
  keyNames,
  keysOption,
  type WorkloadType,
} from "./workload.js";

const registerOptions = z.strictObject({
  name: z.literal("register"),
  keys: keysOption,
});

export type RegisterOptions = z.output<typeof registerOptions>;

function registerClient(kv: KvClients) {
  const lastReads = new Map<string, KvRead>();

  return {
    invoke(plan: { f: string; key: string }, node: string, unique: number): Invocation {
      const last = lastReads.get(plan.key);
      if (plan.f === "write")
        return { f: "write", key: plan.key, value: unique, node, basis: last?.values ?? [] };
      if (plan.f === "cas") {
        // Compare against what this client last saw: a value someone may have replaced since.
        const from = last?.values.length === 1 ? last.values[0] : null;
        return { f: "cas", key: plan.key, value: [from, unique], node };
      }
      return { f: "read", key: plan.key, value: null, node };
    },

    async complete(invocation: Invocation, signal: AbortSignal): Promise<Completion> {
      const client = kv(invocation.node);
      const { key } = invocation;
      if (invocation.f === "read") {
        const read = await client.read(key, { signal });
        if (!read.ok) return { type: "fail", value: null, error: read.error };
        lastReads.set(key, { values: read.values, context: read.context });
        return { type: "ok", value: read.values };
      }
      if (invocation.f === "write") {
        const context = lastReads.get(key)?.context;
        const written = await client.write(key, invocation.value, context, { signal });
        return written.ok
          ? { type: "ok", value: invocation.value }
          : { type: written.outcome, value: invocation.value, error: written.error };
      }
      const [from, to] = invocation.value as [unknown, number];
      const done = await client.cas(key, from, to, { signal });
      const basis = done.basis === undefined ? {} : { basis: done.basis };
      if (done.basis !== undefined && done.context !== undefined) {
        lastReads.set(key, { values: done.basis, context: done.context });
      }
      return done.ok
        ? { type: "ok", value: invocation.value, ...basis }
        : { type: done.outcome, value: invocation.value, error: done.error, ...basis };
    },
  };
}

export const register: WorkloadType<RegisterOptions> = {
  name: "register",
  summary: "read, write and compare-and-set integers on a few keys; dropped or stale values?",
  schema: registerOptions,
  create(options) {
    const keys = keyNames(options.keys);
    return {
      name: "register",
      plan: (nodeCount) =>
        fc.record({
          f: fc.oneof(
            { weight: 2, arbitrary: fc.constant("read") },
            { weight: 2, arbitrary: fc.constant("write") },
            { weight: 1, arbitrary: fc.constant("cas") },
          ),
          key: fc.constantFrom(...keys),
          nodeIndex: fc.nat(nodeCount - 1),
        }),
      client: registerClient,
    };
  },
  // Reject promises no two writes from one version both take effect (lost-updates); the
  // others promise no acknowledged value vanishes unless a later write saw it (siblings).
  checkers: (_options, conflicts) => [
    conflicts === "reject" ? "lost-updates" : "siblings",
    "convergence",
    "stale-reads",
    "stats",
  ],
  checkOptions: () => ({ model: "cas-register" }),
};
