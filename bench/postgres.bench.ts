// PostgreSQL as a system under test, on this machine's server: how long a cluster takes to start
// (1 node; a primary + 2 standbys: initdb, base backups, ready, KV table); how long a failover
// takes from the fault (SIGKILL of the primary) to the first acknowledged write on the new
// primary, with its steps; and ops/s of a bare postgres.js loop (8 connections, upserts, then
// reads) on the cluster against the same loop through faultline's PostgresKvClient, in each
// replication mode. The harness-side comparison (the client loop recording a history) comes
// once the system is plugged into the harness.
import { loadavg } from "node:os";
import postgres from "postgres";
import { type FailoverStep, failover } from "../systems/postgres/postgres-failover.js";
import { POSTGRES_DATABASE, POSTGRES_USER } from "../systems/postgres/postgres-launch.js";
import { KV_TABLE } from "../systems/postgres/postgres-client.js";
import { REPLICATION_MODES } from "../systems/postgres/postgres-options.js";
import { SpawnedPostgres } from "../systems/postgres/spawned-postgres.js";

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

/** One postgres.js instance per connection, each upserting (or reading) its own keys. */
async function bareLoop(cluster: SpawnedPostgres, op: "write" | "read"): Promise<Rate> {
  const { host, port } = cluster.address(cluster.primary);
  const sqls = Array.from({ length: CONNECTIONS }, () =>
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
  try {
    return await timed(async (t, i) => {
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
    return await timed(async (t, i) => {
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

/** Runs `op` in CONNECTIONS loops for LOOP_MS. */
async function timed(op: (thread: number, i: number) => Promise<void>): Promise<Rate> {
  let ops = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const end = started + LOOP_MS;
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
