// The `docker` runtime: every node in its own container (testcontainers), from the image and
// command of its system's docker launch, on a network of its own per run; peers addressed by
// container IP (or, before any runs, by container name), links cut with iptables inside the
// containers, kill / pause through the Docker client. A node whose launch needs others running
// starts after them; a launch's jobs run as a script in a start of the down node's container.
// Containers and network carry the run's label and are removed on every exit path (stop, exit
// hook, `faultline clean`).
import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { promisify } from "node:util";
import type Dockerode from "dockerode";
import type { ContainerRuntimeClient, WaitStrategy } from "testcontainers";
import type { DockerLaunch, NodeAddress, NodeId } from "../../systems/system.js";
import { type RunPaths, runPaths } from "../store/run-store.js";
import { trackRun } from "./docker-cleanup.js";
import { connectDocker, NODE_LABEL, RUN_LABEL } from "./docker-engine.js";
import { dockerImageBuilder } from "./docker-image.js";
import { addLinks, cutCommands, HEAL_COMMAND } from "./docker-link-rules.js";
import {
  type Cluster,
  type ClusterSpec,
  type Link,
  launchOf,
  type NodeState,
  type Runtime,
} from "./runtime.js";

const STARTUP_TIMEOUT_MS = 30_000;
/** `stop()`: SIGTERM, then SIGKILL after this long. */
const STOP_GRACE_S = 2;

export const dockerRuntime: Runtime = { name: "docker", start: startDockerCluster };

interface DockerNode {
  id: NodeId;
  containerName: string;
  container: Dockerode.Container;
  ip: string;
  hostPort: number;
  state: "running" | "paused" | "killed";
  /** Its iptables rules are stale (changed while it could not be reached): rebuild on resume. */
  rulesStale: boolean;
  /** A peer's address changed while it was paused: tell it on resume. */
  peersStale: boolean;
  /** The tail of the operations on this node (see DockerCluster.locked). */
  queue: Promise<void>;
}

/** A Docker container name from a run name (Docker allows [a-zA-Z0-9][a-zA-Z0-9_.-]*). */
function dockerName(runName: string): string {
  const name = runName
    .replace(/[^a-zA-Z0-9_.-]+/g, "-")
    .replace(/^[^a-zA-Z0-9]+/, "")
    .slice(0, 180);
  return name === "" ? "faultline" : name;
}

async function startDockerCluster(spec: ClusterSpec): Promise<Cluster> {
  if (spec.nodeIds.length === 0) throw new Error("a docker cluster needs at least one node");
  const launch = launchOf(spec, "docker");
  const client = await connectDocker();
  const image = await launch.image(dockerImageBuilder());
  const { GenericContainer } = await import("testcontainers");
  // Node as PID 1 would ignore SIGTERM: Docker's init runs it and passes signals on.
  class NodeContainer extends GenericContainer {
    protected override async beforeContainerCreated(): Promise<void> {
      this.hostConfig.Init = true;
    }
  }
  const docker = client.container.dockerode;
  const prefix = dockerName(spec.name);
  const network = prefix;
  const labels = { [RUN_LABEL]: spec.name };
  const containerNames = new Map(spec.nodeIds.map((id) => [id, `${prefix}-${dockerName(id)}`]));
  // Before any container runs, a node reaches the others by name on the run's network.
  const peersByName = (id: NodeId) =>
    Object.fromEntries(
      spec.nodeIds
        .filter((peer) => peer !== id)
        .map((peer) => [peer, { host: containerNames.get(peer)!, port: launch.port }]),
    );
  // A conflict means another live run (or a leftover) owns the name: leave its things alone.
  await docker
    .createNetwork({ Name: network, Labels: labels, CheckDuplicate: true })
    .catch((err) => {
      throw new Error(
        `cannot create the docker network ${network}: ${firstLine(err)}` +
          ((err as { statusCode?: number }).statusCode === 409
            ? " (a leftover of an earlier run? `faultline clean` removes it)"
            : ""),
      );
    });
  const paths = runPaths(spec.runDir);
  const untrack = trackRun({ name: spec.name, network, containers: containerNames, paths });

  const logDir = paths.nodesDir;
  const cleanupAfterFailure = async (): Promise<void> => {
    await saveLogs(docker, containerNames, paths).catch(() => {});
    await removeRun(docker, spec.name, network).catch(() => {});
    untrack();
  };
  try {
    const starts = new Map<NodeId, Promise<string>>();
    // `chain`: the nodes waiting on this one (a cycle is an error, not a wait for ever).
    const startNode = (id: NodeId, chain: readonly NodeId[] = []): Promise<string> => {
      let started = starts.get(id);
      if (started === undefined) {
        const after = launch.after?.(id) ?? [];
        started = startAfter(after, [...chain, id], startNode).then(() => startContainer(id));
        starts.set(id, started);
      }
      return started;
    };
    const startContainer = async (id: NodeId): Promise<string> => {
      const name = containerNames.get(id)!;
      const command = launch.command({ id, port: launch.port, peers: peersByName(id) });
      const container = await new NodeContainer(image)
        .withName(name)
        .withLabels({ ...labels, [NODE_LABEL]: id })
        .withNetworkMode(network)
        .withAddedCapabilities("NET_ADMIN")
        .withExposedPorts(launch.port)
        .withCommand(launch.job === undefined ? command : withJobs(command))
        .withWaitStrategy(readyStrategy(spec, launch.port))
        .withStartupTimeout(STARTUP_TIMEOUT_MS)
        .start()
        .catch(async (err) => {
          // testcontainers removes a container that failed its wait strategy; its message carries
          // the container's last log lines, which become the node's log. A container that exited
          // before its port was bound gives only a timeout: its output is read from Docker then.
          let message = err instanceof Error ? err.message : String(err);
          if (!message.trim().includes("\n")) {
            const output = await containerOutput(name);
            if (output !== "") message = `${output}\n${message}`;
          }
          await mkdir(logDir, { recursive: true });
          await writeFile(paths.nodeLog(id), `${message}\n`).catch(() => {});
          const lines = message.trim().split("\n");
          throw new Error(
            `node ${id} (container ${name}) did not start: ${lines[0]}` +
              (lines.length > 1 ? `\n${lines.slice(-10).join("\n")}` : ""),
          );
        });
      return container.getHost();
    };
    const started = await Promise.allSettled(spec.nodeIds.map((id) => startNode(id)));
    // A node that waited for a failed one says so, but the failure is the other node's.
    const failed =
      started.find((s) => s.status === "rejected" && !(s.reason instanceof DependentStartError)) ??
      started.find((s) => s.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
    // Where the mapped ports are published: 127.0.0.1 unless TESTCONTAINERS_HOST_OVERRIDE says.
    const host = (started[0] as PromiseFulfilledResult<string>).value;

    const nodes = new Map<NodeId, DockerNode>();
    for (const id of spec.nodeIds) {
      const containerName = containerNames.get(id)!;
      const container = docker.getContainer(containerName);
      const { ip, hostPort } = await addresses(container, network, launch.port);
      nodes.set(id, {
        id,
        containerName,
        container,
        ip,
        hostPort,
        state: "running",
        rulesStale: false,
        peersStale: false,
        queue: Promise.resolve(),
      });
    }
    const cluster = new DockerCluster(
      { spec, launch, client, network, host, containerNames },
      nodes,
      untrack,
    );
    await cluster.setAllPeers();
    return cluster;
  } catch (err) {
    await cleanupAfterFailure();
    throw err;
  }
}

/** What a started cluster knows of its run. */
interface DockerRun {
  spec: ClusterSpec;
  launch: DockerLaunch;
  client: ContainerRuntimeClient;
  network: string;
  /** Where the mapped ports are published. */
  host: string;
  containerNames: ReadonlyMap<NodeId, string>;
}

class DockerCluster implements Cluster {
  readonly nodes: readonly NodeId[];
  private readonly cut: Link[] = [];
  private stopping: Promise<void> | undefined;
  private readonly spec: ClusterSpec;
  private readonly launch: DockerLaunch;
  private readonly client: ContainerRuntimeClient;
  private readonly network: string;
  private readonly host: string;

  constructor(
    private readonly run: DockerRun,
    private readonly byId: Map<NodeId, DockerNode>,
    private readonly untrack: () => void,
  ) {
    ({
      spec: this.spec,
      launch: this.launch,
      client: this.client,
      network: this.network,
      host: this.host,
    } = run);
    this.nodes = [...this.spec.nodeIds];
  }

  address(node: NodeId): NodeAddress {
    return { host: this.host, port: this.node(node).hostPort };
  }

  /** `to` by its container's name on the run's network (Docker's DNS follows a restart). */
  peer(from: NodeId, to: NodeId): NodeAddress {
    this.node(from);
    this.node(to);
    return { host: this.run.containerNames.get(to)!, port: this.launch.port };
  }

  /** Runs the launch's `job` in a start of the down node's container (instead of its command):
   * resolves once the script exited 0; the container is down again either way. */
  runJob(
    node: NodeId,
    job: string,
    args: Readonly<Record<string, string>>,
    signal: AbortSignal,
  ): Promise<void> {
    const make = this.launch.job;
    if (make === undefined) {
      return Promise.reject(
        new Error(`system ${this.spec.system.name} has no jobs (asked for ${job} on ${node})`),
      );
    }
    return this.locked(this.node(node), async (n) => {
      if (this.stopping) throw new Error(`cannot run ${job} on ${node}: the cluster is stopped`);
      if (n.state !== "killed") throw new Error(`node ${node} is ${n.state}: kill it first`);
      const peers = Object.fromEntries(
        this.nodes.filter((p) => p !== node).map((p) => [p, this.peer(node, p)]),
      );
      const { script, timeoutMs } = make({ id: node, port: this.launch.port, peers }, job, args);
      await runContainerJob(n, script, timeoutMs, signal).catch((err: unknown) => {
        throw new Error(
          `node ${node}: job ${job} failed: ${err instanceof Error ? err.message : err}`,
        );
      });
    });
  }

  state(node: NodeId): NodeState {
    const { state } = this.node(node);
    return state === "killed" ? "down" : state;
  }

  kill(node: NodeId): Promise<void> {
    return this.locked(this.node(node), async (n) => {
      if (n.state === "killed") return;
      // The engine SIGKILLs a paused (frozen) container too.
      await n.container.kill({ signal: "SIGKILL" });
      await n.container.wait({ condition: "not-running" }).catch(() => {});
      n.state = "killed";
    });
  }

  async restart(node: NodeId): Promise<void> {
    let moved = false;
    await this.locked(this.node(node), async (n) => {
      // A node that crashed on its own is down too, though nobody killed it.
      if (n.state === "running" && !(await n.container.inspect()).State.Running) {
        n.state = "killed";
      }
      if (n.state !== "killed") {
        throw new Error(`node ${node} is ${n.state}: kill it before restarting`);
      }
      await n.container.start();
      n.state = "running";
      const oldIp = n.ip;
      Object.assign(n, await addresses(n.container, this.network, this.launch.port));
      await this.waitReady(n, STARTUP_TIMEOUT_MS);
      // The container's network namespace is new: its rules are gone.
      await this.setPeers(n);
      await this.rebuildRules(n);
      moved = n.ip !== oldIp;
      // As with the local runtime, the restarted process starts with its clock unshifted.
    });
    if (moved) {
      // Its address changed: the others must learn it, and cut it by its new address.
      await Promise.all(
        [...this.byId.values()]
          .filter((p) => p.id !== node)
          .map((p) =>
            this.locked(p, async () => {
              if (p.state === "running") {
                await this.setPeers(p);
                await this.rebuildRules(p);
              } else if (p.state === "paused") {
                p.peersStale = true;
                p.rulesStale = true;
              }
            }),
          ),
      );
    }
  }

  pause(node: NodeId): Promise<void> {
    return this.locked(this.node(node), async (n) => {
      if (n.state !== "running") return;
      await n.container.pause();
      n.state = "paused";
    });
  }

  resume(node: NodeId): Promise<void> {
    return this.locked(this.node(node), async (n) => {
      if (n.state !== "paused") return;
      await n.container.unpause();
      n.state = "running";
      if (n.peersStale) await this.setPeers(n);
      if (n.rulesStale) await this.rebuildRules(n);
    });
  }

  async cutLinks(links: readonly Link[]): Promise<void> {
    for (const [from, to] of links) {
      this.node(from);
      this.node(to);
      if (from === to) throw new Error(`cannot cut the link from ${from} to itself`);
    }
    const added = addLinks(this.cut, links);
    if (added.length === 0) return;
    const ips = this.ips();
    await Promise.all(
      [...new Set(added.flat())].map((id) =>
        this.locked(this.node(id), async (n) => {
          // A killed node gets every cut on restart; a paused one on resume. Meanwhile the
          // other end's rules hold the cut.
          if (n.state === "paused") n.rulesStale = true;
          if (n.state !== "running") return;
          await this.execRules(
            n,
            cutCommands(id, added, ips, this.spec.linkFault, this.launch.port),
          );
        }),
      ),
    );
  }

  async healLinks(): Promise<void> {
    this.cut.length = 0;
    await Promise.all(
      [...this.byId.values()].map((n) =>
        this.locked(n, async () => {
          if (n.state === "paused") n.rulesStale = true;
          if (n.state !== "running") return;
          await this.execRules(n, [[...HEAL_COMMAND]]);
        }),
      ),
    );
  }

  stop(): Promise<void> {
    this.stopping ??= this.stopNow();
    return this.stopping;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  /** Gives every node (at start) the others' container addresses. */
  async setAllPeers(): Promise<void> {
    await Promise.all([...this.byId.values()].map((n) => this.setPeers(n)));
  }

  private async waitReady(n: DockerNode, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const signal = this.spec.signal ?? new AbortController().signal;
    while (Date.now() < deadline && !signal.aborted) {
      if (await this.spec.system.ready(this.address(n.id), signal)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(
      `node ${n.id} (container ${n.containerName}) was not ready at ` +
        `${this.host}:${n.hostPort} within ${timeoutMs} ms`,
    );
  }

  private async stopNow(): Promise<void> {
    const docker = this.client.container.dockerode;
    const paths = runPaths(this.spec.runDir);
    await mkdir(paths.nodesDir, { recursive: true });
    const errors: string[] = [];
    await Promise.all(
      [...this.byId.values()].map((n) =>
        this.locked(n, async () => {
          try {
            if (n.state === "paused") await n.container.unpause();
            if (n.state !== "killed") {
              await n.container.stop({ t: STOP_GRACE_S }).catch(ignoreNotRunning);
            }
            n.state = "killed";
            await writeFile(paths.nodeLog(n.id), await containerLogs(n.container));
          } catch (err) {
            errors.push(`node ${n.id}: ${firstLine(err)}`);
          }
        }),
      ),
    );
    try {
      await removeRun(docker, this.spec.name, this.network);
      this.untrack();
    } catch (err) {
      errors.push(`removing the run's containers: ${firstLine(err)}`);
    }
    if (errors.length > 0) {
      throw new Error(`stopping docker cluster ${this.spec.name}: ${errors.join("; ")}`);
    }
  }

  /** Runs `fn` after every earlier operation on the node: the nemesis may overlap faults (a cut
   * while a pause is under way), and a frozen or dead container cannot take an exec. */
  private locked<T>(n: DockerNode, fn: (n: DockerNode) => Promise<T>): Promise<T> {
    const run = n.queue.then(() => fn(n));
    n.queue = run.then(
      () => {},
      () => {},
    );
    return run;
  }

  private node(id: NodeId): DockerNode {
    const n = this.byId.get(id);
    if (!n) throw new Error(`unknown node ${id} (cluster nodes: ${this.nodes.join(", ")})`);
    return n;
  }

  private ips(): Map<NodeId, string> {
    return new Map([...this.byId.values()].map((n) => [n.id, n.ip]));
  }

  private async setPeers(n: DockerNode): Promise<void> {
    const peers = Object.fromEntries(
      [...this.byId.values()]
        .filter((p) => p.id !== n.id)
        .map((p) => [p.id, { host: p.ip, port: this.launch.port }]),
    );
    await this.launch
      .setPeers?.(this.address(n.id), peers, AbortSignal.timeout(5000))
      .catch((err: unknown) => {
        throw new Error(`giving node ${n.id} its peers failed: ${firstLine(err)}`);
      });
    n.peersStale = false;
  }

  /** Flushes a running node's rules and re-applies every cut link at its end. */
  private async rebuildRules(n: DockerNode): Promise<void> {
    const commands = cutCommands(n.id, this.cut, this.ips(), this.spec.linkFault, this.launch.port);
    await this.execRules(n, [[...HEAL_COMMAND], ...commands]);
    n.rulesStale = false;
  }

  /** Runs iptables commands in the node's container (as root: the node may run as another
   * user). One that stopped or froze behind our back (a crash, `docker pause` by hand) is marked
   * so, not failed: restart and resume rebuild. */
  private async execRules(n: DockerNode, commands: string[][]): Promise<void> {
    for (const cmd of commands) {
      const exec = this.client.container.exec(n.container, cmd, { user: "root" });
      const result = await exec.catch(async (err) => {
        const state = (await n.container.inspect()).State;
        if (state.Running && !state.Paused) throw err;
        return undefined;
      });
      if (result === undefined || result.exitCode === 126) {
        const state = (await n.container.inspect()).State;
        if (!state.Running) n.state = "killed";
        else if (state.Paused) {
          n.state = "paused";
          n.rulesStale = true;
        }
        if (n.state !== "running") return;
      }
      if (result !== undefined && result.exitCode !== 0) {
        throw new Error(
          `\`${cmd.join(" ")}\` failed in ${n.containerName} (exit ${result.exitCode}): ` +
            result.output.trim(),
        );
      }
    }
  }
}

/** A node that could not start because a node it needs did not. */
class DependentStartError extends Error {}

/** Waits until every node in `after` has started; `chain` ends with the node that waits. */
async function startAfter(
  after: readonly NodeId[],
  chain: readonly NodeId[],
  start: (node: NodeId, chain: readonly NodeId[]) => Promise<unknown>,
): Promise<void> {
  const id = chain.at(-1)!;
  const cycle = after.find((node) => chain.includes(node));
  if (cycle !== undefined)
    throw new Error(`node ${id}'s start waits for itself: ${[...chain, cycle].join(" → ")}`);
  const results = await Promise.allSettled(after.map((node) => start(node, chain)));
  const failed = after.filter((_, i) => results[i]!.status === "rejected");
  if (failed.length > 0) {
    throw new DependentStartError(
      `node ${id} was not started: it needs ${failed.join(", ")}, which did not start`,
    );
  }
}

/** Where a job's script goes in a node's container: /tmp is in every image, writable by all. */
const JOB_FILE = "/tmp/faultline-job";

/** The container's command with jobs: a non-empty job file runs instead of the command (and is
 * emptied), its status the container's exit status. */
function withJobs(command: string[]): string[] {
  const wrapper =
    `if [ -s ${JOB_FILE} ]; then sh ${JOB_FILE}; status=$?; : > ${JOB_FILE}; exit $status; fi; ` +
    'exec "$@"';
  return ["sh", "-c", wrapper, "sh", ...command];
}

/** Puts `script` in the (stopped) container, starts it, and waits for its exit: 0 resolves, any
 * other status rejects with the end of the job's output. The container is stopped after. */
async function runContainerJob(
  n: DockerNode,
  script: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<void> {
  await n.container.putArchive(tarOfOneFile(JOB_FILE.slice(1), script), { path: "/" });
  const since = Math.floor(Date.now() / 1000);
  await n.container.start();
  const kill = () => n.container.kill({ signal: "SIGKILL" }).catch(() => {});
  const timer = setTimeout(kill, timeoutMs);
  signal.addEventListener("abort", kill, { once: true });
  let status: number;
  try {
    status = ((await n.container.wait()) as { StatusCode: number }).StatusCode;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", kill);
  }
  // Emptied by the script's wrapper; emptied here too, in case the job was killed.
  await n.container.putArchive(tarOfOneFile(JOB_FILE.slice(1), ""), { path: "/" });
  if (status === 0) return;
  const logs = (await containerLogs(n.container, since).catch(() => "")).trim();
  const tail = logs.split("\n").slice(-10).join("\n");
  throw new Error(`exit ${status}${signal.aborted ? " (interrupted)" : ""}:\n${tail}`);
}

/** A tar archive (ustar) holding one file, mode 0666 (any container user may empty it). */
function tarOfOneFile(path: string, content: string): Buffer {
  const body = Buffer.from(content, "utf8");
  const header = Buffer.alloc(512);
  const field = (text: string, offset: number, length: number) =>
    header.write(text, offset, length, "utf8");
  const octal = (value: number, length: number) => value.toString(8).padStart(length - 1, "0");
  field(path, 0, 100);
  field(octal(0o666, 8), 100, 8);
  field(octal(0, 8), 108, 8);
  field(octal(0, 8), 116, 8);
  field(octal(body.length, 12), 124, 12);
  field(octal(Math.floor(Date.now() / 1000), 12), 136, 12);
  header.fill(" ", 148, 156);
  field("0", 156, 1);
  field("ustar\u000000", 257, 8);
  let sum = 0;
  for (const byte of header) sum += byte;
  field(`${octal(sum, 7)}\u0000 `, 148, 8);
  const padding = Buffer.alloc((512 - (body.length % 512)) % 512);
  return Buffer.concat([header, body, padding, Buffer.alloc(1024)]);
}

/** testcontainers' wait for a started container: its system's readiness probe, through the
 * mapped port; a container that exits first fails at once with its exit code. */
function readyStrategy(spec: ClusterSpec, port: number): WaitStrategy {
  let timeoutMs = STARTUP_TIMEOUT_MS;
  let set = false;
  const host = process.env.TESTCONTAINERS_HOST_OVERRIDE ?? "127.0.0.1";
  const signal = spec.signal ?? new AbortController().signal;
  return {
    async waitUntilReady(container, boundPorts) {
      const address = { host, port: boundPorts.getBinding(port) };
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (await spec.system.ready(address, signal)) return;
        const state = (await container.inspect()).State;
        if (!state.Running) {
          // Read now: testcontainers removes a container that failed its wait.
          const output = (await containerLogs(container).catch(() => "")).trim();
          const last = output.split("\n").at(-1);
          const exited = `the container exited with code ${state.ExitCode}`;
          throw new Error(output === "" ? exited : `${last} (${exited})\n${output}`);
        }
        if (signal.aborted) throw new Error("interrupted");
        if (Date.now() > deadline) throw new Error(`not ready within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    withStartupTimeout(ms) {
      timeoutMs = ms;
      set = true;
      return this;
    },
    isStartupTimeoutSet: () => set,
    getStartupTimeout: () => timeoutMs,
  };
}

async function addresses(
  container: Dockerode.Container,
  network: string,
  port: number,
): Promise<{ ip: string; hostPort: number }> {
  const info = await container.inspect();
  const ip = info.NetworkSettings.Networks[network]?.IPAddress;
  const bindings = info.NetworkSettings.Ports[`${port}/tcp`] ?? [];
  const binding = bindings.find((b) => !b.HostIp.includes(":")) ?? bindings[0];
  if (!ip || !binding) {
    throw new Error(`container ${info.Name.replace(/^\//, "")} has no address on ${network}`);
  }
  return { ip, hostPort: Number(binding.HostPort) };
}

/** A container's stdout and stderr (since a unix time, in seconds), demultiplexed, in order. */
async function containerLogs(container: Dockerode.Container, since = 0): Promise<string> {
  const raw = (await container.logs({
    stdout: true,
    stderr: true,
    follow: false,
    since,
  })) as Buffer;
  const chunks: Buffer[] = [];
  let at = 0;
  // Without a TTY each frame is an 8-byte header (stream, 0, 0, 0, size as uint32 BE) + payload.
  while (at + 8 <= raw.length && raw[at + 1] === 0 && raw[at + 2] === 0 && raw[at + 3] === 0) {
    const size = raw.readUInt32BE(at + 4);
    chunks.push(raw.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return at === 0 ? raw.toString("utf8") : Buffer.concat(chunks).toString("utf8");
}

/** Best effort: the logs of the run's containers that exist, for a start that failed. */
async function saveLogs(
  docker: Dockerode,
  containers: ReadonlyMap<NodeId, string>,
  paths: RunPaths,
): Promise<void> {
  await mkdir(paths.nodesDir, { recursive: true });
  await Promise.all(
    [...containers].map(async ([id, name]) => {
      const logs = await containerLogs(docker.getContainer(name)).catch(() => undefined);
      if (logs !== undefined) await writeFile(paths.nodeLog(id), logs);
    }),
  );
}

/** Removes a run's containers (by label) and its network. */
async function removeRun(docker: Dockerode, runName: string, network: string): Promise<void> {
  const containers = await docker.listContainers({
    all: true,
    filters: { label: [`${RUN_LABEL}=${runName}`] },
  });
  await Promise.all(
    containers.map((c) =>
      docker.getContainer(c.Id).remove({ force: true, v: true }).catch(ignoreGone),
    ),
  );
  await docker.getNetwork(network).remove().catch(ignoreGone);
}

function ignoreGone(err: unknown): void {
  if ((err as { statusCode?: number }).statusCode !== 404) throw err;
}

function ignoreNotRunning(err: unknown): void {
  const code = (err as { statusCode?: number }).statusCode;
  if (code !== 304 && code !== 404) throw err;
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split("\n")[0]!.trim();
}

/** The last lines a container printed ("" when Docker cannot say: it may be gone). */
async function containerOutput(name: string): Promise<string> {
  try {
    const { stdout, stderr } = await promisify(execFile)("docker", ["logs", "--tail", "20", name], {
      timeout: 10_000,
    });
    return `${stdout}${stderr}`.trim();
  } catch {
    return "";
  }
}
