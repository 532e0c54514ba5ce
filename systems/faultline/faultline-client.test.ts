import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeNode, startFakeNode } from "./fake-node.js";
import { createNodeClient, faultlineKvClient, type NodeClient } from "./faultline-client.js";

describe("createNodeClient", () => {
  let node: FakeNode;
  let client: NodeClient;
  beforeEach(async () => {
    node = await startFakeNode();
    // A timeout no stall of a busy machine reaches, but in the one test about it.
    client = createNodeClient({ urlOf: () => node.url, timeoutMs: 5_000 });
  });
  afterEach(async () => {
    client.close();
    await node.close();
  });

  it("reads and writes", async () => {
    expect(await client.put("n1", "k 1", [1], undefined)).toMatchObject({
      ok: true,
      body: { context: "1" },
    });
    expect(await client.get("n1", "k 1")).toMatchObject({
      ok: true,
      body: { values: [[1]], context: "1" },
    });
    expect(node.requests.map((r) => r.key)).toEqual(["k 1", "k 1"]);
  });

  it("classifies a 503 as fail and a 504 as info, naming the node's error", async () => {
    node.script("PUT", [503, 504]);
    expect(await client.put("n1", "k", 1, undefined)).toMatchObject({
      ok: false,
      outcome: "fail",
      error: "unavailable",
      status: 503,
    });
    expect(await client.put("n1", "k", 1, undefined)).toMatchObject({
      ok: false,
      outcome: "info",
      error: "timeout",
      status: 504,
    });
  });

  it("times out a request that gets no answer, as info", async () => {
    node.script("PUT", ["hang"]);
    const impatient = createNodeClient({ urlOf: () => node.url, timeoutMs: 300 });
    expect(await impatient.put("n1", "k", 1, "3")).toMatchObject({
      ok: false,
      outcome: "info",
      error: "client-timeout",
    });
    impatient.close();
  });

  it("classifies a refused connection as fail", async () => {
    const closed = createNodeClient({ urlOf: () => "http://127.0.0.1:1", timeoutMs: 300 });
    expect(await closed.get("n1", "k")).toMatchObject({
      ok: false,
      outcome: "fail",
      error: "connection-refused",
    });
    closed.close();
  });

  it("ends an in-flight request when the signal aborts, as info", async () => {
    node.script("GET", ["hang"]);
    const controller = new AbortController();
    const pending = client.get("n1", "k", { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    expect(await pending).toMatchObject({ ok: false, outcome: "info", error: "interrupted" });
  });
});

describe("the faultline KvClient", () => {
  let node: FakeNode;
  let http: NodeClient;
  beforeEach(async () => {
    node = await startFakeNode({ reject: true });
    http = createNodeClient({ urlOf: () => node.url, timeoutMs: 5_000 });
  });
  afterEach(async () => {
    http.close();
    await node.close();
  });

  it("reads values and context; a local read asks the node alone (r=1)", async () => {
    const kv = faultlineKvClient(http, "n1");
    node.store.set("k", { value: 5, version: 2 });
    expect(await kv.read("k")).toEqual({ ok: true, values: [5], context: "2" });
    expect(await kv.read("k", { local: true })).toEqual({ ok: true, values: [5], context: "2" });
    expect(node.requests.map((r) => r.r)).toEqual([undefined, "1"]);
  });

  it("update writes what it computed through the context of its read", async () => {
    const kv = faultlineKvClient(http, "n1");
    node.store.set("k1", { value: [1, 7], version: 4 });
    const done = await kv.update("k1", (read) => [...(read.values[0] as number[]), 9]);
    expect(done).toEqual({ ok: true, basis: [[1, 7]], written: [1, 7, 9] });
    expect(node.requests[1]?.body).toEqual({ value: [1, 7, 9], context: "4" });
  });

  it("a 409 is a definite lost race; a failed read is a fail whatever it met", async () => {
    const kv = faultlineKvClient(http, "n1");
    node.script("PUT", [409]);
    expect(await kv.update("k", () => 1)).toEqual({
      ok: false,
      outcome: "fail",
      error: "stale-context",
      conflict: true,
    });
    node.script("GET", [504]);
    expect(await kv.update("k", () => 1)).toEqual({
      ok: false,
      outcome: "fail",
      error: "read: timeout",
    });
    node.script("PUT", [504]);
    expect(await kv.write("k", 1, undefined)).toEqual({
      ok: false,
      outcome: "info",
      error: "timeout",
    });
  });

  it("cas reads, compares, and writes through the read's context, reporting what it saw", async () => {
    const kv = faultlineKvClient(http, "n1");
    node.store.set("k2", { value: 10, version: 1 });
    expect(await kv.cas("k2", 11, 12)).toEqual({
      ok: false,
      outcome: "fail",
      error: "mismatch",
      basis: [10],
      context: "1",
    });
    expect(await kv.cas("k2", 10, 12)).toEqual({ ok: true, basis: [10], context: "1" });
    expect(node.store.get("k2")?.value).toBe(12);
    expect(node.requests.at(-1)?.body).toEqual({ value: 12, context: "1" });
  });
});
