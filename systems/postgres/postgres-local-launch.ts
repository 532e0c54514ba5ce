// The local runtime's launch of a PostgreSQL node: the library's launch plan for that node, in
// the terms of the System contract. The runtime gives a node its port, data folder and the link
// proxies to its peers; the plan turns them into the node's setup (initdb, or a base backup of
// the primary once it runs), its server (in the foreground; it forks a process per session; asked
// to stop with SIGINT: a fast shutdown), the rejoin jobs a failover needs, and the owner it runs
// as when the harness is root. Unix sockets live in the run folder and go when the cluster stops.
import { join } from "node:path";
import type { NodeId } from "../../workloads/kv-client.js";
import type { LocalLaunch, LocalNodeSpec } from "../system.js";
import { findPostgresBinaries, findSetpriv, localOwner } from "./postgres-binaries.js";
import { namedJobSteps, type PostgresLaunchInput, postgresNodeLaunch } from "./postgres-launch.js";
import type { PostgresOptions } from "./postgres-options.js";
import { releaseLeftovers } from "./postgres-leftovers.js";

const HOST = "127.0.0.1";

/** The local launch of a cluster of `nodes` (nodes[0] the first primary). Finds the server's
 * programs and the user to run them as now: a machine without them fails here, by name. */
export function postgresLocalLaunch(
  options: PostgresOptions,
  nodes: readonly NodeId[],
): LocalLaunch {
  const binaries = findPostgresBinaries();
  const owner = localOwner();
  // The runtime drops to the owner through setpriv: missing, it is named before anything runs.
  if (owner !== undefined) findSetpriv();
  // One node's view of the plan: its own place, and its peers through the runtime's proxies.
  const input = (node: LocalNodeSpec): PostgresLaunchInput => ({
    options,
    binaries,
    nodes,
    place: (id) => {
      if (id !== node.id) throw new Error(`the launch of ${node.id} asked where ${id} lives`);
      return {
        dataDir: node.dataDir,
        socketDir: socketDir(node),
        listen: { host: HOST, port: node.port },
      };
    },
    peer: (from, to) => {
      const address = from === node.id ? node.peers[to] : undefined;
      if (address === undefined) throw new Error(`no link from ${from} to ${to} for ${node.id}`);
      return address;
    },
    trustedNetwork: `${HOST}/32`,
  });
  return {
    command: (node) => postgresNodeLaunch(input(node), node.id).server,
    setup(node) {
      const launch = postgresNodeLaunch(input(node), node.id);
      return {
        after: launch.after,
        directories: launch.directories,
        steps: launch.setup,
        removeOnStop: [socketDir(node), join(node.runDir, "sockets")],
      };
    },
    job: (node, job, args) => namedJobSteps(input(node), node.id, job, args),
    forks: true,
    ...(owner !== undefined && { owner }),
    stopSignal: "SIGINT",
    release: (node) => releaseLeftovers(node.dataDir),
  };
}

function socketDir(node: LocalNodeSpec): string {
  return join(node.runDir, "sockets", node.id);
}
