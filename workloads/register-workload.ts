// The register: read / write / cas on K keys with unique integer values. A read's ok value is the
// list of siblings ([] when absent). A write sends the context of the client's last read of that
// key and records its `basis` (that read's siblings; [] if none) on the invoke and completion. A
// cas {"value":[FROM,TO]} reads, compares the siblings with [FROM] ([] when FROM is null) and
// writes TO through that read's context: a mismatch or a 409 is a fail. Its basis is unknown until
// its own read answers, so the invoke has none; the completion carries the siblings it read.
import fc from "fast-check";
import type { NodeClient } from "./node-client.js";
import { type Completion, type Invocation, keyNames, type WorkloadFactory } from "./workload.js";

interface LastRead {
  values: unknown[];
  context: string | undefined;
}

function sameValues(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

function registerClient(http: NodeClient) {
  const lastReads = new Map<string, LastRead>();

  const read = async (invocation: Invocation, signal: AbortSignal) => {
    const result = await http.get(invocation.node, invocation.key, { signal });
    if (!result.ok) return { result, values: [] as unknown[] };
    const values = Array.isArray(result.body.values) ? result.body.values : [];
    const context = typeof result.body.context === "string" ? result.body.context : undefined;
    lastReads.set(invocation.key, { values, context });
    return { result, values };
  };

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
      if (invocation.f === "read") {
        const { result, values } = await read(invocation, signal);
        // A read changes nothing, so even an indeterminate error means it did not happen.
        return result.ok
          ? { type: "ok", value: values }
          : { type: "fail", value: null, error: result.error };
      }
      if (invocation.f === "write") {
        const context = lastReads.get(invocation.key)?.context;
        const result = await http.put(invocation.node, invocation.key, invocation.value, context, {
          signal,
        });
        return result.ok
          ? { type: "ok", value: invocation.value }
          : { type: result.outcome, value: invocation.value, error: result.error };
      }
      const [from, to] = invocation.value as [unknown, number];
      // The write goes through this read's context, so its siblings are the cas's basis.
      const { result, values } = await read(invocation, signal);
      if (!result.ok)
        return { type: "fail", value: invocation.value, error: `read: ${result.error}` };
      if (!sameValues(values, from === null ? [] : [from])) {
        return { type: "fail", value: invocation.value, error: "mismatch", basis: values };
      }
      const write = await http.put(
        invocation.node,
        invocation.key,
        to,
        lastReads.get(invocation.key)?.context,
        {
          signal,
        },
      );
      return write.ok
        ? { type: "ok", value: invocation.value, basis: values }
        : { type: write.outcome, value: invocation.value, error: write.error, basis: values };
    },
  };
}

export const register: WorkloadFactory = ({ keyCount }) => {
  const keys = keyNames(keyCount);
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
    // Reject promises no two writes from one version both take effect (lost-updates); the
    // others promise no acknowledged value vanishes unless a later write saw it (siblings).
    checkers: (strategy) => [
      strategy === "reject" ? "lost-updates" : "siblings",
      "convergence",
      "stale-reads",
      "stats",
    ],
    checkOptions: { model: "cas-register" },
  };
};
