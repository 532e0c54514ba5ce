// The shopping cart (DESIGN.md's headline example): `add` reads the cart, merges its siblings by
// union, adds a unique item and writes the cart back with the read's context, retrying a reject
// (409) with a fresh read a bounded number of times. Recorded as {"f":"add","key":K,"value":ITEM}
// (plus `attempts` on the completion); occasional {"f":"read"} ops return the list of siblings,
// each a sorted item array. LWW must lose items under faults; siblings must not. A cart key is
// retired after about `itemsPerKey` items (Jepsen's set workloads rotate keys alike): op number
// `unique` picks the generation, so the keys come from the seed and no body grows without bound.
import fc from "fast-check";
import type { NodeId } from "../nodes/core/replica.js";
import type { NodeClient } from "./node-client.js";
import { type Completion, keyNames, type WorkloadFactory } from "./workload.js";

/** How many times an add tries (a read and a write each) before a 409 becomes its fail. */
export const CART_ADD_ATTEMPTS_MAX = 5;

/** Items a cart key takes, on average, before the clients move on to a fresh key (~10 KB carts). */
export const CART_ITEMS_PER_KEY = 1000;

/**
 * The key an op on key slot `slot` ("k1") uses: generation g = ⌊(unique − 1) / (itemsPerKey ·
 * keyCount)⌋, named "k1" for g = 0 and "k1.g<g>" after. Each generation spans itemsPerKey ·
 * keyCount op numbers shared by the keys, so a key takes about itemsPerKey items (fewer: reads
 * use op numbers too) and never more than that span, whatever the threads' speeds.
 */
export function cartKey(
  slot: string,
  unique: number,
  itemsPerKey: number,
  keyCount: number,
): string {
  const generation = Math.floor((unique - 1) / (itemsPerKey * keyCount));
  return generation <= 0 ? slot : `${slot}.g${generation}`;
}

/** The union of every sibling cart (arrays of items), sorted; anything else is ignored. */
export function mergeCarts(siblings: readonly unknown[]): number[] {
  const items = new Set<number>();
  for (const sibling of siblings) {
    if (!Array.isArray(sibling)) continue;
    for (const item of sibling) if (typeof item === "number") items.add(item);
  }
  return [...items].sort((a, b) => a - b);
}

async function addItem(
  http: NodeClient,
  node: NodeId,
  key: string,
  item: number,
  signal: AbortSignal,
): Promise<Completion> {
  for (let attempt = 1; ; attempt++) {
    const read = await http.get(node, key, { signal });
    // Nothing was written yet: whatever the read met, the add did not happen.
    if (!read.ok)
      return { type: "fail", value: item, error: `read: ${read.error}`, attempts: attempt };
    const siblings = Array.isArray(read.body.values) ? read.body.values : [];
    const context = typeof read.body.context === "string" ? read.body.context : undefined;
    const cart = mergeCarts([...siblings, [item]]);
    const write = await http.put(node, key, cart, context, { signal });
    if (write.ok) return { type: "ok", value: item, attempts: attempt };
    if (write.kind === "http-409" && attempt < CART_ADD_ATTEMPTS_MAX) continue;
    return { type: write.outcome, value: item, error: write.error, attempts: attempt };
  }
}

export const cart: WorkloadFactory = ({ keyCount, itemsPerKey = CART_ITEMS_PER_KEY }) => {
  if (!Number.isInteger(itemsPerKey) || itemsPerKey < 1) {
    throw new Error(`cart workload: itemsPerKey must be a positive integer, got ${itemsPerKey}`);
  }
  const keys = keyNames(keyCount);
  return {
    name: "cart",
    plan: (nodeCount) =>
      fc.record({
        f: fc.oneof(
          { weight: 9, arbitrary: fc.constant("add") },
          { weight: 1, arbitrary: fc.constant("read") },
        ),
        key: fc.constantFrom(...keys),
        nodeIndex: fc.nat(nodeCount - 1),
      }),
    client: (http) => ({
      invoke: (plan, node, unique) => ({
        f: plan.f,
        key: cartKey(plan.key, unique, itemsPerKey, keyCount),
        value: plan.f === "add" ? unique : null,
        node,
      }),
      async complete(invocation, signal) {
        const { key, node } = invocation;
        if (invocation.f === "add")
          return addItem(http, node, key, invocation.value as number, signal);
        const read = await http.get(node, key, { signal });
        // A read changes nothing, so even an indeterminate error means it did not happen.
        if (!read.ok) return { type: "fail", value: null, error: read.error };
        return { type: "ok", value: Array.isArray(read.body.values) ? read.body.values : [] };
      },
    }),
    checkers: () => ["lost-writes", "convergence", "stale-reads", "stats"],
    checkOptions: {},
  };
};
