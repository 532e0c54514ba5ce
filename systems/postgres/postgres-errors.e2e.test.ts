// The error table against real servers: each entry provoked, and where the outcome is info the
// test shows why — the op the client gave up on was applied after all — and where it is fail,
// that it was not. Also: a client keeps working after its session was killed (postgres.js would
// otherwise fail the next query with the old error, or throw outside any promise).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withServer } from "./postgres-admin.js";
import { SpawnedPostgres } from "./spawned-postgres.js";
import { awaitLockWaiters, eventually, holdRowLock } from "./test-support.js";

let cluster: SpawnedPostgres;
beforeAll(async () => {
  cluster = await SpawnedPostgres.start({ system: { standbys: 1 } });
});
afterAll(() => cluster?.close());

const list = (item: number) => () => [item];

/** Ends the backends of faultline clients waiting for a lock: 57P01 to each of them. */
async function terminateWaiters(): Promise<number> {
  const rows = await withServer(
    cluster.address(cluster.primary),
    (sql) => sql`select pg_terminate_backend(pid) from pg_stat_activity
                 where wait_event_type = 'Lock' and application_name like 'faultline-client-%'`,
  );
  return rows.length;
}

async function valuesOf(key: string): Promise<unknown[]> {
  const read = await cluster.reader("n1").read(key);
  if (!read.ok) throw new Error(`reading ${key}: ${read.error}`);
  return read.values;
}

describe("definite errors (fail)", () => {
  it("40001: a repeatable-read cas racing a committed update is a conflict", async () => {
    await cluster.client("n1").write("ser", 1, undefined);
    const lock = await holdRowLock(cluster, "ser");
    const first = cluster.client("n1", { isolation: "repeatable-read" }).cas("ser", 1, 2);
    await awaitLockWaiters(cluster, 1);
    const second = cluster.client("n1", { isolation: "repeatable-read" }).cas("ser", 1, 3);
    await awaitLockWaiters(cluster, 2);
    await lock.release();
    const [a, b] = await Promise.all([first, second]);
    expect(a).toEqual({ ok: true, basis: [1] });
    expect(b).toMatchObject({ ok: false, outcome: "fail", conflict: true });
    expect(b.ok || b.error).toMatch(/^40001 /);
    expect(await valuesOf("ser")).toEqual([2]);
  });

  it("25006: a transaction routed to a standby is refused at its write", async () => {
    cluster.primary = "n2";
    try {
      const update = await cluster.client("n1").update("ro", list(1));
      expect(update).toMatchObject({ ok: false, outcome: "fail" });
      expect(update.ok || update.error).toMatch(/^25006 /);
    } finally {
      cluster.primary = "n1";
    }
    expect(await valuesOf("ro")).toEqual([]);
  });

  it("connection refused: a write to a server that is down was never sent", async () => {
    const client = cluster.client("n2", { reads: "any" });
    await cluster.kill("n2");
    try {
      expect(await client.read("x")).toMatchObject({
        ok: false,
        outcome: "fail",
        error: expect.stringMatching(/^connection-refused /),
      });
      cluster.primary = "n2";
      expect(await client.write("x", 1, undefined)).toMatchObject({
        ok: false,
        outcome: "fail",
        error: expect.stringMatching(/^connection-refused /),
      });
    } finally {
      cluster.primary = "n1";
      await cluster.startServer("n2");
    }
    expect(await client.read("x")).toEqual({ ok: true, values: [] });
  });
});

describe("a lost answer (info where a commit was in flight, fail where none was)", () => {
  it("client timeout: the write it gave up on is applied later (info); the transaction is not (fail)", async () => {
    await cluster.client("n1").write("slow-w", 0, undefined);
    await cluster.client("n1").write("slow-u", [0], undefined);
    // Each client's session is open before the locks are taken, so the timeout runs out while
    // its statement waits on the lock, not while a busy machine connects.
    const writer = cluster.client("n1", { timeoutMs: 2_000 });
    const updater = cluster.client("n1", { timeoutMs: 2_000 });
    for (const client of [writer, updater])
      expect(await client.read("slow-w")).toMatchObject({ ok: true });
    const locks = [await holdRowLock(cluster, "slow-w"), await holdRowLock(cluster, "slow-u")];
    const write = writer.write("slow-w", 1, undefined);
    const update = updater.update("slow-u", list(2));
    expect(await write).toEqual({ ok: false, outcome: "info", error: "client-timeout" });
    expect(await update).toEqual({ ok: false, outcome: "fail", error: "client-timeout" });
    for (const lock of locks) await lock.release();
    // The write's backend got the row and committed; the update's wrote inside its transaction,
    // then found its client gone before COMMIT and rolled back.
    await eventually(
      "the timed-out write is applied",
      async () => (await valuesOf("slow-w"))[0] === 1,
    );
    await eventually("no client backend is left", async () => {
      const rows = await withServer(
        cluster.address("n1"),
        (sql) => sql`select 1 from pg_stat_activity where application_name like 'faultline-client-%'
                       and state <> 'idle'`,
      );
      return rows.length === 0;
    });
    expect(await valuesOf("slow-u")).toEqual([[0]]);
  });

  it("interrupted: an aborted signal ends the call at once", async () => {
    const controller = new AbortController();
    const lock = await holdRowLock(cluster, "slow-w");
    const write = cluster.client("n1").write("slow-w", 5, undefined, { signal: controller.signal });
    await awaitLockWaiters(cluster, 1);
    controller.abort();
    expect(await write).toEqual({ ok: false, outcome: "info", error: "interrupted" });
    await lock.release();
    const aborted = new AbortController();
    aborted.abort();
    expect(await cluster.client("n1").read("slow-w", { signal: aborted.signal })).toEqual({
      ok: false,
      outcome: "fail",
      error: "interrupted",
    });
  });

  it("57P01 (the backend terminated mid-call): info for a write, fail for a transaction; the clients recover", async () => {
    await cluster.client("n1").write("term", 0, undefined);
    const writer = cluster.client("n1");
    const updater = cluster.client("n1");
    const lock = await holdRowLock(cluster, "term");
    const write = writer.write("term", 1, undefined);
    const update = updater.update("term", list(2));
    await awaitLockWaiters(cluster, 2);
    expect(await terminateWaiters()).toBe(2);
    expect(await write).toMatchObject({
      ok: false,
      outcome: "info",
      error: expect.stringMatching(/^connection-lost /),
    });
    expect(await update).toMatchObject({
      ok: false,
      outcome: "fail",
      error: expect.stringMatching(/^connection-lost /),
    });
    await lock.release();
    expect(await valuesOf("term")).toEqual([0]);
    // Fresh sessions: the next calls of the same clients succeed.
    expect(await writer.write("term", 3, undefined)).toEqual({ ok: true });
    expect(await updater.update("term", list(4))).toEqual({ ok: true, basis: [3], written: [4] });
  });
});
