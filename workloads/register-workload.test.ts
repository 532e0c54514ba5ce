import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeNode, startFakeNode } from "./fake-node.js";
import { createNodeClient, type NodeClient } from "./node-client.js";
import { register } from "./register-workload.js";

describe("the register workload", () => {
  let node: FakeNode;
  let http: NodeClient;
  const signal = new AbortController().signal;
  const workload = register({ keyCount: 3 });
  beforeEach(async () => {
    node = await startFakeNode({ reject: true });
    http = createNodeClient({ urlOf: () => node.url, timeoutMs: 300 });
  });
  afterEach(async () => {
    http.close();
    await node.close();
  });

  it("plans reads, writes and cas", () => {
    const plans = fc.sample(workload.plan(2), { seed: 3, numRuns: 300 });
    expect(new Set(plans.map((p) => p.f))).toEqual(new Set(["read", "write", "cas"]));
  });

  it("writes with the context and basis of its last read of the key", async () => {
    const client = workload.client(http);
    const blind = client.invoke({ f: "write", key: "k1", nodeIndex: 0 }, "n1", 1);
    expect(blind).toEqual({ f: "write", key: "k1", value: 1, node: "n1", basis: [] });
    expect(await client.complete(blind, signal)).toEqual({ type: "ok", value: 1 });

    const read = client.invoke({ f: "read", key: "k1", nodeIndex: 0 }, "n1", 2);
    expect(await client.complete(read, signal)).toEqual({ type: "ok", value: [1] });
    const write = client.invoke({ f: "write", key: "k1", nodeIndex: 0 }, "n1", 3);
    expect(write.basis).toEqual([1]);
    expect(await client.complete(write, signal)).toEqual({ type: "ok", value: 3 });
    expect(node.requests.at(-1)?.body).toEqual({ value: 3, context: "1" });
  });

  it("fails a stale write (409)", async () => {
    const client = workload.client(http);
    await client.complete(client.invoke({ f: "read", key: "k1", nodeIndex: 0 }, "n1", 1), signal);
    node.store.set("k1", { value: 99, version: 5 });
    const result = await client.complete(
      client.invoke({ f: "write", key: "k1", nodeIndex: 0 }, "n1", 2),
      signal,
    );
    expect(result).toEqual({ type: "fail", value: 2, error: "stale-context" });
  });

  it("cas succeeds when the register still holds what the client last read", async () => {
    const client = workload.client(http);
    node.store.set("k2", { value: 10, version: 1 });
    await client.complete(client.invoke({ f: "read", key: "k2", nodeIndex: 0 }, "n1", 1), signal);
    const cas = client.invoke({ f: "cas", key: "k2", nodeIndex: 0 }, "n1", 11);
    expect(cas).toEqual({ f: "cas", key: "k2", value: [10, 11], node: "n1", basis: [10] });
    expect(await client.complete(cas, signal)).toEqual({
      type: "ok",
      value: [10, 11],
      basis: [10],
    });
    expect(node.store.get("k2")?.value).toBe(11);
  });

  it("cas fails on a mismatch without writing", async () => {
    const client = workload.client(http);
    await client.complete(client.invoke({ f: "read", key: "k2", nodeIndex: 0 }, "n1", 1), signal);
    node.store.set("k2", { value: 10, version: 1 });
    const result = await client.complete(
      client.invoke({ f: "cas", key: "k2", nodeIndex: 0 }, "n1", 12),
      signal,
    );
    expect(result).toEqual({ type: "fail", value: [null, 12], error: "mismatch", basis: [10] });
    expect(node.store.get("k2")?.value).toBe(10);
  });
});
