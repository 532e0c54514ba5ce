// The connection to the Docker engine, through testcontainers' client: one place that sets the
// testcontainers environment faultline needs (no Ryuk reaper, host 127.0.0.1: neither helper image
// can be pulled offline) and turns "no engine" into one message that names the fix.
import type { ContainerRuntimeClient } from "testcontainers";
import { UsageError } from "../cli-error.js";

/** Every container and network faultline creates carries this label (value: the run's name). */
export const RUN_LABEL = "faultline.run";
/** A container's node id. */
export const NODE_LABEL = "faultline.node";

export const DOCKER_FIX =
  "run scripts/docker-setup.sh (installs and starts Docker, builds the images)";

/** Docker is missing or not running: like a bad flag, the user's to fix (exit 254, no stack). */
export class DockerUnavailableError extends UsageError {}

/** Sets testcontainers' variables unless the user did: the harness removes what it creates. */
function configureTestcontainers(): void {
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";
  process.env.TESTCONTAINERS_HOST_OVERRIDE ??= "127.0.0.1";
}

let client: Promise<ContainerRuntimeClient> | undefined;

/** The engine's client; throws DockerUnavailableError (with the fix) when there is none. */
export async function connectDocker(): Promise<ContainerRuntimeClient> {
  configureTestcontainers();
  client ??= (async () => {
    const { getContainerRuntimeClient } = await import("testcontainers");
    try {
      const c = await getContainerRuntimeClient();
      await c.container.dockerode.ping();
      return c;
    } catch (err) {
      throw new DockerUnavailableError(
        `Docker is not available: no Docker engine answers (${describe(err)}); ${DOCKER_FIX}`,
      );
    }
  })();
  try {
    return await client;
  } catch (err) {
    client = undefined; // the engine may come up later: try again next time
    throw err;
  }
}

/** Why Docker cannot be used here, or undefined when it can (for tests and benchmarks). */
export async function dockerUnavailableReason(): Promise<string | undefined> {
  try {
    await connectDocker();
    return undefined;
  } catch (err) {
    return describe(err);
  }
}

function describe(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split("\n")[0]!.trim();
}
