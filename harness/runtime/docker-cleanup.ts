// Removal of a run's containers and network on every exit path. Without testcontainers' reaper
// (it cannot be pulled offline) this is the harness's job: `stop()` removes them normally; an exit
// hook (process-exit.ts) removes what is left synchronously (docker CLI) however the process ends;
// `removeLeftovers` (faultline clean) removes what crashed runs left, by label.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { addExitHook } from "../process-exit.js";
import type { RunPaths } from "../store/run-store.js";
import { connectDocker, RUN_LABEL } from "./docker-engine.js";

/** What the exit hook removes for one run that has not stopped yet. */
export interface TrackedRun {
  /** The run's name: the value of its RUN_LABEL. */
  name: string;
  network: string;
  /** Node id → container name; their logs are saved as the nodes' logs when still missing. */
  containers: ReadonlyMap<string, string>;
  paths: RunPaths;
}

/** Removes the run's containers and network if the process ends before `untrack()` is called. */
export function trackRun(run: TrackedRun): () => void {
  return addExitHook(() => removeRunSync(run));
}

function removeRunSync(run: TrackedRun): void {
  for (const [id, container] of run.containers) {
    const logFile = run.paths.nodeLog(id);
    if (existsSync(logFile)) continue;
    const logs = spawnSync("docker", ["logs", container], { encoding: "utf8", timeout: 10_000 });
    if (logs.status !== 0) continue;
    try {
      mkdirSync(dirname(logFile), { recursive: true });
      writeFileSync(logFile, logs.stdout + logs.stderr);
    } catch {
      // The run directory may be gone; the containers must still go.
    }
  }
  const filter = `label=${RUN_LABEL}=${run.name}`;
  const ids = spawnSync("docker", ["ps", "-aq", "--filter", filter], { encoding: "utf8" });
  const containerIds = (ids.stdout ?? "").split("\n").filter(Boolean);
  if (containerIds.length > 0) {
    spawnSync("docker", ["rm", "-f", "-v", ...containerIds], { stdio: "ignore" });
  }
  const net = spawnSync("docker", ["network", "rm", run.network], { stdio: "ignore" });
  if (ids.error || (ids.status !== 0 && containerIds.length === 0) || net.error) {
    console.error(
      `faultline: could not remove the containers of run ${run.name}: run \`faultline clean\``,
    );
  }
}

export interface Leftovers {
  containers: string[];
  networks: string[];
  images: string[];
}

export interface LeftoverOptions {
  /** Only this run's containers and network (default: every run's). */
  run?: string;
  /** Also the node and base images. */
  images?: boolean;
}

/** Removes every container and network labelled by faultline (and its images, if asked). */
export async function removeLeftovers(options: LeftoverOptions = {}): Promise<Leftovers> {
  const docker = (await connectDocker()).container.dockerode;
  const removed: Leftovers = { containers: [], networks: [], images: [] };
  const label = [options.run === undefined ? RUN_LABEL : `${RUN_LABEL}=${options.run}`];
  const containers = await docker.listContainers({ all: true, filters: { label } });
  await Promise.all(
    containers.map(async (c) => {
      await docker.getContainer(c.Id).remove({ force: true, v: true });
      removed.containers.push((c.Names[0] ?? c.Id).replace(/^\//, ""));
    }),
  );
  const networks = await docker.listNetworks({ filters: { label } });
  for (const n of networks) {
    await docker.getNetwork(n.Id).remove();
    removed.networks.push(n.Name);
  }
  if (options.images) {
    const images = await docker.listImages({
      filters: { reference: ["localhost/faultline-node", "localhost/faultline-base"] },
    });
    // Node images first: they are built FROM a base.
    images.sort((a, b) => Number(isBase(a.RepoTags)) - Number(isBase(b.RepoTags)));
    for (const image of images) {
      for (const tag of image.RepoTags ?? []) {
        await docker.getImage(tag).remove();
        removed.images.push(tag);
      }
    }
  }
  removed.containers.sort();
  removed.networks.sort();
  return removed;
}

function isBase(tags: string[] | undefined): boolean {
  return (tags ?? []).some((t) => t.startsWith("localhost/faultline-base"));
}
