// Every KvClient op against a real primary and standby: the register ops (read, write = upsert,
// cas by row count), the cart's read-modify-write at each isolation (read committed loses an
// item to a concurrent update; repeatable read and serializable refuse it with 40001), the
// atomic append, where reads go (reads: any shows a standby's stale copy), and routing writes
// to the node that is primary now.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KvRead } from "../../workloads/kv-client.js";
import { SpawnedPostgres } from "./spawned-postgres.js";
import { awaitLockWaiters, eventually, holdRowLock, localValues } from "./test-support.js";

let cluster: SpawnedPostgres;
beforeAll(async () => {
  cluster = await SpawnedPostgres.start({ system: { standbys: 1 } });
});
afterAll(() => cluster?.close());

/** The cart's `next`: the set read plus `item`, sorted. */
const addItem =
  (item: number) =>
  (read: KvRead): number[] =>
    [...((read.values[0] as number[] | undefined) ?? []), item].sort((a, b) => a - b);

describe("register ops", () => {
  it("reads [] for an absent key, and the value a write upserted", async () => {
    const client = cluster.client("n1");
    expect(await client.read("r-absent")).toEqual({ ok: true, values: [] });
    expect(await client.write("r1", { a: [1, 2] }, undefined)).toEqual({ ok: true });
    expect(await client.read("r1")).toEqual({ ok: true, values: [{ a: [1, 2] }] });
    expect(await client.write("r1", "second", undefined)).toEqual({ ok: true });
    expect(await client.read("r1")).toEqual({ ok: true, values: ["second"] });
  });

  it("cas sets the value when the row holds `expected`, and reports what it saw when not", async () => {
    const client = cluster.client("n1");
    expect(await client.cas("c1", null, 1)).toEqual({ ok: true, basis: [] });
    expect(await client.cas("c1", null, 9)).toEqual({
      ok: false,
      outcome: "fail",
      error: "mismatch",
      basis: [1],
    });
    expect(await client.cas("c1", 1, 2)).toEqual({ ok: true, basis: [1] });
    expect(await client.cas("c1", 1, 3)).toEqual({
      ok: false,
      outcome: "fail",
      error: "mismatch",
      basis: [2],
    });
    expect(await client.cas("c-absent", 5, 6)).toMatchObject({ ok: false, basis: [] });
    expect(await client.read("c1")).toEqual({ ok: true, values: [2] });
    expect(await client.read("c-absent")).toEqual({ ok: true, values: [] });
  });
});

describe("update: the read-modify-write in one transaction", () => {
  it("returns what it read and what it wrote", async () => {
    const client = cluster.client("n1");
    expect(await client.update("u1", addItem(3))).toEqual({ ok: true, basis: [], written: [3] });
    expect(await client.update("u1", addItem(1))).toEqual({
      ok: true,
      basis: [[3]],
      written: [1, 3],
    });
  });

  /** Two adds that both read the cart before either writes: the lock makes them queue in order. */
  async function racingAdds(isolation: "read-committed" | "repeatable-read" | "serializable") {
    const key = `race-${isolation}`;
    await cluster.client("n1").write(key, [0], undefined);
    const lock = await holdRowLock(cluster, key);
    const first = cluster.client("n1", { isolation }).update(key, addItem(1));
    await awaitLockWaiters(cluster, 1);
    const second = cluster.client("n1", { isolation }).update(key, addItem(2));
    await awaitLockWaiters(cluster, 2);
    await lock.release();
    const results = await Promise.all([first, second]);
    const final = await cluster.client("n1").read(key);
    return { results, final };
  }

  it("read committed: both adds succeed and the first item is lost", async () => {
    const { results, final } = await racingAdds("read-committed");
    expect(results).toEqual([
      { ok: true, basis: [[0]], written: [0, 1] },
      { ok: true, basis: [[0]], written: [0, 2] },
    ]);
    expect(final).toEqual({ ok: true, values: [[0, 2]] });
  });

  for (const isolation of ["repeatable-read", "serializable"] as const) {
    it(`${isolation}: the second add is refused as a conflict (40001), nothing is lost`, async () => {
      const { results, final } = await racingAdds(isolation);
      expect(results[0]).toEqual({ ok: true, basis: [[0]], written: [0, 1] });
      expect(results[1]).toMatchObject({ ok: false, outcome: "fail", conflict: true });
      expect(results[1]!.ok || results[1]!.error).toMatch(/^40001 could not serialize/);
      expect(final).toEqual({ ok: true, values: [[0, 1]] });
    });
  }
});

describe("append: the atomic control", () => {
  it("keeps every item of concurrent appends", async () => {
    const clients = Array.from({ length: 8 }, () => cluster.client("n1"));
    const results = await Promise.all(
      clients.flatMap((client, c) =>
        Array.from({ length: 5 }, (_, i) => client.append!("cart", c * 10 + i)),
      ),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    const read = await cluster.client("n1").read("cart");
    const items = read.ok ? (read.values[0] as number[]) : [];
    expect([...items].sort((a, b) => a - b)).toEqual(
      clients.flatMap((_, c) => Array.from({ length: 5 }, (_, i) => c * 10 + i)),
    );
  });
});

describe("where reads and writes go", () => {
  it("reads: any reads the client's standby (stale while its link is cut); primary reads the latest", async () => {
    await cluster.client("n1").write("stale", 1, undefined);
    await eventually(
      "n2 holds stale = 1",
      async () => (await localValues(cluster, "n2", "stale"))[0] === 1,
    );
    cluster.cut("n2", "n1");
    try {
      expect(await cluster.client("n1").write("stale", 2, undefined)).toEqual({ ok: true });
      expect(await cluster.client("n2", { reads: "any" }).read("stale")).toEqual({
        ok: true,
        values: [1],
      });
      expect(await cluster.client("n2", { reads: "primary" }).read("stale")).toEqual({
        ok: true,
        values: [2],
      });
    } finally {
      cluster.heal();
    }
    await eventually(
      "n2 catches up",
      async () => (await localValues(cluster, "n2", "stale"))[0] === 2,
    );
  });

  it("serializable reads on a standby run at repeatable read (a hot standby has no serializable)", async () => {
    const client = cluster.client("n2", { isolation: "serializable", reads: "any" });
    expect(await client.read("stale")).toEqual({ ok: true, values: [2] });
  });

  it("writes go to the node named primary now: a standby refuses them (25006, definite)", async () => {
    const client = cluster.client("n1");
    cluster.primary = "n2";
    try {
      const write = await client.write("routed", 1, undefined);
      expect(write).toMatchObject({ ok: false, outcome: "fail" });
      expect(write.ok || write.error).toMatch(/^25006 cannot execute INSERT in a read-only/);
    } finally {
      cluster.primary = "n1";
    }
    expect(await client.write("routed", 2, undefined)).toEqual({ ok: true });
    expect(await client.read("routed")).toEqual({ ok: true, values: [2] });
  });
});
