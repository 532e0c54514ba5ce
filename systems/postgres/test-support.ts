// Small helpers shared by the PostgreSQL end-to-end tests and benchmark: wait for a condition
// (never for a fixed time), read a node's own copy of a key, and hold a row lock so that
// concurrent writers interleave the same way every time.
import type { NodeId } from "../../workloads/kv-client.js";
import { withServer } from "./postgres-admin.js";
import { KV_TABLE } from "./postgres-client.js";
import { PostgresSession } from "./postgres-session.js";
import type { SpawnedPostgres } from "./spawned-postgres.js";

/** Polls `check` until it holds; throws after `timeoutMs` saying what did not happen. */
export async function eventually(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (
      await Promise.resolve()
        .then(check)
        .catch(() => false)
    )
      return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`not within ${timeoutMs} ms: ${what}`);
}

/** The values `node` holds itself for `key` (a local read), or throws what the read met. */
export async function localValues(
  cluster: SpawnedPostgres,
  node: NodeId,
  key: string,
): Promise<unknown[]> {
  const read = await cluster.reader(node).read(key, { local: true });
  if (!read.ok) throw new Error(`local read of ${key} on ${node}: ${read.error}`);
  return read.values;
}

/** A transaction on the primary holding `key`'s row lock (SELECT … FOR UPDATE), so that writers
 * of that row queue behind it until `release` commits. */
export async function holdRowLock(
  cluster: SpawnedPostgres,
  key: string,
): Promise<{ release(): Promise<void> }> {
  const session = new PostgresSession({
    address: cluster.address(cluster.primary),
    applicationName: "test-locker",
    connectTimeoutMs: 2_000,
  });
  await session.call(
    async ({ sql }) => {
      await sql`begin`;
      const rows = await sql`select v from ${sql(KV_TABLE)} where k = ${key} for update`;
      if (rows.length === 0) throw new Error(`holdRowLock: no row "${key}" to lock`);
    },
    { timeoutMs: 5_000 },
  );
  return {
    async release() {
      await session.call(({ sql }) => sql`commit`, { timeoutMs: 5_000 });
      await session.close();
    },
  };
}

/** Waits until `count` faultline client sessions wait for a lock on the primary. */
export function awaitLockWaiters(cluster: SpawnedPostgres, count: number): Promise<void> {
  return eventually(`${count} clients waiting for a row lock`, async () => {
    const rows = await withServer(
      cluster.address(cluster.primary),
      (sql) => sql`select 1 from pg_stat_activity
                   where wait_event_type = 'Lock' and application_name like 'faultline-client-%'`,
    );
    return rows.length === count;
  });
}
