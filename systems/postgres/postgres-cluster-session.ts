// A started PostgreSQL cluster as the harness and its clients use it: which node is the primary
// now (n1 until a failover promotes another), a KvClient per node that writes there and reads
// there or (reads: any) on its own node, all over one pool of connections, node dumps, leader discovery, the KV table made
// and replicated before the clients start, and the failover: the library's survey, pick, promote
// and re-point (clients follow the new primary as soon as it is promoted), then on heal the old
// primary rewound (or copied afresh) back in as a standby through the runtime's jobs.
import type { KvClient, NodeId } from "../../workloads/kv-client.js";
import type {
  FailoverChoice,
  FailoverStep,
  SessionOptions,
  SystemCluster,
  SystemFailover,
  SystemSession,
} from "../system.js";
import {
  ADMIN_TIMEOUT_MS,
  compareLsn,
  dumpNode,
  ensureKvTable,
  repoint,
  serverPosition,
} from "./postgres-admin.js";
import { createPostgresClient, type PostgresKvClient } from "./postgres-client.js";
import { failover, rejoin } from "./postgres-failover.js";
import { conninfo } from "./postgres-launch.js";
import { SessionPool } from "./postgres-session.js";
import type { PostgresOptions } from "./postgres-options.js";

/** How long the standbys may take to replay the KV table before the clients start. */
const SETTLE_TIMEOUT_MS = 30_000;

export function postgresSession(
  options: PostgresOptions,
  cluster: SystemCluster,
  session: SessionOptions,
): SystemSession {
  const nodes = cluster.nodes;
  let primary = nodes[0]!;
  const clients = new Map<NodeId, PostgresKvClient>();
  // One pool for every node's client, as an application has: the writes of all of them go to
  // the primary, over as many connections as calls are in flight.
  const sessions = new SessionPool();
  const input = {
    options,
    address: (node: NodeId) => cluster.address(node),
    primary: () => primary,
    timeoutMs: session.opTimeoutMs,
    sessions,
  };
  const follow = (node: NodeId) => {
    primary = node;
  };
  return {
    client(node): KvClient {
      let client = clients.get(node);
      if (client === undefined) {
        client = createPostgresClient(input, node);
        clients.set(node, client);
      }
      return client;
    },
    dump: (node, signal) => abortable(dumpNode(node, cluster.address(node)), signal),
    // A primary that is down leads nothing until it restarts or another is promoted.
    leader: async () => (cluster.state(primary) === "down" ? undefined : primary),
    failover: postgresFailover(cluster, () => primary, follow),
    settled: (signal) => abortable(settle(cluster, primary), signal),
    async close() {
      await Promise.all([...clients.values()].map((client) => client.close()));
      await sessions.close();
    },
  };
}

/** The KV table on the primary, and on every standby (replayed) before any client reads one. */
async function settle(cluster: SystemCluster, primary: NodeId): Promise<void> {
  await ensureKvTable(cluster.address(primary));
  const { currentLsn } = await serverPosition(cluster.address(primary));
  if (currentLsn === null) throw new Error(`${primary} is not a primary (it is in recovery)`);
  const standbys = cluster.nodes.filter((node) => node !== primary);
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  for (const node of standbys) {
    for (;;) {
      const { replayLsn } = await serverPosition(cluster.address(node)).catch(() => ({
        replayLsn: null,
      }));
      if (replayLsn !== null && compareLsn(replayLsn, currentLsn) >= 0) break;
      if (Date.now() > deadline) {
        throw new Error(
          `standby ${node} did not replay the primary's ${currentLsn} within ` +
            `${SETTLE_TIMEOUT_MS} ms (it is at ${replayLsn ?? "no position"})`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** The failover capability: promote through the library, rejoin through the runtime's jobs.
 * Neither gives up when the nemesis's signal aborts: it aborts at the run's time limit too,
 * when the final reads still need a settled cluster — the old primary back as a standby, not a
 * second primary; each step ends on its own timeout, and a Ctrl-C's cluster stop ends the rest. */
function postgresFailover(
  cluster: SystemCluster,
  current: () => NodeId,
  follow: (node: NodeId) => void,
): SystemFailover {
  const peerOf = () => {
    const { peer } = cluster;
    if (peer === undefined)
      throw new Error(
        "this runtime gives no node-to-node addresses: a standby cannot be re-pointed",
      );
    return peer.bind(cluster);
  };
  // Standbys the last promotion could not re-point (cut off): re-pointed again on rejoin.
  const stranded = new Set<NodeId>();
  return {
    async promote(fenced, choice: FailoverChoice, record) {
      if (fenced !== current())
        throw new Error(`${fenced} is fenced, but the primary is ${current()}`);
      const peer = peerOf();
      const steps = (step: FailoverStep) => {
        // Clients write to the new primary from the moment it leads, not after the re-points.
        if (step.step === "promote") follow(step.node as NodeId);
        if (step.step === "repoint") {
          if (step.error === undefined) stranded.delete(step.node as NodeId);
          else stranded.add(step.node as NodeId);
        }
        record(step);
      };
      return failover(
        {
          oldPrimary: fenced,
          standbys: cluster.nodes.filter((node) => node !== fenced),
          pick: choice.pick,
          random: () => choice.random,
          admin: (node) => cluster.address(node),
          peer,
        },
        steps,
      );
    },
    async rejoin(node, record) {
      const { runJob } = cluster;
      if (runJob === undefined)
        throw new Error("this runtime cannot run jobs on a node: the old primary cannot rejoin");
      const peer = peerOf();
      const primary = current();
      for (const standby of [...stranded].filter((n) => n !== node && n !== primary)) {
        const error = await repoint(
          cluster.address(standby),
          conninfo(peer(standby, primary), standby),
          ADMIN_TIMEOUT_MS,
        ).then(
          () => undefined,
          (err: unknown) => (err instanceof Error ? err.message : String(err)),
        );
        if (error === undefined) stranded.delete(standby);
        record({ step: "repoint", node: standby, primary, ...(error !== undefined && { error }) });
      }
      const unstopped = new AbortController().signal;
      await rejoin(
        {
          node,
          primary,
          admin: (n) => cluster.address(n),
          peer,
          runtime: {
            stopServer: (n) => cluster.kill(n),
            runJob: (n, job, source) => runJob.call(cluster, n, job, { source }, unstopped),
            startServer: (n) => cluster.restart(n),
          },
        },
        record,
      );
    },
  };
}

/** `work`, or a rejection as soon as `signal` aborts (the work itself ends on its timeouts). */
function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => {});
    return Promise.reject(new Error("interrupted"));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error("interrupted"));
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}
