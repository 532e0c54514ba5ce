// Admin SQL against one PostgreSQL server, each call on its own short session: readiness, the
// server's place in the WAL (LSNs, timeline, recovery), the KV table, a node's state dump, and
// the failover primitives (promote, re-point a standby). Every call has a timeout and rejects
// with what it met; callers that poll (readiness) treat a rejection as "not yet".
import { KV_TABLE } from "./postgres-client.js";
import type { Address } from "./postgres-launch.js";
import { PostgresSession, type Sql } from "./postgres-session.js";

export const ADMIN_TIMEOUT_MS = 5_000;

/** A WAL position as PostgreSQL prints it ("0/3000060"). */
export type Lsn = string;

export interface ServerPosition {
  inRecovery: boolean;
  /** The timeline it writes (a primary) or receives (a streaming standby); null when unknown. */
  timeline: number | null;
  /** A primary's insert position; null on a standby. */
  currentLsn: Lsn | null;
  /** A standby's last WAL received and replayed; null on a primary. */
  receiveLsn: Lsn | null;
  replayLsn: Lsn | null;
}

export interface WalReceiver {
  status: string;
  senderHost: string;
  senderPort: number;
  receivedTimeline: number;
}

/** What a node holds: its place in the WAL and every row of the KV table. */
export interface PostgresNodeDump extends ServerPosition {
  node: string;
  rows: Record<string, unknown>;
}

/** Runs `work` on a fresh session with the server at `address`, then ends it. */
export async function withServer<T>(
  address: Address,
  work: (sql: Sql) => Promise<T>,
  timeoutMs = ADMIN_TIMEOUT_MS,
): Promise<T> {
  const session = new PostgresSession({
    address,
    applicationName: "faultline-admin",
    connectTimeoutMs: Math.min(timeoutMs, 2_000),
  });
  try {
    return await session.call(({ sql }) => work(sql), { timeoutMs });
  } finally {
    await session.close();
  }
}

/** Whether the server answers queries, and in which role; undefined when it does not (yet). */
export async function probe(
  address: Address,
  timeoutMs = 2_000,
): Promise<{ inRecovery: boolean } | undefined> {
  try {
    return await withServer(
      address,
      async (sql) => {
        const [row] = await sql<{ r: boolean }[]>`select pg_is_in_recovery() as r`;
        return { inRecovery: row!.r };
      },
      timeoutMs,
    );
  } catch {
    return undefined;
  }
}

/** Polls `probe` until the server answers; rejects after `timeoutMs` naming the address. */
export async function awaitReady(
  address: Address,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<{ inRecovery: boolean }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await probe(address, Math.min(2_000, Math.max(100, deadline - Date.now())));
    if (state !== undefined) return state;
    if (signal?.aborted) throw new Error(`${address.host}:${address.port}: readiness interrupted`);
    if (Date.now() >= deadline) {
      throw new Error(
        `PostgreSQL at ${address.host}:${address.port} did not answer within ${timeoutMs} ms`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function serverPosition(address: Address, timeoutMs?: number): Promise<ServerPosition> {
  return withServer(address, readPosition, timeoutMs);
}

async function readPosition(sql: Sql): Promise<ServerPosition> {
  const [row] = await sql<
    {
      in_recovery: boolean;
      current_lsn: string | null;
      receive_lsn: string | null;
      replay_lsn: string | null;
      timeline: string | null;
    }[]
  >`
    select pg_is_in_recovery() as in_recovery,
           case when pg_is_in_recovery() then null else pg_current_wal_lsn()::text end as current_lsn,
           pg_last_wal_receive_lsn()::text as receive_lsn,
           pg_last_wal_replay_lsn()::text as replay_lsn,
           case when pg_is_in_recovery()
                then (select received_tli::text from pg_stat_wal_receiver)
                else substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8) end as timeline`;
  const r = row!;
  const timeline =
    r.timeline === null ? null : Number.parseInt(r.timeline, r.in_recovery ? 10 : 16);
  return {
    inRecovery: r.in_recovery,
    timeline,
    currentLsn: r.current_lsn,
    receiveLsn: r.receive_lsn,
    replayLsn: r.replay_lsn,
  };
}

/** The standby's WAL receiver, or undefined when it is not connected to any primary. */
export function walReceiver(
  address: Address,
  timeoutMs?: number,
): Promise<WalReceiver | undefined> {
  return withServer(
    address,
    async (sql) => {
      const [row] = await sql<
        { status: string; sender_host: string; sender_port: number; received_tli: number }[]
      >`select status, sender_host, sender_port, received_tli from pg_stat_wal_receiver`;
      if (row === undefined) return undefined;
      return {
        status: row.status,
        senderHost: row.sender_host,
        senderPort: row.sender_port,
        receivedTimeline: row.received_tli,
      };
    },
    timeoutMs,
  );
}

/** Makes the KV table on the primary (idempotent); standbys get it by replication. */
export function ensureKvTable(address: Address, timeoutMs?: number): Promise<void> {
  return withServer(
    address,
    async (sql) => {
      await sql`create table if not exists ${sql(KV_TABLE)} (k text primary key, v jsonb not null)`;
    },
    timeoutMs,
  );
}

/** A node's state: its place in the WAL and all rows, read on that node itself. */
export function dumpNode(
  node: string,
  address: Address,
  timeoutMs?: number,
): Promise<PostgresNodeDump> {
  return withServer(
    address,
    async (sql) => {
      const position = await readPosition(sql);
      const exists = await sql`select 1 from pg_tables where tablename = ${KV_TABLE}`;
      const rows =
        exists.length === 0
          ? []
          : await sql<{ k: string; v: unknown }[]>`select k, v from ${sql(KV_TABLE)} order by k`;
      return { node, ...position, rows: Object.fromEntries(rows.map((r) => [r.k, r.v])) };
    },
    timeoutMs,
  );
}

/** Promotes a standby, waits until it has left recovery, and checkpoints. Returns how long it
 * took. */
export function promote(address: Address, timeoutMs = 30_000): Promise<{ ms: number }> {
  const started = Date.now();
  return withServer(
    address,
    async (sql) => {
      const waitSeconds = Math.max(1, Math.floor(timeoutMs / 1000) - 1);
      const [row] = await sql<{ done: boolean }[]>`select pg_promote(true, ${waitSeconds}) as done`;
      if (!row!.done) throw new Error(`pg_promote did not finish within ${waitSeconds} s`);
      const [state] = await sql<{ r: boolean }[]>`select pg_is_in_recovery() as r`;
      if (state!.r) throw new Error("pg_promote returned, yet the server is still in recovery");
      // pg_control names the new timeline only after a checkpoint; until then pg_rewind against
      // this server sees the old timeline and rewinds nothing (Patroni checkpoints here too).
      await sql`checkpoint`;
      return { ms: Date.now() - started };
    },
    timeoutMs,
  );
}

/** Points a standby at another primary: primary_conninfo in postgresql.auto.conf, then a reload
 * (the WAL receiver restarts with it; recovery follows the new timeline, 'latest'). */
export function repoint(
  address: Address,
  primaryConninfo: string,
  timeoutMs?: number,
): Promise<void> {
  return withServer(
    address,
    async (sql) => {
      await sql.unsafe(`alter system set primary_conninfo = ${quoteLiteral(primaryConninfo)}`);
      await sql`select pg_reload_conf()`;
    },
    timeoutMs,
  );
}

/** ALTER SYSTEM takes no parameters: the value goes in as a standard SQL string literal. */
function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Orders LSNs: negative when a is behind b. */
export function compareLsn(a: Lsn, b: Lsn): number {
  const d = lsnValue(a) - lsnValue(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

export function lsnValue(lsn: Lsn): bigint {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(lsn);
  if (!match) throw new Error(`not an LSN: "${lsn}" (expected hex/hex, e.g. 0/3000060)`);
  return (BigInt(`0x${match[1]}`) << 32n) + BigInt(`0x${match[2]}`);
}
