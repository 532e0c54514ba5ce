// The shopping cart (the README's headline example): `add` reads the cart, merges its siblings by
// union, adds a unique item and writes the cart back as one read-modify-write (KvClient.update:
// a write through the read's context, or one transaction), retrying a lost race (a 409, a
// serialization failure) a bounded number of times. In `append` mode the system appends the item
// in one atomic step of its own instead (a control). Recorded as {"f":"add","key":K,"value":ITEM}
// (plus `attempts` on the completion); occasional {"f":"read"} ops return the list of siblings,
// each a sorted item array. LWW must lose items under faults; siblings must not. A cart key is
// retired after about `itemsPerKey` items (Jepsen's set workloads rotate keys alike): op number
// `unique` picks the generation, so the keys come from the seed and no body grows without bound.
import fc from "fast-check";
import { z } from "zod";
import type { KvClient } from "./kv-client.js";
import {
  type Completion,
  type KvClients,
  keyNames,
  keysOption,
  type WorkloadType,
} from "./workload.js";

/** How many times an add tries (a read and a write each) before a lost race becomes its fail. */
export const CART_ADD_ATTEMPTS_MAX = 5;

/** Items a cart key takes, on average, before the clients move on to a fresh key (~10 KB carts). */
export const CART_ITEMS_PER_KEY = 1000;

const cartOptions = z.strictObject({
  name: z.literal("cart"),
  keys: keysOption,
  itemsPerKey: z.number().int().min(1).max(1_000_000).default(CART_ITEMS_PER_KEY),
  /** read-modify-write: the application's read, merge, write back; append: the system's own. */
  add: z.enum(["read-modify-write", "append"]).default("read-modify-write"),
});

export type CartOptions = z.output<typeof cartOptions>;

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

/** The union of every sibling cart (arrays of items), sorted; anything else is ignored. A new
 * array, never one of the siblings. */
export function mergeCarts(siblings: readonly unknown[]): number[] {
  let merged: readonly number[] = [];
  let fresh = false;
  for (const sibling of siblings) {
    if (!Array.isArray(sibling)) continue;
    const items = ascendingItems(sibling);
    merged = fresh || merged.length > 0 ? unionOfSorted(merged, items) : items;
    fresh = merged !== items;
  }
  return fresh ? (merged as number[]) : [...merged];
}

/** A sibling's numbers ascending, each once: the sibling itself when it already is (as every
 * cart this workload wrote is), so the usual read-add-write is linear in the cart. */
function ascendingItems(sibling: readonly unknown[]): readonly number[] {
  let ascending = true;
  for (let i = 0; i < sibling.length && ascending; i++) {
    const item = sibling[i];
    ascending = typeof item === "number" && (i === 0 || (sibling[i - 1] as number) < item);
  }
  if (ascending) return sibling as readonly number[];
  const items = new Set<number>();
  for (const item of sibling) if (typeof item === "number") items.add(item);
  return [...items].sort((a, b) => a - b);
}

/** The union of two ascending lists without repeats, ascending (a new array). */
function unionOfSorted(a: readonly number[], b: readonly number[]): number[] {
  if (b.length === 1) return withItem(a, b[0]!);
  if (a.length === 1) return withItem(b, a[0]!);
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x <= y) i++;
    if (y <= x) j++;
    out.push(Math.min(x, y));
  }
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}

/** An ascending list with one more item in its place (a cart's add: copied in two slices). */
function withItem(list: readonly number[], item: number): number[] {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (list[mid]! < item) low = mid + 1;
    else high = mid;
  }
  if (list[low] === item) return list.slice();
  return low === list.length ? [...list, item] : list.slice(0, low).concat(item, list.slice(low));
}

async function addItem(
  kv: KvClient,
  key: string,
  item: number,
  signal: AbortSignal,
): Promise<Completion> {
  for (let attempt = 1; ; attempt++) {
    const done = await kv.update(key, (read) => mergeCarts([...read.values, [item]]), { signal });
    if (done.ok) return { type: "ok", value: item, attempts: attempt };
    if (done.conflict === true && attempt < CART_ADD_ATTEMPTS_MAX) continue;
    return { type: done.outcome, value: item, error: done.error, attempts: attempt };
  }
}

async function appendItem(
  kv: KvClient,
  key: string,
  item: number,
  signal: AbortSignal,
): Promise<Completion> {
  if (kv.append === undefined) throw new Error(`cart add: append: ${kv.node} has no append`);
  const done = await kv.append(key, item, { signal });
  return done.ok
    ? { type: "ok", value: item }
    : { type: done.outcome, value: item, error: done.error };
}

function cartClient(options: CartOptions, kv: KvClients) {
  const add = options.add === "append" ? appendItem : addItem;
  return {
    invoke: (plan: { f: string; key: string }, node: string, unique: number) => ({
      f: plan.f,
      key: cartKey(plan.key, unique, options.itemsPerKey, options.keys),
      value: plan.f === "add" ? unique : null,
      node,
    }),
    async complete(
      invocation: { f: string; key: string; value: unknown; node: string },
      signal: AbortSignal,
    ): Promise<Completion> {
      const client = kv(invocation.node);
      if (invocation.f === "add")
        return add(client, invocation.key, invocation.value as number, signal);
      const read = await client.read(invocation.key, { signal });
      // A read changes nothing, so even an indeterminate error means it did not happen.
      if (!read.ok) return { type: "fail", value: null, error: read.error };
      return { type: "ok", value: read.values };
    },
  };
}

export const cart: WorkloadType<CartOptions> = {
  name: "cart",
  summary: "add unique items to shopping carts (read, merge siblings, write back); lost items?",
  schema: cartOptions,
  create(options) {
    const keys = keyNames(options.keys);
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
      client: (kv) => cartClient(options, kv),
    };
  },
  checkers: () => ["lost-writes", "convergence", "stale-reads", "stats"],
  checkOptions: () => ({}),
  needs: (options) => (options.add === "append" ? ["append"] : []),
};
