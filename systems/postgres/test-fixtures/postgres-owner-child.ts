// A process that starts a primary and a standby, prints their postmaster pids and the run folder
// as one JSON line, and waits to be killed: postgres-exit.e2e.test.ts kills it without warning
// and checks that the servers die with it (setpriv's parent-death signal).
import { SpawnedPostgres } from "../spawned-postgres.js";

const cluster = await SpawnedPostgres.start({ system: { standbys: 1 } });
const pids = cluster.nodes.map((n) => cluster.pid(n));
console.log(JSON.stringify({ pids, runDir: cluster.runDir }));
setInterval(() => {}, 60_000);
