// PostgreSQL as a system under test, on this machine's server. First the library on its own
// (SpawnedPostgres, the reference executor of the launch plan): how long a cluster takes to start
// (1 node; a primary + 2 standbys: initdb, base backups, ready, KV table); how long a failover
// takes from the fault (SIGKILL of the primary) to the first acknowledged write on the new
// primary, with its steps; and ops/s of a bare postgres.js loop (8 connections, upserts, then
// reads) against the same loop through faultline's PostgresKvClient, per replication mode. Then
// through the harness (the local runtime executing the launch, the system's session): cluster
// start; failover time through the session's promote (fence to first acknowledged write) and
// the rejoin that follows; and the harness's client loop (the register workload, seeded plans,
// every op recorded to a history) against a bare postgres.js loop doing the same statement mix on
// the same cluster — the goal is at least 0.8× the bare loop.
import { mkdtempSync, chmodSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { runClients } from "../harness/run/client-loop.js";
import { openHistoryWriter } from "../harness/run/history-writer.js";
import { localRuntime } from "../harness/runtime/local-runtime.js";
import { clusterSpec } from "../harness/runtime/test-fixtures/cluster-spec.js";
import { type FailoverStep, failover } from "../systems/postgres/postgres-failover.js";
import { POSTGRES_DATABASE, POSTGRES_USER } from "../systems/postgres/postgres-launch.js";
import { KV_TABLE } from "../systems/postgres/postgres-client.js";
import { REPLICATION_MODES } from "../systems/postgres/postgres-options.js";
import { postgres as postgresSystem } from "../systems/postgres/postgres-system.js";
import { SpawnedPostgres } from "../systems/postgres/spawned-postgres.js";
import type { SystemSession } from "../systems/system.js";
import { register } from "../workloads/register-workload.js";

const START_ROUNDS = 3;
const FAILOVER_ROUNDS = 3;
const LOOP_MS = 3_000;
const CONNECTIONS = 8;

export default async function (): Promise<void> {
  console.log(
    `load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")} on this machine`,
  );
  await clusterStart();
  await failoverTime();
  await loops();
  console.log("\n### through the harness (local runtime, the postgres system's session)");
  await harnessStart();
  await harnessFailover();
  await harnessLoops();
}

async function clusterStart(): Promise<void> {
  console.log("\ncluster start (initdb → every node ready, KV table made), ms");
  console.log("| nodes | median | min | max |\n| --- | --- | --- | --- |");
  for (const standbys of [0, 2]) {
    const times: number[] = [];
    for (let i = 0; i < START_ROUNDS; i++) {
      const started = performance.now();
      const cluster = await SpawnedPostgres.start({ system: { standbys } });
      times.push(performance.now() - started);
      await cluster.close();
    }
    console.log(`| 1 + ${standbys} | ${row(times)} |`);
  }
}

async function failoverTime(): Promise<void> {
  console.log("\nfailover (async, 1 + 2 nodes, a writer running): SIGKILL of the primary → first");
  console.log("acknowledged write on the new primary, ms");
  console.log(
    "| round | total | survey + pick | promote (+ checkpoint) | re-point | first write |",
  );
  console.log("| --- | --- | --- | --- | --- | --- |");
  const totals: number[] = [];
  for (let round = 1; round <= FAILOVER_ROUNDS; round++) {
    const cluster = await SpawnedPostgres.start({ system: { standbys: 2 } });
    try {
      const writer = cluster.client("n1", { timeoutMs: 1_000 });
      // Warm: the writer's session is open, standbys streaming.
      for (let i = 0; i < 50; i++) await writer.write(`w${i}`, i, undefined);
      const marks: Record<string, number> = {};
      const t0 = performance.now();
      await cluster.kill("n1");
      const mark = (step: FailoverStep) => {
        marks[step.step] = performance.now() - t0;
      };
      cluster.primary = await failover(
        {
          oldPrimary: "n1",
          standbys: ["n2", "n3"],
          pick: "most-advanced",
          random: () => 0,
          admin: (n) => cluster.address(n),
          peer: (from, to) => cluster.launch.peer(from, to),
        },
        mark,
      );
      let acked = false;
      while (!acked) acked = (await writer.write("after", round, undefined)).ok;
      const total = performance.now() - t0;
      totals.push(total);
      const pick = marks.pick ?? 0;
      const promote = marks.promote ?? pick;
      const repoint = marks.repoint ?? promote;
      console.log(
        `| ${round} | ${total.toFixed(0)} | ${pick.toFixed(0)} | ${(promote - pick).toFixed(0)} | ${(repoint - promote).toFixed(0)} | ${(total - repoint).toFixed(0)} |`,
      );
    } finally {
      await cluster.close();
    }
  }
  console.log(`median ${median(totals).toFixed(0)} ms`);
}

async function loops(): Promise<void> {
  console.log(
    `\nops/s, ${CONNECTIONS} connections to the primary for ${LOOP_MS / 1000} s each, two rounds`,
  );
  console.log(
    "| replication | op | bare postgres.js ops/s | PostgresKvClient ops/s | ratio | bare CPU µs/op | client CPU µs/op |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- |");
  for (const replication of REPLICATION_MODES) {
    const cluster = await SpawnedPostgres.start({ system: { standbys: 2, replication } });
    try {
      for (const op of ["write", "read"] as const) {
        // Alternated twice, so neither loop alone gets the warm server.
        const bare = [await bareLoop(cluster, op)];
        const client = [await clientLoop(cluster, op)];
        bare.push(await bareLoop(cluster, op));
        client.push(await clientLoop(cluster, op));
        const b = mean(bare.map((r) => r.opsPerS));
        const c = mean(client.map((r) => r.opsPerS));
        const bCpu = mean(bare.map((r) => r.cpuUsPerOp));
        const cCpu = mean(client.map((r) => r.cpuUsPerOp));
        console.log(
          `| ${replication} | ${op} | ${b.toFixed(0)} | ${c.toFixed(0)} | ${(c / b).toFixed(2)} | ${bCpu.toFixed(0)} | ${cCpu.toFixed(0)} |`,
        );
      }
    } finally {
      await cluster.close();
    }
  }
}

/** CONNECTIONS postgres.js instances of one connection each. */
function bareConnections(host: string, port: number) {
  return Array.from({ length: CONNECTIONS }, () =>
    postgres({
      host,
      port,
      user: POSTGRES_USER,
      database: POSTGRES_DATABASE,
      max: 1,
      fetch_types: false,
      onnotice: () => {},
    }),
  );
}

/** One postgres.js instance per connection, each upserting (or reading) its own keys. */
async function bareLoop(cluster: SpawnedPostgres, op: "write" | "read"): Promise<Rate> {
  const { host, port } = cluster.address(cluster.primary);
  const sqls = bareConnections(host, port);
  try {
    return await timed(LOOP_MS, async (t, i) => {
      const sql = sqls[t]!;
      const key = `bare-${t}-${i % 64}`;
      if (op === "write") {
        await sql`insert into ${sql(KV_TABLE)} (k, v) values (${key}, ${sql.json(i)})
                  on conflict (k) do update set v = excluded.v`;
      } else {
        await sql`select v from ${sql(KV_TABLE)} where k = ${key}`;
      }
    });
  } finally {
    await Promise.all(sqls.map((s) => s.end({ timeout: 0 })));
  }
}

async function clientLoop(cluster: SpawnedPostgres, op: "write" | "read"): Promise<Rate> {
  const clients = Array.from({ length: CONNECTIONS }, () => cluster.client(cluster.primary));
  try {
    return await timed(LOOP_MS, async (t, i) => {
      const key = `client-${t}-${i % 64}`;
      const result =
        op === "write" ? await clients[t]!.write(key, i, undefined) : await clients[t]!.read(key);
      if (!result.ok) throw new Error(`${op} ${key}: ${result.error}`);
    });
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
}

interface Rate {
  opsPerS: number;
  /** This process's CPU time per op: what the client side costs, whatever the load. */
  cpuUsPerOp: number;
}

/** Runs `op` in CONNECTIONS loops for `ms`. */
async function timed(ms: number, op: (thread: number, i: number) => Promise<void>): Promise<Rate> {
  let ops = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const end = started + ms;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, t) => {
      for (let i = 0; performance.now() < end; i++) {
        await op(t, i);
        ops++;
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  return {
    opsPerS: (ops * 1000) / (performance.now() - started),
    cpuUsPerOp: (used.user + used.system) / ops,
  };
}

function row(times: number[]): string {
  return [median(times), Math.min(...times), Math.max(...times)]
    .map((t) => t.toFixed(0))
    .join(" | ");
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** A cluster on the harness's local runtime, in a run folder the server's user can reach. */
async function harnessCluster(system: Record<string, unknown>) {
  const dir = mkdtempSync(join(tmpdir(), "postgres-bench-"));
  chmodSync(dir, 0o755);
  const spec = clusterSpec("postgres-bench", dir, { name: "postgres", ...system });
  const cluster = await localRuntime.start(spec);
  const session = postgresSystem.connect(spec.options as never, cluster, { opTimeoutMs: 1_000 });
  await session.settled?.(new AbortController().signal);
  return {
    cluster,
    session,
    async close() {
      await session.close();
      await cluster.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function harnessStart(): Promise<void> {
  console.log(
    "\ncluster start on the local runtime (setup → every node ready → KV table replayed)",
  );
  console.log("against SpawnedPostgres, alternated round by round (the machine's load varies), ms");
  console.log("| nodes | local runtime median | min | max | SpawnedPostgres median | min | max |");
  console.log("| --- | --- | --- | --- | --- | --- | --- |");
  for (const standbys of [0, 2]) {
    const harness: number[] = [];
    const spawned: number[] = [];
    for (let i = 0; i < START_ROUNDS; i++) {
      let started = performance.now();
      const run = await harnessCluster({ standbys });
      harness.push(performance.now() - started);
      await run.close();
      started = performance.now();
      const cluster = await SpawnedPostgres.start({ system: { standbys } });
      spawned.push(performance.now() - started);
      await cluster.close();
    }
    console.log(`| 1 + ${standbys} | ${row(harness)} | ${row(spawned)} |`);
  }
}

async function harnessFailover(): Promise<void> {
  console.log("\nfailover through the session (async, 1 + 2 nodes, a writer running): the fault");
  console.log(
    "(SIGKILL of the primary's processes) → first acknowledged write on the new primary,",
  );
  console.log("and the rejoin after it (restart, stop, pg_rewind, start, streaming), ms");
  console.log("| round | fault → first write | of it: promote step | rejoin |");
  console.log("| --- | --- | --- | --- |");
  const totals: number[] = [];
  const never = new AbortController().signal;
  for (let round = 1; round <= FAILOVER_ROUNDS; round++) {
    const run = await harnessCluster({ standbys: 2 });
    try {
      const { cluster, session } = run;
      const writer = session.client("n1");
      for (let i = 0; i < 50; i++) await writer.write(`w${i}`, i, undefined);
      const t0 = performance.now();
      let promoted = 0;
      await cluster.kill("n1");
      await session.failover!.promote(
        "n1",
        { pick: "most-advanced", random: 0 },
        (step) => {
          if (step.step === "promote") promoted = Number(step.ms);
        },
        never,
      );
      while (!(await writer.write("after", round, undefined)).ok) {}
      const total = performance.now() - t0;
      totals.push(total);
      const r0 = performance.now();
      await cluster.restart("n1");
      await session.failover!.rejoin("n1", () => {}, never);
      const rejoinMs = performance.now() - r0;
      console.log(`| ${round} | ${total.toFixed(0)} | ${promoted} | ${rejoinMs.toFixed(0)} |`);
    } finally {
      await run.close();
    }
  }
  console.log(`median ${median(totals).toFixed(0)} ms`);
}

const HARNESS_KEYS = 64;
/** Many short rounds, alternated: the median of their ratios moves less with this machine's
 * load than a few long ones did (0.64–0.98 from one run to the next with 5 rounds of 3 s). */
const HARNESS_ROUNDS = 9;
const HARNESS_ROUND_MS = 1_500;

/** The register's op mix (read 2 : write 2 : cas 1) on HARNESS_KEYS keys, 8 clients, rate 0:
 * through the harness (seeded plans, the session's pooled clients, a history) and bare. */
async function harnessLoops(): Promise<void> {
  console.log(
    `\nregister ops/s, ${CONNECTIONS} clients at --rate 0 for ${HARNESS_ROUND_MS / 1000} s, ` +
      `${HARNESS_KEYS} keys, primary + 2 standbys, alternated ${HARNESS_ROUNDS}×; ` +
      `load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")}`,
  );
  console.log(
    "| replication | bare postgres.js ops/s | harness client loop ops/s | ratio (median of rounds) | bare CPU µs/op | harness CPU µs/op |",
  );
  console.log("| --- | --- | --- | --- | --- | --- |");
  for (const replication of REPLICATION_MODES) {
    const run = await harnessCluster({ standbys: 2, replication });
    const dir = mkdtempSync(join(tmpdir(), "postgres-bench-history-"));
    // The bare loop keeps its connections from round to round, as the session keeps its pool.
    const { host, port } = run.cluster.address("n1");
    const sqls = bareConnections(host, port);
    try {
      // Warm both paths (connections, JIT) before measuring.
      await bareMix(sqls, 0);
      await harnessMix(run.session, run.cluster.nodes, dir, 0);
      const bare: Rate[] = [];
      const harness: Rate[] = [];
      for (let round = 1; round <= HARNESS_ROUNDS; round++) {
        bare.push(await bareMix(sqls, round));
        harness.push(await harnessMix(run.session, run.cluster.nodes, dir, round));
      }
      // Medians, and the median of each round's ratio: a busy machine's load swings a lot.
      const b = median(bare.map((r) => r.opsPerS));
      const h = median(harness.map((r) => r.opsPerS));
      const ratio = median(harness.map((r, i) => r.opsPerS / bare[i]!.opsPerS));
      console.log(
        `| ${replication} | ${b.toFixed(0)} | ${h.toFixed(0)} | ${ratio.toFixed(2)} | ` +
          `${median(bare.map((r) => r.cpuUsPerOp)).toFixed(0)} | ${median(harness.map((r) => r.cpuUsPerOp)).toFixed(0)} |`,
      );
    } finally {
      await Promise.all(sqls.map((sql) => sql.end({ timeout: 0 })));
      rmSync(dir, { recursive: true, force: true });
      await run.close();
    }
  }
}

/** The harness's client loop on the register workload, its history on disk. */
async function harnessMix(
  session: SystemSession,
  nodes: readonly string[],
  dir: string,
  round: number,
): Promise<Rate> {
  const workload = register.create(register.schema.parse({ name: "register", keys: HARNESS_KEYS }));
  const history = openHistoryWriter(join(dir, `history-${round}.jsonl`));
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), HARNESS_ROUND_MS);
  const cpu = process.cpuUsage();
  const started = performance.now();
  await runClients({
    workload,
    kv: (node) => session.client(node),
    nodes,
    concurrency: CONNECTIONS,
    rate: 0,
    seed: round,
    history,
    stop: stop.signal,
    interrupt: new AbortController().signal,
  });
  const elapsedMs = performance.now() - started;
  clearTimeout(timer);
  history.close();
  const used = process.cpuUsage(cpu);
  const { ok, fail, info } = history.counts;
  const ops = ok + fail + info;
  return { opsPerS: (ops * 1000) / elapsedMs, cpuUsPerOp: (used.user + used.system) / ops };
}

/** The same statements bare: each connection draws read / upsert / compare-and-set 2 : 2 : 1. */
async function bareMix(sqls: postgres.Sql[], round: number): Promise<Rate> {
  const table = KV_TABLE;
  return await timed(HARNESS_ROUND_MS, async (t, i) => {
    const sql = sqls[t]!;
    const n = (i * 7919 + t * 104_729 + round) >>> 0;
    const key = `k${(n % HARNESS_KEYS) + 1}`;
    const op = n % 5;
    if (op < 2) {
      await sql`select v from ${sql(table)} where k = ${key}`;
    } else if (op < 4) {
      await sql`insert into ${sql(table)} (k, v) values (${key}, ${sql.json(n)})
                  on conflict (k) do update set v = excluded.v`;
    } else {
      await sql`with seen as (select v from ${sql(table)} where k = ${key}),
                       done as (update ${sql(table)} set v = ${sql.json(n)}
                                where k = ${key} and v = ${sql.json(n - 1)} returning 1)
                  select (select v from seen) as seen, (select count(*) from done)::int as changed`;
    }
  });
}
