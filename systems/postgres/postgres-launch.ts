// How a PostgreSQL cluster is launched, as data the harness runtime executes (systems/ starts no
// process): per node, the directories to make, one-shot setup steps (initdb for the primary, a
// base backup of the running primary for each standby) and the long-running server command, in
// the foreground so the runtime owns it. Addresses come from the runtime: a standby reaches the
// primary at `peer(standby, primary)`, which may be a link proxy, so partitions cut replication.
import type { NodeId } from "../../workloads/kv-client.js";
import type { NodeAddress, ParentDeathSignal, SetupStep } from "../system.js";
import { type PostgresBinaries, type PostgresProgram, programPath } from "./postgres-binaries.js";
import type { PostgresOptions } from "./postgres-options.js";

export type { SetupStep };
export type Address = NodeAddress;

/** A process to run: the exact argv and the whole environment (nothing is inherited). */
export interface ProcessCommand {
  file: string;
  args: string[];
  env: Record<string, string>;
  inheritEnv: false;
  /** What the kernel sends it when its owner dies (system.ts's ProcessCommand). */
  parentDeathSignal?: ParentDeathSignal;
}

export interface NodeLaunch {
  id: NodeId;
  /** The role it starts in; a standby's setup copies the primary, so it comes after it. */
  role: "primary" | "standby";
  dataDir: string;
  /** Made by the runtime before any step (mode 0700, owned by the owner): data, sockets. */
  directories: string[];
  /** Nodes whose server must be ready before this node's setup starts. */
  after: NodeId[];
  /** Run once per run, in order. */
  setup: SetupStep[];
  /** The server, in the foreground: started after setup and on every restart. */
  server: ProcessCommand;
}

/** Where one node lives, as the runtime lays it out. */
export interface NodePlace {
  dataDir: string;
  /** Unix sockets go here (inside the run folder); undefined: TCP only. */
  socketDir?: string;
  /** The address the server listens on. */
  listen: Address;
}

/** A user to run as (when the harness runs as root: initdb refuses to). */
export interface Owner {
  uid: number;
  gid: number;
}

export interface PostgresLaunchInput {
  options: PostgresOptions;
  binaries: PostgresBinaries;
  /** nodes[0] starts as the primary, the others as its standbys. */
  nodes: readonly NodeId[];
  place(node: NodeId): NodePlace;
  /** The address `from` uses to reach `to` (a link proxy on the local runtime). */
  peer(from: NodeId, to: NodeId): Address;
  /** The network the clients and standbys connect from, trusted without a password. */
  trustedNetwork: string;
  /** Every command runs through setpriv: as `owner` when given, and killed when the harness
   * dies (its parent-death signal). Undefined: commands run as they are (in a container, or
   * under a runtime that places them itself). */
  setpriv?: { path: string; owner?: Owner };
}

/** The superuser initdb makes; every connection of faultline uses it. */
export const POSTGRES_USER = "postgres";
export const POSTGRES_DATABASE = "postgres";

const INITDB_TIMEOUT_MS = 60_000;
const BASE_BACKUP_TIMEOUT_MS = 120_000;
const REWIND_TIMEOUT_MS = 120_000;

/** The launch of every node, primary first. */
export function postgresLaunchPlan(input: PostgresLaunchInput): NodeLaunch[] {
  return input.nodes.map((id) => postgresNodeLaunch(input, id));
}

/** One node's launch: nodes[0] starts as the primary (initdb), the others as its standbys (a
 * base backup of it). Reads `place` and `peer` of this node only. */
export function postgresNodeLaunch(input: PostgresLaunchInput, id: NodeId): NodeLaunch {
  const expected = input.options.standbys + 1;
  if (input.nodes.length !== expected) {
    throw new Error(
      `postgres with standbys: ${input.options.standbys} runs ${expected} nodes, got ${input.nodes.length} (${input.nodes.join(", ")})`,
    );
  }
  if (!input.nodes.includes(id))
    throw new Error(`unknown node ${id} (have ${input.nodes.join(", ")})`);
  const primary = input.nodes[0]!;
  return id === primary
    ? launch(input, primary, "primary", [], initdbSteps(input, primary))
    : launch(input, id, "standby", [primary], standbySteps(input, id, primary));
}

function launch(
  input: PostgresLaunchInput,
  id: NodeId,
  role: NodeLaunch["role"],
  after: NodeId[],
  setup: SetupStep[],
): NodeLaunch {
  const place = input.place(id);
  return {
    id,
    role,
    dataDir: place.dataDir,
    directories: [
      place.dataDir,
      ...(socketDirectory(place) === "" ? [] : [socketDirectory(place)]),
    ],
    after,
    setup,
    server: serverCommand(input, id),
  };
}

/** A new cluster in the (empty) data folder, its settings, and who may connect to it. */
function initdbSteps(input: PostgresLaunchInput, node: NodeId): SetupStep[] {
  const { dataDir } = input.place(node);
  return [
    run(input, "initdb", "initdb", INITDB_TIMEOUT_MS, [
      "-D",
      dataDir,
      "-U",
      POSTGRES_USER,
      "--auth=trust",
      "--encoding=UTF8",
      "--locale=C",
      // A killed process loses nothing the kernel holds; no fault here pulls the power.
      "--no-sync",
      "--no-instructions",
    ]),
    {
      kind: "write-file",
      name: "postgresql.conf",
      path: `${dataDir}/postgresql.conf`,
      content: postgresqlConf(input),
    },
    {
      kind: "write-file",
      name: "pg_hba.conf",
      path: `${dataDir}/pg_hba.conf`,
      content: hba(input),
    },
  ];
}

/** A standby: a base backup of the running `source`, which also writes standby.signal and the
 * primary_conninfo that follows `source` (pg_basebackup -R). */
function standbySteps(input: PostgresLaunchInput, node: NodeId, source: NodeId): SetupStep[] {
  const { dataDir } = input.place(node);
  return [
    run(input, "pg_basebackup", "pg_basebackup", BASE_BACKUP_TIMEOUT_MS, [
      "-D",
      dataDir,
      "-d",
      conninfo(input.peer(node, source), node),
      "--write-recovery-conf",
      "--wal-method=stream",
      "--checkpoint=fast",
      "--no-sync",
    ]),
  ];
}

/** Brings a node that diverged from `source` (a fenced old primary) back as its standby:
 * pg_rewind undoes its divergent WAL (it needs wal_log_hints) and writes standby.signal. The
 * node's server must be down. */
export function rewindSteps(input: PostgresLaunchInput, node: NodeId, source: NodeId): SetupStep[] {
  const { dataDir } = input.place(node);
  return [
    run(input, "pg_rewind", "pg_rewind", REWIND_TIMEOUT_MS, [
      "--target-pgdata",
      dataDir,
      `--source-server=${conninfo(input.peer(node, source), node)}`,
      "--write-recovery-conf",
      "--no-sync",
    ]),
  ];
}

/** How a diverged node comes back: rewound, or copied afresh when the rewind fails. */
export const REJOIN_JOBS = ["rewind", "base-backup"] as const;
export type RejoinJob = (typeof REJOIN_JOBS)[number];

/** The steps of a job a runtime was asked for by name (`rewind` or `base-backup`, from
 * `args.source`); an unknown job or a missing source is a programmer's error, named. */
export function namedJobSteps(
  input: PostgresLaunchInput,
  node: NodeId,
  job: string,
  args: Readonly<Record<string, string>>,
): SetupStep[] {
  if (!(REJOIN_JOBS as readonly string[]).includes(job))
    throw new Error(`postgres has no job "${job}" (it has: ${REJOIN_JOBS.join(", ")})`);
  const source = args.source;
  if (source === undefined) throw new Error(`postgres job ${job} on ${node} needs a source node`);
  return rejoinJobSteps(input, job as RejoinJob, node, source);
}

/** The steps of a rejoin job on `node` from `source`. */
export function rejoinJobSteps(
  input: PostgresLaunchInput,
  job: RejoinJob,
  node: NodeId,
  source: NodeId,
): SetupStep[] {
  return job === "rewind" ? rewindSteps(input, node, source) : baseBackupSteps(input, node, source);
}

/** The fallback when a rewind fails: the node's data replaced by a fresh copy of `source`. */
export function baseBackupSteps(
  input: PostgresLaunchInput,
  node: NodeId,
  source: NodeId,
): SetupStep[] {
  const { dataDir } = input.place(node);
  return [
    { kind: "empty-dir", name: "remove the old data", path: dataDir },
    ...standbySteps(input, node, source),
  ];
}

function serverCommand(input: PostgresLaunchInput, node: NodeId): ProcessCommand {
  const { dataDir } = input.place(node);
  const settings = nodeSettings(input, node);
  const args = [
    "-D",
    dataDir,
    ...Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`]),
  ];
  // A server whose owner dies shuts down at once (SIGQUIT), removing its shared memory and
  // postmaster.pid; a SIGKILL would leave its System V segment behind (postgres-leftovers.ts).
  return command(input, "postgres", args, "SIGQUIT");
}

/** What differs between nodes, on the server's command line. */
export function nodeSettings(input: PostgresLaunchInput, node: NodeId): Record<string, string> {
  const place = input.place(node);
  return {
    listen_addresses: place.listen.host,
    port: String(place.listen.port),
    unix_socket_directories: socketDirectory(place),
    cluster_name: node,
  };
}

/** A socket's path must fit sockaddr_un (107 bytes), which a deep run folder may not: then the
 * server listens on TCP only (every faultline connection uses TCP; '' also keeps the server
 * off /var/run/postgresql, which may not exist). */
const SOCKET_PATH_MAX = 107;

function socketDirectory(place: NodePlace): string {
  if (place.socketDir === undefined) return "";
  const socket = `${place.socketDir}/.s.PGSQL.${place.listen.port}`;
  return Buffer.byteLength(socket) <= SOCKET_PATH_MAX ? place.socketDir : "";
}

/** What every node shares, in postgresql.conf: pg_rewind's single-user crash recovery reads the
 * file but no command line, and would record wal_log_hints = off in pg_control otherwise; base
 * backups and rewinds copy the file. The replication settings are the same everywhere, so a
 * promoted standby behaves as the primary did (synchronous_standby_names waits in recovery). */
export function clusterSettings(input: PostgresLaunchInput): Record<string, string> {
  const { replication } = input.options;
  return {
    wal_level: "replica",
    // pg_rewind needs every page change after a checkpoint in the WAL.
    wal_log_hints: "on",
    hot_standby: "on",
    max_wal_senders: "10",
    // No replication slots (a promoted standby would not have them): keep enough WAL for a
    // standby cut off by a partition, and for a rewound old primary, to catch up.
    wal_keep_size: "256MB",
    // A cut replication link is noticed and retried in seconds, not the default minute.
    wal_sender_timeout: "5s",
    wal_receiver_timeout: "5s",
    wal_retrieve_retry_interval: "500ms",
    synchronous_standby_names:
      replication === "async" ? "" : `ANY 1 (${input.nodes.map((id) => `"${id}"`).join(", ")})`,
    synchronous_commit: replication === "remote-apply" ? "remote_apply" : "on",
    shared_buffers: "32MB",
    // Dynamic shared memory in the data folder (pg_dynshmem), not /dev/shm: a killed server's
    // segments go with its folder instead of staying in memory until the machine restarts.
    dynamic_shared_memory_type: "mmap",
    timezone: "UTC",
    log_timezone: "UTC",
    log_line_prefix: "%m [%p] %q%a ",
    log_checkpoints: "off",
  };
}

function postgresqlConf(input: PostgresLaunchInput): string {
  const lines = Object.entries(clusterSettings(input)).map(
    ([k, v]) => `${k} = '${v.replaceAll("'", "''")}'`,
  );
  return [
    "# Written by faultline; every node has this file (base backups and rewinds copy it).",
    "# A node's own port, address, socket folder and name are on its command line.",
    ...lines,
    "",
  ].join("\n");
}

/** libpq's connection string for `address`, as `applicationName` (which names a standby in
 * synchronous_standby_names). No TLS or GSS negotiation: every link is local or in-cluster. */
export function conninfo(address: Address, applicationName: string): string {
  return [
    `host=${address.host}`,
    `port=${address.port}`,
    `user=${POSTGRES_USER}`,
    `dbname=${POSTGRES_DATABASE}`,
    `application_name=${applicationName}`,
    "connect_timeout=2",
    "sslmode=disable",
    "gssencmode=disable",
  ].join(" ");
}

function hba(input: PostgresLaunchInput): string {
  const net = input.trustedNetwork;
  return [
    "# Written by faultline: every test connection is trusted (no secret to keep on a test cluster).",
    "local all all trust",
    `host all all ${net} trust`,
    `host replication all ${net} trust`,
    "",
  ].join("\n");
}

function run(
  input: PostgresLaunchInput,
  name: string,
  program: PostgresProgram,
  timeoutMs: number,
  args: string[],
): SetupStep {
  return { kind: "run", name, command: command(input, program, args), timeoutMs };
}

function command(
  input: PostgresLaunchInput,
  program: PostgresProgram,
  args: string[],
  parentDeathSignal: ParentDeathSignal = "SIGKILL",
): ProcessCommand {
  const file = programPath(input.binaries, program);
  const env = { PATH: `${input.binaries.binDir}:/usr/bin:/bin`, LC_ALL: "C", TZ: "UTC" };
  const setpriv = input.setpriv;
  if (setpriv === undefined) return { file, args, env, inheritEnv: false, parentDeathSignal };
  const user =
    setpriv.owner === undefined
      ? []
      : [`--reuid=${setpriv.owner.uid}`, `--regid=${setpriv.owner.gid}`, "--clear-groups"];
  // setpriv sets the parent-death signal after changing user (a change of user clears it).
  return {
    file: setpriv.path,
    args: [...user, "--pdeathsig", parentDeathSignal, "--", file, ...args],
    env,
    inheritEnv: false,
  };
}
