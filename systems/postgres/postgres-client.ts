// The KvClient of a PostgreSQL cluster: one table (k text primary key, v jsonb), one row a key.
// Writes go to the node that is primary now (the harness says which, and follows a failover);
// reads go there too, or with `reads: any` to the client's own node, a standby whose stale reads
// then show. `update` is the application's read-modify-write in one transaction at the
// configured isolation — how read committed loses cart items; `append` is the atomic SQL control.
import type {
  KvCallOptions,
  KvCasResult,
  KvClient,
  KvFailure,
  KvRead,
  KvReadOptions,
  KvResult,
  KvUpdateResult,
  NodeId,
} from "../../workloads/kv-client.js";
import type postgres from "postgres";
import {
  type CallPhase,
  PostgresCallError,
  postgresErrorKind,
  postgresFailure,
  sessionSurvives,
} from "./postgres-errors.js";
import type { Address } from "./postgres-launch.js";
import type { IsolationLevel, PostgresOptions } from "./postgres-options.js";
import { type SessionScope, SessionPool, type SessionTarget } from "./postgres-session.js";

/** The table every client uses; made once per run by ensureKvTable. */
export const KV_TABLE = "faultline_kv";

export interface PostgresClientInput {
  options: Pick<PostgresOptions, "isolation" | "reads">;
  /** The address clients use for a node (the harness may put a proxy in between). */
  address(node: NodeId): Address;
  /** The node that is primary now. */
  primary(): NodeId;
  /** How long one call may take, queueing and connecting included. */
  timeoutMs: number;
}

export interface PostgresKvClient extends KvClient {
  /** Ends this client's sessions (calls in flight fail). */
  close(): Promise<void>;
}

/** A read's rows: the value, or nothing when the key is absent. */
interface Row {
  v: unknown;
}

export function createPostgresClient(input: PostgresClientInput, node: NodeId): PostgresKvClient {
  return new PostgresClient(input, node);
}

class PostgresClient implements PostgresKvClient {
  readonly #sessions = new SessionPool();

  constructor(
    readonly input: PostgresClientInput,
    readonly node: NodeId,
  ) {}

  read(key: string, options: KvReadOptions = {}): Promise<KvResult<KvRead>> {
    const target =
      options.local || this.input.options.reads === "any" ? this.node : this.input.primary();
    return this.#call(target, "read", options, async ({ sql }) => {
      const rows = await sql<Row[]>`select v from ${sql(KV_TABLE)} where k = ${key}`;
      return { values: rows.map((r) => r.v) };
    });
  }

  write(
    key: string,
    value: unknown,
    _context: string | undefined,
    options: KvCallOptions = {},
  ): Promise<KvResult<{ context?: string }>> {
    return this.#call(this.input.primary(), "statement", options, async ({ sql }) => {
      await upsert(sql, key, value);
      return {};
    });
  }

  async cas(
    key: string,
    expected: unknown,
    next: unknown,
    options: KvCallOptions = {},
  ): Promise<KvResult<KvCasResult> | (KvFailure & { basis?: unknown[] })> {
    const result = await this.#call(this.input.primary(), "statement", options, ({ sql }) =>
      compareAndSet(sql, key, expected, next),
    );
    if (!result.ok) return result;
    if (result.changed) return { ok: true, basis: result.basis ?? [] };
    const failure: KvFailure & { basis?: unknown[] } = {
      ok: false,
      outcome: "fail",
      error: "mismatch",
    };
    if (result.basis !== undefined) failure.basis = result.basis;
    return failure;
  }

  update(
    key: string,
    next: (read: KvRead) => unknown,
    options: KvCallOptions = {},
  ): Promise<KvResult<KvUpdateResult>> {
    return this.#call(this.input.primary(), "transaction", options, (scope, enter) =>
      readModifyWrite(scope, enter, key, next),
    );
  }

  append(key: string, item: unknown, options: KvCallOptions = {}): Promise<KvResult<object>> {
    return this.#call(this.input.primary(), "statement", options, async ({ sql }) => {
      // The row's own list grows in SQL: no read in the client, nothing to lose in a race.
      await sql`
        insert into ${sql(KV_TABLE)} (k, v) values (${key}, ${jsonb(sql, [item])})
        on conflict (k) do update set v = ${sql(KV_TABLE)}.v || excluded.v`;
      return {};
    });
  }

  close(): Promise<void> {
    return this.#sessions.close();
  }

  /** Runs `work` on a session with `target`; any error becomes the failure its phase means.
   * `enter` moves the phase on (a transaction enters "commit" as it sends COMMIT). */
  async #call<T extends object>(
    target: NodeId,
    phase: CallPhase,
    options: KvCallOptions,
    work: (scope: SessionScope, enter: (phase: CallPhase) => void) => Promise<T>,
  ): Promise<KvResult<T>> {
    let current = phase;
    try {
      const session = this.#sessions.session(`${target} ${this.#isolation(target)}`, () =>
        this.#target(target),
      );
      const value = await session.call((scope) => work(scope, (p) => (current = p)), {
        timeoutMs: this.input.timeoutMs,
        signal: options.signal,
      });
      return { ok: true, ...value };
    } catch (err) {
      return postgresFailure(err, current);
    }
  }

  /** A hot standby cannot run serializable transactions; its reads run at repeatable read
   * (one statement at either level sees one snapshot). */
  #isolation(target: NodeId): IsolationLevel {
    const level = this.input.options.isolation;
    return level === "serializable" && target !== this.input.primary() ? "repeatable-read" : level;
  }

  #target(target: NodeId): SessionTarget {
    return {
      address: this.input.address(target),
      applicationName: `faultline-client-${this.node}`,
      isolation: this.#isolation(target),
      connectTimeoutMs: Math.min(2_000, this.input.timeoutMs),
    };
  }
}

async function upsert(sql: SessionScope["sql"], key: string, value: unknown): Promise<void> {
  await sql`
    insert into ${sql(KV_TABLE)} (k, v) values (${key}, ${jsonb(sql, value)})
    on conflict (k) do update set v = excluded.v`;
}

/** One statement: the compare and the write see the same row. `seen` is the statement's
 * snapshot; under read committed an UPDATE that waited on a concurrent writer compares against
 * the newer row instead, so a mismatch whose `seen` equals `expected` has no known basis. */
async function compareAndSet(
  sql: SessionScope["sql"],
  key: string,
  expected: unknown,
  next: unknown,
): Promise<{ changed: boolean; basis?: unknown[] }> {
  const table = sql(KV_TABLE);
  const rows =
    expected === null
      ? await sql<{ seen: unknown; changed: number }[]>`
          with seen as (select v from ${table} where k = ${key}),
               done as (insert into ${table} (k, v) values (${key}, ${jsonb(sql, next)})
                        on conflict (k) do nothing returning 1)
          select (select v from seen) as seen, (select count(*) from done)::int as changed`
      : await sql<{ seen: unknown; changed: number }[]>`
          with seen as (select v from ${table} where k = ${key}),
               done as (update ${table} set v = ${jsonb(sql, next)}
                        where k = ${key} and v = ${jsonb(sql, expected)} returning 1)
          select (select v from seen) as seen, (select count(*) from done)::int as changed`;
  const row = rows[0]!;
  const expectedValues = expected === null ? [] : [expected];
  if (row.changed === 1) return { changed: true, basis: expectedValues };
  const seen = row.seen === null ? [] : [row.seen];
  return jsonEqual(seen, expectedValues) ? { changed: false } : { changed: false, basis: seen };
}

/** The application's read-modify-write: BEGIN, read, compute in the client, write, COMMIT. */
async function readModifyWrite(
  { sql, ensureOpen }: SessionScope,
  enter: (phase: CallPhase) => void,
  key: string,
  next: (read: KvRead) => unknown,
): Promise<KvUpdateResult> {
  ensureOpen();
  await sql`begin`;
  try {
    ensureOpen();
    const rows = await sql<Row[]>`select v from ${sql(KV_TABLE)} where k = ${key}`;
    const basis = rows.map((r) => r.v);
    const written = next({ values: basis });
    ensureOpen();
    await upsert(sql, key, written);
    ensureOpen();
    enter("commit");
    const done = await sql`commit`;
    // COMMIT of a transaction that had failed answers ROLLBACK, not an error.
    if (done.command !== "COMMIT") throw new PostgresCallError("sql-error");
    return { basis, written };
  } catch (err) {
    if (sessionSurvives(postgresErrorKind(err))) await rollbackQuietly(sql, ensureOpen);
    throw err;
  }
}

/** Leaves the session outside a transaction after an ERROR (a lost session needs nothing). */
async function rollbackQuietly(sql: SessionScope["sql"], ensureOpen: () => void): Promise<void> {
  try {
    ensureOpen();
    await sql`rollback`;
  } catch {
    // The session is dead or will be: the server has rolled back already.
  }
}

/** A value as a jsonb parameter (postgres.js would send a JS string as text otherwise). */
function jsonb(sql: SessionScope["sql"], value: unknown) {
  return sql.json(value as postgres.JSONValue);
}

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every((k) => jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}
