import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeNode, startFakeNode } from "./fake-node.js";
import { createNodeClient, type NodeClient } from "./node-client.js";

describe("createNodeClient", () => {
  let node: FakeNode;
  let client: NodeClient;
  beforeEach(async () => {
    node = await startFakeNode();
    client = createNodeClient({ urlOf: () => node.url, timeoutMs: 300 });
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
    expect(await client.put("n1", "k", 1, "3")).toMatchObject({
      ok: false,
      outcome: "info",
      error: "client-timeout",
    });
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
