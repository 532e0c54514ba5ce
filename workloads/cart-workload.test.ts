import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import {
  CART_ADD_ATTEMPTS_MAX,
  CART_ITEMS_PER_KEY,
  type CartOptions,
  cart,
  cartKey,
  mergeCarts,
} from "./cart-workload.js";
import { CONFLICT, type FakeKv, fakeKv } from "./fake-kv-client.js";
import type { KvClients } from "./workload.js";

const options = (o: Partial<CartOptions> = {}): CartOptions =>
  cart.schema.parse({ name: "cart", ...o });
const noKv = (() => {
  throw new Error("no system in this test");
}) as KvClients;

describe("mergeCarts", () => {
  it("is the sorted union of the siblings", () => {
    expect(mergeCarts([[3, 1], [2, 3], "junk", [5]])).toEqual([1, 2, 3, 5]);
    // A new array, never a sibling itself (the client writes it; the read keeps its siblings).
    const cart = [1, 2, 4];
    for (const siblings of [[cart], ["junk", cart], [[], cart], [cart, [2]]]) {
      const merged = mergeCarts(siblings);
      expect(merged).toEqual(cart);
      expect(merged).not.toBe(cart);
    }
    expect(mergeCarts([cart, [3]])).toEqual([1, 2, 3, 4]);
    expect(mergeCarts([[3], cart, [0], [9]])).toEqual([0, 1, 2, 3, 4, 9]);
  });

  it("keeps every item of every sibling", () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.integer())), (siblings) => {
        const merged = mergeCarts(siblings);
        for (const item of siblings.flat()) expect(merged).toContain(item);
        expect(new Set(merged).size).toBe(merged.length);
      }),
    );
  });

  it("is exactly the ascending set of the siblings' numbers, sorted siblings or not", () => {
    const sorted = fc.uniqueArray(fc.integer()).map((items) => items.sort((a, b) => a - b));
    const sibling = fc.oneof(sorted, fc.array(fc.oneof(fc.integer(), fc.string())), fc.string());
    fc.assert(
      fc.property(fc.array(sibling), (siblings) => {
        const numbers = siblings.flatMap((s) => (Array.isArray(s) ? s : []));
        const expected = [...new Set(numbers.filter((x) => typeof x === "number"))];
        expect(mergeCarts(siblings)).toEqual(expected.sort((a, b) => a - b));
      }),
    );
  });
});

describe("cart keys", () => {
  it("move to a fresh key per slot every itemsPerKey · keyCount op numbers", () => {
    expect([1, 20, 21, 40, 41, 61].map((u) => cartKey("k2", u, 10, 2))).toEqual([
      "k2",
      "k2",
      "k2.g1",
      "k2.g1",
      "k2.g2",
      "k2.g3",
    ]);
  });

  it("never give a key more adds than its span of op numbers, about itemsPerKey on average", () => {
    const workload = cart.create(options({ keys: 3, itemsPerKey: 20 }));
    const client = workload.client(noKv);
    const plans = fc.sample(workload.plan(3), { seed: 7, numRuns: 3000 });
    const adds = new Map<string, number>();
    plans.forEach((plan, i) => {
      const { f, key } = client.invoke(plan, "n1", i + 1);
      if (f === "add") adds.set(key, (adds.get(key) ?? 0) + 1);
    });
    // 3000 op numbers / (20 · 3) = 50 generations of 3 keys.
    expect(adds.size).toBe(150);
    const counts = [...adds.values()];
    expect(Math.max(...counts)).toBeLessThanOrEqual(60);
    const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
    expect(mean).toBeGreaterThan(15);
    expect(mean).toBeLessThanOrEqual(20);
  });

  it("stay the slot names in a default-sized run, and refuse a bad itemsPerKey", () => {
    const client = cart.create(options({ keys: 3 })).client(noKv);
    const last = CART_ITEMS_PER_KEY * 3;
    expect(client.invoke({ f: "add", key: "k3", nodeIndex: 0 }, "n1", last).key).toBe("k3");
    expect(client.invoke({ f: "read", key: "k3", nodeIndex: 0 }, "n1", last + 1).key).toBe("k3.g1");
    expect(cart.schema.safeParse({ name: "cart", itemsPerKey: 0 }).success).toBe(false);
    expect(cart.schema.safeParse({ name: "cart", itemsPerKey: 1.5 }).success).toBe(false);
  });
});

describe("the cart workload", () => {
  let kv: FakeKv;
  const signal = new AbortController().signal;
  const workload = cart.create(options({ keys: 2 }));
  beforeEach(() => {
    kv = fakeKv({ reject: true, append: true });
  });
  const add = (unique: number, o = workload) => {
    const client = o.client(kv.clients);
    return client.complete(
      client.invoke({ f: "add", key: "k1", nodeIndex: 0 }, "n1", unique),
      signal,
    );
  };

  it("plans adds and reads on its keys", () => {
    const plans = fc.sample(workload.plan(3), { seed: 1, numRuns: 200 });
    expect(new Set(plans.map((p) => p.f))).toEqual(new Set(["add", "read"]));
    expect(new Set(plans.map((p) => p.key))).toEqual(new Set(["k1", "k2"]));
    expect(plans.every((p) => p.nodeIndex >= 0 && p.nodeIndex < 3)).toBe(true);
  });

  it("adds an item to the cart it read: the union of the siblings and the item, sorted", async () => {
    const client = workload.client(kv.clients);
    kv.store.set("k1", { value: [1, 7], version: 4 });
    const invocation = client.invoke({ f: "add", key: "k1", nodeIndex: 0 }, "n1", 3);
    expect(invocation).toEqual({ f: "add", key: "k1", value: 3, node: "n1" });
    expect(await client.complete(invocation, signal)).toEqual({
      type: "ok",
      value: 3,
      attempts: 1,
    });
    expect(kv.store.get("k1")?.value).toEqual([1, 3, 7]);
    expect(kv.calls).toEqual([{ call: "update", node: "n1", key: "k1" }]);
  });

  it("retries a lost race as a fresh read-modify-write", async () => {
    kv.script("update", [CONFLICT, CONFLICT]);
    expect(await add(9)).toEqual({ type: "ok", value: 9, attempts: 3 });
    expect(kv.calls.map((c) => c.call)).toEqual(["update", "update", "update"]);
  });

  it("fails after the last attempt loses its race", async () => {
    kv.script("update", Array(CART_ADD_ATTEMPTS_MAX).fill(CONFLICT));
    expect(await add(9)).toEqual({
      type: "fail",
      value: 9,
      error: "stale-context",
      attempts: CART_ADD_ATTEMPTS_MAX,
    });
    expect(kv.store.has("k1")).toBe(false);
  });

  it("keeps the system's outcome of any other failure, without retrying", async () => {
    kv.script("update", [{ ok: false, outcome: "info", error: "timeout" }]);
    expect(await add(1)).toEqual({ type: "info", value: 1, error: "timeout", attempts: 1 });
    kv.script("update", [{ ok: false, outcome: "fail", error: "read: unavailable" }]);
    expect(await add(2)).toEqual({
      type: "fail",
      value: 2,
      error: "read: unavailable",
      attempts: 1,
    });
  });

  it("appends in one step of the system's own in append mode", async () => {
    const appending = cart.create(options({ keys: 2, add: "append" }));
    expect(await add(5, appending)).toEqual({ type: "ok", value: 5 });
    expect(await add(6, appending)).toEqual({ type: "ok", value: 6 });
    expect(kv.store.get("k1")?.value).toEqual([5, 6]);
    expect(kv.calls.map((c) => c.call)).toEqual(["append", "append"]);
    expect(cart.needs?.(options({ add: "append" }))).toEqual(["append"]);
    expect(cart.needs?.(options())).toEqual([]);
  });

  it("reads the list of siblings; a failed read is a fail whatever its outcome", async () => {
    const client = workload.client(kv.clients);
    kv.store.set("k2", { value: [4], version: 1 });
    const invocation = client.invoke({ f: "read", key: "k2", nodeIndex: 0 }, "n1", 5);
    expect(invocation.value).toBeNull();
    expect(await client.complete(invocation, signal)).toEqual({ type: "ok", value: [[4]] });
    kv.script("read", [{ ok: false, outcome: "info", error: "client-timeout" }]);
    expect(await client.complete(invocation, signal)).toEqual({
      type: "fail",
      value: null,
      error: "client-timeout",
    });
  });
});
