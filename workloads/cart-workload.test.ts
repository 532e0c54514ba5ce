import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  CART_ADD_ATTEMPTS_MAX,
  CART_ITEMS_PER_KEY,
  cart,
  cartKey,
  mergeCarts,
} from "./cart-workload.js";
import { type FakeNode, startFakeNode } from "./fake-node.js";
import { createNodeClient, type NodeClient } from "./node-client.js";

describe("mergeCarts", () => {
  it("is the sorted union of the siblings", () => {
    expect(mergeCarts([[3, 1], [2, 3], "junk", [5]])).toEqual([1, 2, 3, 5]);
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
    const workload = cart({ keyCount: 3, itemsPerKey: 20 });
    const client = workload.client({} as NodeClient);
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

  it("stay the slot names in a default-sized run, and reject a bad itemsPerKey", () => {
    const client = cart({ keyCount: 3 }).client({} as NodeClient);
    const last = CART_ITEMS_PER_KEY * 3;
    expect(client.invoke({ f: "add", key: "k3", nodeIndex: 0 }, "n1", last).key).toBe("k3");
    expect(client.invoke({ f: "read", key: "k3", nodeIndex: 0 }, "n1", last + 1).key).toBe("k3.g1");
    expect(() => cart({ keyCount: 3, itemsPerKey: 0 })).toThrow(
      "cart workload: itemsPerKey must be a positive integer, got 0",
    );
  });
});

describe("the cart workload", () => {
  let node: FakeNode;
  let http: NodeClient;
  const signal = new AbortController().signal;
  const workload = cart({ keyCount: 2 });
  beforeEach(async () => {
    node = await startFakeNode({ reject: true });
    http = createNodeClient({ urlOf: () => node.url, timeoutMs: 300 });
  });
  afterEach(async () => {
    http.close();
    await node.close();
  });

  it("plans adds and reads on its keys", () => {
    const plans = fc.sample(workload.plan(3), { seed: 1, numRuns: 200 });
    expect(new Set(plans.map((p) => p.f))).toEqual(new Set(["add", "read"]));
    expect(new Set(plans.map((p) => p.key))).toEqual(new Set(["k1", "k2"]));
    expect(plans.every((p) => p.nodeIndex >= 0 && p.nodeIndex < 3)).toBe(true);
  });

  it("adds an item to the cart it read, with the read's context", async () => {
    const client = workload.client(http);
    node.store.set("k1", { value: [1, 7], version: 4 });
    const invocation = client.invoke({ f: "add", key: "k1", nodeIndex: 0 }, "n1", 3);
    expect(invocation).toEqual({ f: "add", key: "k1", value: 3, node: "n1" });
    expect(await client.complete(invocation, signal)).toEqual({
      type: "ok",
      value: 3,
      attempts: 1,
    });
    expect(node.store.get("k1")?.value).toEqual([1, 3, 7]);
    expect(node.requests[1]?.body).toEqual({ value: [1, 3, 7], context: "4" });
  });

  it("retries a 409 with a fresh read", async () => {
    const client = workload.client(http);
    node.script("PUT", [409, 409]);
    const result = await client.complete(
      client.invoke({ f: "add", key: "k1", nodeIndex: 0 }, "n1", 9),
      signal,
    );
    expect(result).toEqual({ type: "ok", value: 9, attempts: 3 });
    expect(node.requests.map((r) => r.method)).toEqual(["GET", "PUT", "GET", "PUT", "GET", "PUT"]);
  });

  it("fails after the last attempt meets a 409", async () => {
    const client = workload.client(http);
    node.script("PUT", Array(CART_ADD_ATTEMPTS_MAX).fill(409));
    const result = await client.complete(
      client.invoke({ f: "add", key: "k1", nodeIndex: 0 }, "n1", 9),
      signal,
    );
    expect(result).toEqual({
      type: "fail",
      value: 9,
      error: "stale-context",
      attempts: CART_ADD_ATTEMPTS_MAX,
    });
    expect(node.store.has("k1")).toBe(false);
  });

  it("is info when the write's outcome is unknown, and fail when its read failed", async () => {
    const client = workload.client(http);
    node.script("PUT", [504]);
    expect(
      await client.complete(client.invoke({ f: "add", key: "k1", nodeIndex: 0 }, "n1", 1), signal),
    ).toMatchObject({
      type: "info",
      error: "timeout",
    });
    node.script("GET", [504]);
    expect(
      await client.complete(client.invoke({ f: "add", key: "k1", nodeIndex: 0 }, "n1", 2), signal),
    ).toMatchObject({
      type: "fail",
      error: "read: timeout",
    });
  });

  it("reads the list of siblings", async () => {
    const client = workload.client(http);
    node.store.set("k2", { value: [4], version: 1 });
    const invocation = client.invoke({ f: "read", key: "k2", nodeIndex: 0 }, "n1", 5);
    expect(invocation.value).toBeNull();
    expect(await client.complete(invocation, signal)).toEqual({ type: "ok", value: [[4]] });
  });
});
