// One session with one PostgreSQL server, as faultline's clients and admin calls use it:
// postgres.js with a single connection, so a transaction's statements share it; calls run one at
// a time, each within its timeout. A session is dead for good once its connection closes, fails
// or times out, and its owner opens a fresh one. Two postgres.js 3.4.9 defects make this the
// only safe use under faults: after a lost connection the next query fails with the old
// backend's error, and sql.begin()'s own ROLLBACK on a closed socket throws outside any promise
// (porsager/postgres#1208), so transactions are issued statement by statement, never with begin.
import postgres from "postgres";
import { type Address, POSTGRES_DATABASE, POSTGRES_USER } from "./postgres-launch.js";
import type { IsolationLevel } from "./postgres-options.js";
import { PostgresCallError, postgresErrorKind, sessionSurvives } from "./postgres-errors.js";

export type Sql = postgres.Sql<Record<string, never>>;

export interface SessionTarget {
  address: Address;
  /** Shown in pg_stat_activity and the server log. */
  applicationName: string;
  /** Every transaction's isolation (the server's default, read committed, when absent). */
  isolation?: IsolationLevel;
  /** How long opening the connection may take (postgres.js counts whole seconds; min 1). */
  connectTimeoutMs: number;
}

export interface CallOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

/** What a call's work gets: the connection, and a check to make before every statement of a
 * transaction (it throws once the connection has closed: a later statement would otherwise
 * run on a fresh connection, outside the transaction). */
export interface SessionScope {
  sql: Sql;
  ensureOpen(): void;
}

const ISOLATION_SQL: Record<IsolationLevel, string> = {
  "read-committed": "read committed",
  "repeatable-read": "repeatable read",
  serializable: "serializable",
};

export class PostgresSession {
  readonly #sql: Sql;
  #dead = false;
  #ended: Promise<void> | undefined;
  #tail: Promise<unknown> = Promise.resolve();

  constructor(readonly target: SessionTarget) {
    const connection: Record<string, string> = { application_name: target.applicationName };
    if (target.isolation !== undefined)
      connection.default_transaction_isolation = ISOLATION_SQL[target.isolation];
    this.#sql = postgres({
      host: target.address.host,
      port: target.address.port,
      user: POSTGRES_USER,
      database: POSTGRES_DATABASE,
      max: 1,
      connect_timeout: Math.max(1, Math.ceil(target.connectTimeoutMs / 1000)),
      idle_timeout: 0,
      // jsonb and text only: no type query at connect, which a lost connection could strand.
      fetch_types: false,
      onnotice: () => {},
      onclose: () => {
        this.#dead = true;
      },
      connection,
    });
  }

  /** Closed, failed or timed out: never used again. */
  get dead(): boolean {
    return this.#dead;
  }

  /** Runs `work` after the calls before it; rejects with what it met (PostgresCallError for a
   * timeout, an abort, or a session already dead). A timeout or abort drops the connection. */
  call<T>(work: (scope: SessionScope) => Promise<T>, options: CallOptions): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const settle = (finish: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener("abort", onAbort);
        finish();
      };
      const stop = (kind: "client-timeout" | "interrupted") => {
        void this.close();
        settle(() => reject(new PostgresCallError(kind)));
      };
      const onAbort = () => stop("interrupted");
      const timer = setTimeout(() => stop("client-timeout"), options.timeoutMs);
      if (options.signal?.aborted) return stop("interrupted");
      options.signal?.addEventListener("abort", onAbort, { once: true });

      const turn = this.#tail.then(() => (settled ? undefined : this.#run(work)));
      this.#tail = turn.catch(() => {});
      turn.then(
        (value) => settle(() => resolve(value as T)),
        (err: unknown) => settle(() => reject(err)),
      );
    });
  }

  /** Ends the connection at once (any call in flight fails); idempotent. */
  close(): Promise<void> {
    this.#dead = true;
    this.#ended ??= this.#sql.end({ timeout: 0 }).catch(() => {});
    return this.#ended;
  }

  async #run<T>(work: (scope: SessionScope) => Promise<T>): Promise<T> {
    if (this.#dead) throw new PostgresCallError("session-closed");
    const scope: SessionScope = {
      sql: this.#sql,
      ensureOpen: () => {
        if (this.#dead) throw new PostgresCallError("connection-lost");
      },
    };
    try {
      return await work(scope);
    } catch (err) {
      if (!sessionSurvives(postgresErrorKind(err))) void this.close();
      throw err;
    }
  }
}

/** Keeps one live session per key, opening a fresh one when the last died. */
export class SessionPool {
  readonly #sessions = new Map<string, PostgresSession>();

  session(key: string, target: () => SessionTarget): PostgresSession {
    const current = this.#sessions.get(key);
    if (current !== undefined && !current.dead) return current;
    // A session whose connection the server closed would reconnect on its own: end it.
    void current?.close();
    const fresh = new PostgresSession(target());
    this.#sessions.set(key, fresh);
    return fresh;
  }

  async close(): Promise<void> {
    const sessions = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.all(sessions.map((s) => s.close()));
  }
}
