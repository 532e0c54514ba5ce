// The trend store: suite and run summaries in PostgreSQL through postgres.js, for the trend page
// and `faultline compare --db`. Opening it connects and migrates the schema (trend-schema.ts); a
// database it cannot reach is a usage error (exit 254) naming the URL (password hidden). A suite
// becomes one suite_runs row (its whole summary.json) and one cell_runs row per run (per cell and
// seed: verdicts, R1–R3, the numbers trends plot, commit, config hash); a lone `faultline run`
// becomes a cell_runs row without a suite. Files stay the default: this is only ever an addition.
import postgres, { type Sql, type TransactionSql } from "postgres";
import type { Validity } from "../../checkers/checker.js";
import { UsageError } from "../cli-error.js";
import type { Requirements } from "../suite/requirements.js";
import type { CellReport, RunReport, SuiteSummary } from "../suite/suite-summary.js";
import { redacted } from "./database-url.js";
import { migrate } from "./trend-schema.js";

/** One run of one cell as the trend page reads it. */
export interface CellRunRow {
  suiteRunId?: number;
  /** undefined for a lone `faultline run`. */
  suite?: string;
  cell: string;
  label: string;
  seed: number;
  startedAt: Date;
  durationMs: number;
  gitCommit?: string;
  configHash?: string;
  /** The run's composite verdict; undefined when it did not finish. */
  valid?: Validity;
  cellOutcome?: string;
  verdicts: Record<string, Validity>;
  requirements?: Requirements;
  metrics: Record<string, number>;
  runDir?: string;
  error?: string;
}

export interface TrendStore extends AsyncDisposable {
  readonly url: string;
  /** Records a suite's summary and its runs; answers the suite run's id. */
  recordSuite(summary: SuiteSummary, suiteDir: string): Promise<number>;
  /** Records a lone run (a one-cell summary, as runSummaryOf makes it). */
  recordRun(summary: SuiteSummary, runDir: string): Promise<void>;
  /** The suites recorded, with their latest run; lone runs as suite undefined. */
  suites(): Promise<{ suite?: string; runs: number; latest: Date; outcome?: string }[]>;
  /** Every run of the suite's cells (undefined: the lone runs), oldest first. */
  cellRuns(suite: string | undefined, limitPerCell?: number): Promise<CellRunRow[]>;
  /** The suite's last `count` summaries, newest first. */
  latestSummaries(suite: string, count: number): Promise<SuiteSummary[]>;
  close(): Promise<void>;
}

export async function openTrendStore(url: string): Promise<TrendStore> {
  const sql = postgres(url, { max: 4, onnotice: () => {}, connect_timeout: 10 });
  try {
    await migrate(sql);
  } catch (err) {
    await sql.end({ timeout: 1 }).catch(() => undefined);
    const why = err instanceof Error ? err.message : String(err);
    throw new UsageError(`--db ${redacted(url)}: cannot use the trend store: ${why}`);
  }
  const close = () => sql.end({ timeout: 5 });
  return {
    url,
    recordSuite: (summary, suiteDir) => recordSuite(sql, summary, suiteDir),
    recordRun: async (summary, runDir) => {
      await sql.begin(async (tx) => {
        for (const cell of summary.cells) {
          for (const run of cell.runs)
            await insertRun(tx, undefined, undefined, summary, cell, { ...run, runDir });
        }
      });
    },
    suites: () => suites(sql),
    cellRuns: (suite, limitPerCell = 60) => cellRuns(sql, suite, limitPerCell),
    latestSummaries: async (suite, count) => {
      const rows = await sql<{ summary: SuiteSummary }[]>`
        select summary from faultline.suite_runs where suite = ${suite}
        order by started_at desc, id desc limit ${count}`;
      return rows.map((r) => r.summary);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** A query runner: the pool, or a transaction on it. */
type Db = Sql | TransactionSql;

const json = (sql: Db, value: unknown) => sql.json(value as Parameters<Sql["json"]>[0]);

async function recordSuite(sql: Sql, summary: SuiteSummary, suiteDir: string): Promise<number> {
  return sql.begin(async (tx) => {
    const shard = summary.shard ? `${summary.shard.index}/${summary.shard.count}` : null;
    const [row] = await tx<{ id: string }[]>`
      insert into faultline.suite_runs (suite, suite_file, suite_hash, started_at, finished_at,
        git_commit, git_dirty, outcome, exit_code, shard, suite_dir, summary)
      values (${summary.suite}, ${summary.suiteFile}, ${summary.suiteHash}, ${summary.startedAt},
        ${summary.finishedAt}, ${summary.git.commit ?? null}, ${summary.git.dirty ?? null},
        ${summary.outcome}, ${summary.exitCode}, ${shard}, ${suiteDir}, ${json(tx, summary)})
      returning id`;
    const id = Number(row!.id);
    for (const cell of summary.cells) {
      for (const run of cell.runs) await insertRun(tx, id, summary.suite, summary, cell, run);
    }
    return id;
  }) as Promise<number>;
}

async function insertRun(
  sql: Db,
  suiteRunId: number | undefined,
  suite: string | undefined,
  summary: SuiteSummary,
  cell: CellReport,
  run: RunReport,
): Promise<void> {
  await sql`
    insert into faultline.cell_runs (suite_run_id, suite, cell, label, seed, started_at,
      duration_ms, git_commit, config_hash, valid, cell_outcome, verdicts, requirements, metrics,
      run_dir, error)
    values (${suiteRunId ?? null}, ${suite ?? null}, ${cell.id}, ${cell.label}, ${run.seed},
      ${run.startedAt}, ${run.durationMs}, ${summary.git.commit ?? null}, ${run.configHash ?? null},
      ${run.valid === undefined ? null : String(run.valid)}, ${cell.outcome},
      ${json(sql, run.verdicts)}, ${run.requirements === undefined ? null : json(sql, run.requirements)},
      ${json(sql, run.metrics)}, ${run.runDir ?? null}, ${run.error ?? null})`;
}

async function suites(sql: Sql) {
  const rows = await sql<
    { suite: string | null; runs: string; latest: Date; outcome: string | null }[]
  >`
    select c.suite, count(*) as runs, max(c.started_at) as latest,
      (select s.outcome from faultline.suite_runs s where s.suite = c.suite
        order by s.started_at desc, s.id desc limit 1) as outcome
    from faultline.cell_runs c group by c.suite order by c.suite nulls last`;
  return rows.map((r) => ({
    ...(r.suite !== null && { suite: r.suite }),
    runs: Number(r.runs),
    latest: r.latest,
    ...(r.outcome !== null && { outcome: r.outcome }),
  }));
}

interface CellRunRecord {
  suite_run_id: string | null;
  suite: string | null;
  cell: string;
  label: string;
  seed: string;
  started_at: Date;
  duration_ms: number;
  git_commit: string | null;
  config_hash: string | null;
  valid: string | null;
  cell_outcome: string | null;
  verdicts: Record<string, Validity>;
  requirements: Requirements | null;
  metrics: Record<string, number>;
  run_dir: string | null;
  error: string | null;
}

async function cellRuns(
  sql: Sql,
  suite: string | undefined,
  limitPerCell: number,
): Promise<CellRunRow[]> {
  const rows = await sql<CellRunRecord[]>`
    select * from (
      select *, row_number() over (partition by cell order by started_at desc, id desc) as nth
      from faultline.cell_runs where suite is not distinct from ${suite ?? null}
    ) recent where nth <= ${limitPerCell} order by cell, started_at, id`;
  return rows.map(fromRecord);
}

function fromRecord(r: CellRunRecord): CellRunRow {
  const valid =
    r.valid === "true"
      ? true
      : r.valid === "false"
        ? false
        : r.valid === null
          ? undefined
          : "unknown";
  return {
    ...(r.suite_run_id !== null && { suiteRunId: Number(r.suite_run_id) }),
    ...(r.suite !== null && { suite: r.suite }),
    cell: r.cell,
    label: r.label,
    seed: Number(r.seed),
    startedAt: r.started_at,
    durationMs: r.duration_ms,
    ...(r.git_commit !== null && { gitCommit: r.git_commit }),
    ...(r.config_hash !== null && { configHash: r.config_hash }),
    ...(valid !== undefined && { valid }),
    ...(r.cell_outcome !== null && { cellOutcome: r.cell_outcome }),
    verdicts: r.verdicts,
    ...(r.requirements !== null && { requirements: r.requirements }),
    metrics: r.metrics,
    ...(r.run_dir !== null && { runDir: r.run_dir }),
    ...(r.error !== null && { error: r.error }),
  };
}

/** For `faultline run`: the trend store the flag (or FAULTLINE_DATABASE_URL) names, opened before
 * the run so a bad URL stops it first; `record` stores the finished run and says so. */
export async function openRunTrends(
  flag: string | undefined,
): Promise<{ record(runDir: string): Promise<string> } | undefined> {
  const { databaseUrl } = await import("./database-url.js");
  const url = databaseUrl(flag);
  if (url === undefined) return undefined;
  const store = await openTrendStore(url);
  return {
    async record(runDir) {
      try {
        const { readStoredRun, runAsSummary } = await import("../suite/run-as-summary.js");
        await store.recordRun(runAsSummary(readStoredRun(runDir)), runDir);
        return `trends: recorded in ${redacted(url)}`;
      } catch (err) {
        return `trends: NOT recorded (${err instanceof Error ? err.message : String(err)})`;
      } finally {
        await store.close();
      }
    },
  };
}
