// The `system:` section of a PostgreSQL test: how many streaming standbys, how a commit
// replicates, the isolation of every transaction, where reads go and how a failover picks the new
// primary. Parsed once at the edge; every impossible combination is a problem naming its field.
import { z } from "zod";

export const REPLICATION_MODES = ["async", "sync", "remote-apply"] as const;
export const ISOLATION_LEVELS = ["read-committed", "repeatable-read", "serializable"] as const;
export const READ_TARGETS = ["primary", "any"] as const;
export const FAILOVER_PICKS = ["most-advanced", "random"] as const;

export type ReplicationMode = (typeof REPLICATION_MODES)[number];
export type IsolationLevel = (typeof ISOLATION_LEVELS)[number];

/** More standbys than this only slow a two-core machine down; nothing here needs them. */
const STANDBYS_MAX = 8;

export const postgresDefaults = {
  standbys: 2,
  replication: "async",
  isolation: "read-committed",
  reads: "primary",
  failover: { pick: "most-advanced" },
} as const;

/** A combination the schema's types cannot see: the path to blame (inside `system:`) and why. */
export interface PostgresOptionProblem {
  path: (string | number)[];
  message: string;
}

const fields = z.strictObject({
  name: z.literal("postgres"),
  standbys: z.number().int().min(0).max(STANDBYS_MAX).default(postgresDefaults.standbys),
  replication: z.enum(REPLICATION_MODES).default(postgresDefaults.replication),
  isolation: z.enum(ISOLATION_LEVELS).default(postgresDefaults.isolation),
  reads: z.enum(READ_TARGETS).default(postgresDefaults.reads),
  failover: z
    .strictObject({ pick: z.enum(FAILOVER_PICKS).default(postgresDefaults.failover.pick) })
    .default({ ...postgresDefaults.failover }),
});

export type PostgresOptions = z.output<typeof fields>;

/** Problems with combinations of fields, each naming the field to change. */
export function postgresOptionProblems(options: PostgresOptions): PostgresOptionProblem[] {
  const problems: PostgresOptionProblem[] = [];
  if (options.replication !== "async" && options.standbys < 1) {
    problems.push({
      path: ["replication"],
      message:
        `replication: ${options.replication} waits for a standby to confirm every commit; ` +
        `with standbys: 0 no commit would ever return (use standbys: 1 or more, or replication: async)`,
    });
  }
  if (options.reads === "any" && options.standbys < 1) {
    problems.push({
      path: ["reads"],
      message:
        "reads: any sends reads to the standbys as well; with standbys: 0 there are none " +
        "(use standbys: 1 or more, or reads: primary)",
    });
  }
  return problems;
}

/** The problem of a test that fails over a cluster with no standby to promote, if it is one. */
export function failoverProblem(options: PostgresOptions): PostgresOptionProblem | undefined {
  if (options.standbys >= 1) return undefined;
  return {
    path: ["standbys"],
    message:
      "a failover promotes a standby; with standbys: 0 there is none (use standbys: 1 or more)",
  };
}

/** The schema of the `system:` section: defaults filled, combinations checked. */
export const postgresOptionsSchema = fields.superRefine((options, ctx) => {
  for (const problem of postgresOptionProblems(options)) {
    ctx.addIssue({ code: "custom", path: problem.path, message: problem.message });
  }
});

/** The frozen options of a valid section, or every problem with the field it names. */
export function parsePostgresOptions(
  input: unknown,
):
  | { ok: true; options: Readonly<PostgresOptions> }
  | { ok: false; problems: PostgresOptionProblem[] } {
  const result = postgresOptionsSchema.safeParse(input);
  if (result.success) {
    const options = result.data;
    Object.freeze(options.failover);
    return { ok: true, options: Object.freeze(options) };
  }
  return {
    ok: false,
    problems: result.error.issues.map((issue) => ({
      path: issue.path.map((p) => (typeof p === "symbol" ? String(p) : p)),
      message: issue.message,
    })),
  };
}
