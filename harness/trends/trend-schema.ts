// The trend store's schema, created and migrated by faultline itself: numbered migrations in the
// `faultline` schema, each applied once, in order, in one transaction that holds an advisory lock
// (two nightly jobs migrating at once take turns). faultline.migrations lists what was applied;
// a database migrated by a newer faultline (a version this one does not know) is refused rather
// than written in a shape it does not understand. Append migrations; never edit an applied one.
import type { Sql } from "postgres";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "suite and cell runs",
    sql: `
      create table faultline.suite_runs (
        id bigserial primary key,
        suite text not null,
        suite_file text not null,
        suite_hash text not null,
        started_at timestamptz not null,
        finished_at timestamptz not null,
        git_commit text,
        git_dirty boolean,
        outcome text not null,
        exit_code integer not null,
        shard text,
        suite_dir text,
        summary jsonb not null
      );
      create index suite_runs_by_suite on faultline.suite_runs (suite, started_at);
      create table faultline.cell_runs (
        id bigserial primary key,
        suite_run_id bigint references faultline.suite_runs (id) on delete cascade,
        suite text,
        cell text not null,
        label text not null,
        seed bigint not null,
        started_at timestamptz not null,
        duration_ms integer not null,
        git_commit text,
        config_hash text,
        valid text,
        cell_outcome text,
        verdicts jsonb not null,
        requirements jsonb,
        metrics jsonb not null,
        run_dir text,
        error text
      );
      create index cell_runs_by_cell on faultline.cell_runs (suite, cell, started_at);
    `,
  },
];

/** The migrations' advisory lock key (any constant other applications are unlikely to use). */
const LOCK_KEY = 0x66_6c_74_6e; // "fltn"

/** Brings the database's schema up to the last migration; answers the versions applied now. */
export async function migrate(sql: Sql, migrations = MIGRATIONS): Promise<number[]> {
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${LOCK_KEY})`;
    await tx.unsafe(`
      create schema if not exists faultline;
      create table if not exists faultline.migrations (
        version integer primary key,
        name text not null,
        applied_at timestamptz not null default now()
      );
    `);
    const rows = await tx<{ version: number }[]>`select version from faultline.migrations`;
    const applied = new Set(rows.map((r) => r.version));
    const known = Math.max(0, ...migrations.map((m) => m.version));
    const newer = [...applied].filter((v) => v > known);
    if (newer.length > 0) {
      throw new Error(
        `the trend schema is at version ${Math.max(...newer)}, this faultline knows up to ${known}: use a newer faultline`,
      );
    }
    const now: number[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      await tx.unsafe(migration.sql);
      await tx`insert into faultline.migrations (version, name) values (${migration.version}, ${migration.name})`;
      now.push(migration.version);
    }
    return now;
  });
}
