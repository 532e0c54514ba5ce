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
    expect(cas).toEqual({ f: "cas", key: "k2", value: [10, 11], node: "n1" });
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

  it("a cas's basis is its own read's siblings, on the completion only, even when indeterminate", async () => {
    const client = workload.client(http);
    await client.complete(client.invoke({ f: "read", key: "k3", nodeIndex: 0 }, "n1", 1), signal);
    const cas = client.invoke({ f: "cas", key: "k3", nodeIndex: 0 }, "n1", 13);
    expect(cas.basis).toBeUndefined();
    node.script("PUT", [504]);
    expect(await client.complete(cas, signal)).toEqual({
      type: "info",
      value: [null, 13],
      error: "timeout",
      basis: [],
    });
    // A read that fails means no write was sent: nothing superseded, so no basis.
    node.script("GET", [503]);
    const unread = await client.complete(
      client.invoke({ f: "cas", key: "k3", nodeIndex: 0 }, "n1", 14),
      signal,
    );
    expect(unread).toEqual({ type: "fail", value: [null, 14], error: "read: unavailable" });
  });

  it("a cas writes through, and records, the siblings of its own read, not the previous one", async () => {
    // The last read saw two siblings (so FROM is null); the cas's own read finds the key absent
    // on another replica: it writes through that empty context, superseding nothing.
    const puts: (string | undefined)[] = [];
    const reads = [
      { values: [1, 2], context: "ctx-siblings" },
      { values: [], context: "ctx-empty" },
    ];
    const stub: NodeClient = {
      get: async () => ({ ok: true, status: 200, body: reads.shift()! }),
      put: async (_node, _key, _value, context) => {
        puts.push(context);
        return { ok: true, status: 200, body: { context: "after" } };
      },
      dump: async () => ({ ok: true, status: 200, body: {} }),
      close: () => {},
    };
    const client = workload.client(stub);
    await client.complete(client.invoke({ f: "read", key: "k1", nodeIndex: 0 }, "n1", 1), signal);
    const cas = client.invoke({ f: "cas", key: "k1", nodeIndex: 1 }, "n2", 15);
    expect(cas).toEqual({ f: "cas", key: "k1", value: [null, 15], node: "n2" });
    expect(await client.complete(cas, signal)).toEqual({
      type: "ok",
      value: [null, 15],
      basis: [],
    });
    expect(puts).toEqual(["ctx-empty"]);
  });
});
