import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import { CONFLICT, type FakeKv, fakeKv } from "./fake-kv-client.js";
import { register } from "./register-workload.js";

describe("the register workload", () => {
  let kv: FakeKv;
  const signal = new AbortController().signal;
  const workload = register.create(register.schema.parse({ name: "register", keys: 3 }));
  beforeEach(() => {
    kv = fakeKv({ reject: true });
  });
  const op = (f: string, key: string, unique: number, node = "n1") => ({
    plan: { f, key, nodeIndex: 0 },
    node,
    unique,
  });

  it("plans reads, writes and cas", () => {
    const plans = fc.sample(workload.plan(2), { seed: 3, numRuns: 300 });
    expect(new Set(plans.map((p) => p.f))).toEqual(new Set(["read", "write", "cas"]));
  });

  it("writes with the context and basis of its last read of the key", async () => {
    const client = workload.client(kv.clients);
    const run = (o: ReturnType<typeof op>) => {
      const invocation = client.invoke(o.plan, o.node, o.unique);
      return { invocation, done: client.complete(invocation, signal) };
    };
    const blind = run(op("write", "k1", 1));
    expect(blind.invocation).toEqual({ f: "write", key: "k1", value: 1, node: "n1", basis: [] });
    expect(await blind.done).toEqual({ type: "fail", value: 1, error: "stale-context" });
    kv.store.set("k1", { value: 1, version: 1 });

    expect(await run(op("read", "k1", 2)).done).toEqual({ type: "ok", value: [1] });
    const write = run(op("write", "k1", 3));
    expect(write.invocation.basis).toEqual([1]);
    expect(await write.done).toEqual({ type: "ok", value: 3 });
    expect(kv.calls.at(-1)).toEqual({
      call: "write",
      node: "n1",
      key: "k1",
      value: 3,
      context: "1",
    });
  });

  it("fails a stale write (a lost race), keeping the system's error", async () => {
    const client = workload.client(kv.clients);
    await client.complete(client.invoke(op("read", "k1", 1).plan, "n1", 1), signal);
    kv.store.set("k1", { value: 99, version: 5 });
    const result = await client.complete(client.invoke(op("write", "k1", 2).plan, "n1", 2), signal);
    expect(result).toEqual({ type: "fail", value: 2, error: CONFLICT.error });
  });

  it("cas compares with what the client last read, and records what the compare saw", async () => {
    const client = workload.client(kv.clients);
    kv.store.set("k2", { value: 10, version: 1 });
    await client.complete(client.invoke(op("read", "k2", 1).plan, "n1", 1), signal);
    const cas = client.invoke(op("cas", "k2", 11).plan, "n1", 11);
    expect(cas).toEqual({ f: "cas", key: "k2", value: [10, 11], node: "n1" });
    expect(await client.complete(cas, signal)).toEqual({
      type: "ok",
      value: [10, 11],
      basis: [10],
    });
    expect(kv.store.get("k2")?.value).toBe(11);
  });

  it("cas fails on a mismatch without writing, with the basis it saw", async () => {
    const client = workload.client(kv.clients);
    await client.complete(client.invoke(op("read", "k2", 1).plan, "n1", 1), signal);
    kv.store.set("k2", { value: 10, version: 1 });
    const result = await client.complete(client.invoke(op("cas", "k2", 12).plan, "n1", 12), signal);
    expect(result).toEqual({ type: "fail", value: [null, 12], error: "mismatch", basis: [10] });
    expect(kv.store.get("k2")?.value).toBe(10);
  });

  it("a cas's basis is on its completion only, and absent when the system saw nothing", async () => {
    const client = workload.client(kv.clients);
    const cas = client.invoke(op("cas", "k3", 13).plan, "n1", 13);
    expect(cas.basis).toBeUndefined();
    kv.script("cas", [{ ok: false, outcome: "info", error: "timeout", basis: [] } as never]);
    expect(await client.complete(cas, signal)).toEqual({
      type: "info",
      value: [null, 13],
      error: "timeout",
      basis: [],
    });
    kv.script("cas", [{ ok: false, outcome: "fail", error: "read: unavailable" }]);
    expect(
      await client.complete(client.invoke(op("cas", "k3", 14).plan, "n1", 14), signal),
    ).toEqual({ type: "fail", value: [null, 14], error: "read: unavailable" });
  });

  it("after a cas, the next write goes through the context the cas's compare saw", async () => {
    const client = workload.client(kv.clients);
    await client.complete(client.invoke(op("cas", "k1", 15).plan, "n2", 15), signal);
    const write = client.invoke(op("write", "k1", 16).plan, "n2", 16);
    expect(write.basis).toEqual([]);
    expect(await client.complete(write, signal)).toMatchObject({ type: "fail" });
    expect(kv.calls.at(-1)).toMatchObject({ call: "write", context: "0" });
  });
});
