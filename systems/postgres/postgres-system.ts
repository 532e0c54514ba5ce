// PostgreSQL as a system under test: a primary (n1) and `standbys` streaming standbys (n2 …),
// `{name: postgres, standbys, replication: async | sync | remote-apply, isolation, reads}`. What a
// raced write does follows the isolation: read committed lets a read-modify-write overwrite a
// concurrent one (like lww); repeatable read and serializable refuse it with 40001 (like reject).
// It leads (the primary), fails over (promote a standby, rewind the old primary back in) and
// appends in SQL; it has no clock to shift. The library beside this file does the work: options,
// binaries, launch plan, KvClient, error table, failover; this file maps it onto the contract.
import type { FlagSpec } from "../options-schema.js";
import type { System } from "../system.js";
import { probe } from "./postgres-admin.js";
import { postgresSession } from "./postgres-cluster-session.js";
import { postgresDockerLaunch } from "./postgres-docker-launch.js";
import { POSTGRES_ERRORS } from "./postgres-errors.js";
import { postgresLocalLaunch } from "./postgres-local-launch.js";
import {
  ISOLATION_LEVELS,
  type PostgresOptions,
  postgresOptionsSchema,
  READ_TARGETS,
  REPLICATION_MODES,
} from "./postgres-options.js";

const flags: FlagSpec[] = [
  {
    flags: "--standbys <n>",
    description: "postgres: streaming standbys beside the primary (default 2)",
    path: ["standbys"],
    kind: "number",
  },
  {
    flags: "--replication <mode>",
    description: `postgres: ${REPLICATION_MODES.join(" | ")} (default async)`,
    path: ["replication"],
    kind: "string",
  },
  {
    flags: "--isolation <level>",
    description: `postgres: ${ISOLATION_LEVELS.join(" | ")} (default read-committed)`,
    path: ["isolation"],
    kind: "string",
  },
  {
    flags: "--reads <target>",
    description: `where reads go: postgres ${READ_TARGETS.join(" | ")}; faultline leader build leader | any`,
    path: ["reads"],
    kind: "string",
  },
];

/** What a commit waits for, in words for the report. */
const REPLICATION_WORDS: Record<PostgresOptions["replication"], string> = {
  async: "async: a commit returns once the primary has it",
  sync: "sync: a commit waits until a standby has flushed it (ANY 1)",
  "remote-apply": "remote-apply: a commit waits until a standby has applied it (ANY 1)",
};

const nodeIds = (o: PostgresOptions) =>
  Array.from({ length: o.standbys + 1 }, (_, i) => `n${i + 1}`);

/** The error table as the contract states it: a lost answer is info for a write in flight (a
 * statement or a COMMIT sent), fail for a read or a transaction not yet committing. */
const errors = Object.fromEntries(
  Object.entries(POSTGRES_ERRORS).map(([kind, entry]) => [
    kind,
    entry.effect === "lost"
      ? {
          outcome: "info",
          why: `${entry.why} (info for a write or COMMIT in flight; a read fails)`,
        }
      : { outcome: "fail", why: entry.why },
  ]),
) as Record<keyof typeof POSTGRES_ERRORS, { outcome: "fail" | "info"; why: string }>;

export const postgres: System<PostgresOptions> = {
  name: "postgres",
  summary:
    "PostgreSQL: a primary and streaming standbys (async, sync, remote-apply), each isolation level",
  schema: postgresOptionsSchema,
  flags,
  nodeIds,
  traits: (o) => ({ conflicts: o.isolation === "read-committed" ? "lww" : "reject" }),
  capabilities: () => ["leader", "failover", "append"],
  describe: (o) =>
    `postgres ${o.replication}, ${o.isolation}, primary + ${o.standbys} ` +
    `standby${o.standbys === 1 ? "" : "s"}, reads ${o.reads === "any" ? "anywhere" : "on the primary"}`,
  label: (o) => `postgres-${o.replication}-${o.isolation}`,
  settings: (o) => [
    ["nodes", `n1 primary, ${o.standbys} standby${o.standbys === 1 ? "" : "s"} (n2 …)`],
    ["replication", REPLICATION_WORDS[o.replication]],
    ["isolation", o.isolation],
    ["reads", o.reads === "any" ? "any node (a standby's may be stale)" : "the primary"],
  ],
  launch: {
    local: (o) => postgresLocalLaunch(o, nodeIds(o)),
    docker: (o) => postgresDockerLaunch(o, nodeIds(o)),
  },
  ready: async (address) => (await probe(address, 1_000)) !== undefined,
  connect: postgresSession,
  errors,
};
