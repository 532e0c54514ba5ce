// The docker runtime's launch of a PostgreSQL node: one container per node, from an image that
// holds both this machine's server programs (the library's offline image) and the runtime's
// iptables and ip. A node's launch plan runs as its container's sh script (setup once, then the
// server as the container's main process); a standby's container starts once the primary's runs
// and reaches it by container name on the run's network; the rejoin jobs run as scripts in a
// start of the down node's container, on its own data.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { NodeId } from "../../workloads/kv-client.js";
import type { DockerLaunch, DockerNodeSpec, ImageBuilder } from "../system.js";
import { findPostgresBinaries } from "./postgres-binaries.js";
import {
  CONTAINER_PORT,
  containerCommand,
  containerPlace,
  jobScript,
} from "./postgres-container.js";
import { ensurePostgresImage } from "./postgres-image.js";
import { namedJobSteps, type PostgresLaunchInput, postgresNodeLaunch } from "./postgres-launch.js";
import type { PostgresOptions } from "./postgres-options.js";

const DOCKERFILE = fileURLToPath(new URL("./node.Dockerfile", import.meta.url));
/** A rejoin job: a rewind, or a fresh base backup; minutes at most. */
const JOB_TIMEOUT_MS = 300_000;

export function postgresDockerLaunch(
  options: PostgresOptions,
  nodes: readonly NodeId[],
): DockerLaunch {
  // The image holds this machine's programs at the same paths.
  const binaries = findPostgresBinaries();
  const input = (node: DockerNodeSpec): PostgresLaunchInput => ({
    options,
    binaries,
    nodes,
    place: containerPlace,
    peer: (from, to) => {
      const address = from === node.id ? node.peers[to] : undefined;
      if (address === undefined) throw new Error(`no address of ${to} for ${node.id}`);
      return address;
    },
    // Clients reach the containers through their mapped ports, from the network's gateway.
    trustedNetwork: "all",
  });
  const primary = nodes[0]!;
  return {
    image: postgresNodeImage,
    port: CONTAINER_PORT,
    command: (node) => containerCommand(postgresNodeLaunch(input(node), node.id)),
    after: (node) => (node === primary ? [] : [primary]),
    job(node, job, args) {
      const steps = namedJobSteps(input(node), node.id, job, args);
      return {
        script: jobScript(containerPlace(node.id).dataDir, steps),
        timeoutMs: JOB_TIMEOUT_MS,
      };
    },
  };
}

/** The node image: the PostgreSQL image (built first when missing) on the runtime's base. */
async function postgresNodeImage(builder: ImageBuilder): Promise<string> {
  const { getContainerRuntimeClient } = await import("testcontainers");
  const docker = (await getContainerRuntimeClient()).container.dockerode;
  const [postgresImage, base, template] = await Promise.all([
    ensurePostgresImage(docker),
    builder.base(),
    readFile(DOCKERFILE, "utf8"),
  ]);
  const dockerfile = template.replace(/^ARG POSTGRES=.*$/m, `ARG POSTGRES=${postgresImage}`);
  return builder.build({
    name: "faultline-postgres-node",
    base,
    files: { Dockerfile: dockerfile },
  });
}
