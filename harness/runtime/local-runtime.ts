// The `local` runtime: every node is a child process on 127.0.0.1 — the command its system's
// local launch gives — with its own port, data directory (<runDir>/data/<id>) and log
// (<runDir>/nodes/<id>.log). Node-to-node traffic goes through one LinkProxy per directed link,
// so cutting a link really cuts connections; clients talk to the nodes directly. A launch may ask
// for more: one-shot setup steps before a node's first start (after the nodes it copies are up),
// jobs run on a down node for its system (a rewind), a server that forks (signalled with every
// process it forked), an owner to run as. No exit path of the harness leaves a node, a step or a job running.
import { mkdirSync, rmSync } from "node:fs";
import type {
  LocalLaunch,
  LocalNodeSpec,
  LocalSetup,
  NodeAddress,
  NodeId,
} from "../../systems/system.js";
import { freePort } from "../../systems/free-port.js";
import { UsageError } from "../cli-error.js";
import { runPaths } from "../store/run-store.js";
import { LinkProxy } from "./link-proxy.js";
import { NodeProcess, NodeStartError } from "./node-process.js";
import {
  type Cluster,
  type ClusterSpec,
  type Link,
  launchOf,
  type NodeState,
  type Runtime,
} from "./runtime.js";
import { makeNodeDirectories, runSteps } from "./setup-steps.js";

export interface LocalRuntimeOptions {
  /** Replaces the system's command for every node (the runtime's own tests use a stand-in). */
  command?: LocalLaunch["command"];
  /** How long a node may take to be ready after a (re)start. */
  startTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL. */
  stopGraceMs?: number;
}

export interface LocalRuntime extends Runtime {
  start(spec: ClusterSpec): Promise<LocalCluster>;
}

const HOST = "127.0.0.1";

export function createLocalRuntime(options: LocalRuntimeOptions = {}): LocalRuntime {
  const settings = {
    startTimeoutMs: options.startTimeoutMs ?? 30_000,
    stopGraceMs: options.stopGraceMs ?? 3_000,
  };
  return {
    name: "local",
    async start(spec) {
      const system = launchOf(spec, "local");
      const launch = options.command ? { ...system, command: options.command } : system;
      const cluster = new LocalCluster(spec, { ...settings, launch });
      try {
        await cluster.startAll();
      } catch (err) {
        await cluster.stop();
        throw err;
      }
      return cluster;
    },
  };
}

export const localRuntime: LocalRuntime = createLocalRuntime();

interface Settings {
  launch: LocalLaunch;
  startTimeoutMs: number;
  stopGraceMs: number;
}

export class LocalCluster implements Cluster {
  readonly nodes: readonly NodeId[];
  readonly #processes = new Map<NodeId, NodeProcess>();
  /** "from to" → the proxy of that directed link. */
  readonly #proxies = new Map<string, LinkProxy>();
  /** Each node's first start (its setup, then its server), once. */
  readonly #firstStarts = new Map<NodeId, Promise<void>>();
  /** Folders the setups asked to remove when the cluster stops. */
  readonly #removeOnStop = new Set<string>();
  /** Aborted by stop(): a setup step under way is killed. */
  readonly #stopping = new AbortController();
  #stopped: Promise<void> | undefined;

  constructor(
    readonly spec: ClusterSpec,
    readonly settings: Settings,
  ) {
    const ids = spec.nodeIds;
    if (ids.length === 0) throw new Error("a cluster needs at least one node (nodeIds is empty)");
    const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
    if (duplicate !== undefined) throw new Error(`node id "${duplicate}" appears twice in nodeIds`);
    this.nodes = [...ids];
    for (const from of ids) {
      for (const to of ids) {
        if (from !== to)
          this.#proxies.set(linkKey(from, to), new LinkProxy([from, to], spec.linkFault));
      }
    }
    const paths = runPaths(spec.runDir);
    mkdirSync(paths.nodesDir, { recursive: true });
    const { launch } = settings;
    for (const id of ids) {
      mkdirSync(paths.dataDir(id), { recursive: true });
      this.#processes.set(
        id,
        new NodeProcess({
          id,
          // Peer addresses are read when the node is spawned: the proxies listen by then.
          command: (port) => launch.command(this.#nodeSpec(id, port)),
          ready: (port, signal) => spec.system.ready({ host: HOST, port }, signal),
          logPath: paths.nodeLog(id),
          startTimeoutMs: settings.startTimeoutMs,
          ...(launch.forks && { forks: true }),
          ...(launch.owner !== undefined && { owner: launch.owner }),
          ...(launch.stopSignal !== undefined && { stopSignal: launch.stopSignal }),
        }),
      );
    }
  }

  /** Opens the proxies and starts every node (each after the nodes its setup needs); reports
   * every node that failed. */
  async startAll(): Promise<void> {
    await Promise.all([...this.#proxies.values()].map((proxy) => proxy.listen()));
    const results = await Promise.allSettled(this.nodes.map((id) => this.#firstStart(id, [])));
    const failed = results.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
    // A node that waited for a failed one says so, but the failure is the other node's.
    const causes = failed.filter((err) => !(err instanceof DependentStartError));
    const errors = causes.length > 0 ? causes : failed;
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) {
      const message = errors
        .map((err) => (err instanceof Error ? err.message : String(err)))
        .join("\n");
      throw errors.every((err) => err instanceof UsageError)
        ? new UsageError(message)
        : new Error(message);
    }
  }

  address(node: NodeId): NodeAddress {
    const port = this.#process(node).port;
    if (port === undefined) throw new Error(`node ${node} has not started`);
    return { host: HOST, port };
  }

  /** The link proxy `from` reaches `to` through. */
  peer(from: NodeId, to: NodeId): NodeAddress {
    this.#process(from);
    this.#process(to);
    if (from === to) throw new Error(`node ${from} has no link to itself`);
    return this.#proxy(from, to).address;
  }

  /** Runs the launch's `job` on a down node, as at setup (its owner, its log). */
  async runJob(
    node: NodeId,
    job: string,
    args: Readonly<Record<string, string>>,
    signal: AbortSignal,
  ): Promise<void> {
    const child = this.#process(node);
    const { launch } = this.settings;
    if (launch.job === undefined) {
      throw new Error(`system ${this.spec.system.name} has no jobs (asked for ${job} on ${node})`);
    }
    if (this.#stopped) throw new Error(`cannot run ${job} on ${node}: the cluster is stopped`);
    if (child.state !== "down") throw new Error(`node ${node} is ${child.state}: kill it first`);
    const port = child.port ?? (await freePort());
    await runSteps(launch.job(this.#nodeSpec(node, port), job, args), {
      node,
      owner: launch.owner,
      logPath: runPaths(this.spec.runDir).nodeLog(node),
      signal: this.#stepSignal(signal),
    });
  }

  /** The pid of a node's live process (undefined when it is down); for tests and diagnostics. */
  pid(node: NodeId): number | undefined {
    return this.#process(node).pid;
  }

  state(node: NodeId): NodeState {
    return this.#process(node).state;
  }

  async kill(node: NodeId): Promise<void> {
    await this.#process(node).kill();
    this.#release(node);
  }

  async restart(node: NodeId): Promise<void> {
    const child = this.#process(node);
    if (child.state !== "down") {
      throw new Error(`node ${node} is ${child.state}: kill it before restarting`);
    }
    await this.#startNode(node, child.port ?? (await freePort()));
  }

  async pause(node: NodeId): Promise<void> {
    await this.#process(node).pause();
  }

  async resume(node: NodeId): Promise<void> {
    this.#process(node).resume();
  }

  async cutLinks(links: readonly Link[]): Promise<void> {
    const proxies = links.map(([from, to]) => {
      this.#process(from);
      this.#process(to);
      if (from === to) throw new Error(`cannot cut the link from ${from} to itself`);
      return this.#proxy(from, to);
    });
    for (const proxy of proxies) proxy.cut();
  }

  async healLinks(): Promise<void> {
    for (const proxy of this.#proxies.values()) proxy.heal();
  }

  /** The directed links cut now. */
  cutLinkList(): Link[] {
    return [...this.#proxies.values()].filter((p) => p.isCut).map((p) => p.link);
  }

  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      // A setup under way ends first (its step killed): no node may start after the others
      // were stopped.
      this.#stopping.abort();
      await Promise.allSettled(this.#firstStarts.values());
      await Promise.all(
        [...this.#processes.values()].map((p) => p.terminate(this.settings.stopGraceMs)),
      );
      await Promise.all([...this.#proxies.values()].map((proxy) => proxy.close()));
      for (const id of this.nodes) this.#release(id);
      for (const dir of this.#removeOnStop) rmSync(dir, { recursive: true, force: true });
    })();
    return this.#stopped;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  /** What the node's server left outside its folders, once every process of it is gone. */
  #release(id: NodeId): void {
    this.settings.launch.release?.({ id, dataDir: runPaths(this.spec.runDir).dataDir(id) });
  }

  /** What the launch sees of a node: its port now, data, run folder and peers' proxies. */
  #nodeSpec(id: NodeId, port: number): LocalNodeSpec {
    return {
      id,
      port,
      dataDir: runPaths(this.spec.runDir).dataDir(id),
      runDir: this.spec.runDir,
      peers: Object.fromEntries(
        this.nodes.filter((to) => to !== id).map((to) => [to, this.#proxy(id, to).address]),
      ),
    };
  }

  /** A node's first start, once: after the nodes its setup needs are up, its setup, then its
   * server. `waiting` is the chain of nodes waiting on this one (a cycle is an error). */
  #firstStart(id: NodeId, waiting: readonly NodeId[]): Promise<void> {
    let started = this.#firstStarts.get(id);
    if (started === undefined) {
      started = this.#setUpAndStart(id, waiting);
      this.#firstStarts.set(id, started);
    }
    return started;
  }

  async #setUpAndStart(id: NodeId, waiting: readonly NodeId[]): Promise<void> {
    const port = await freePort();
    const setup = this.settings.launch.setup?.(this.#nodeSpec(id, port));
    if (setup !== undefined) {
      await this.#awaitNodes(id, setup, [...waiting, id]);
      await this.#setUp(id, setup);
    }
    await this.#startNode(id, port);
  }

  async #awaitNodes(id: NodeId, setup: LocalSetup, chain: readonly NodeId[]): Promise<void> {
    for (const before of setup.after) {
      this.#process(before);
      if (chain.includes(before))
        throw new Error(`node ${id}'s setup waits for itself: ${[...chain, before].join(" → ")}`);
    }
    const results = await Promise.allSettled(
      setup.after.map((before) => this.#firstStart(before, chain)),
    );
    const failed = setup.after.filter((_, i) => results[i]!.status === "rejected");
    if (failed.length > 0) {
      throw new DependentStartError(
        `node ${id} was not set up: it needs ${failed.join(", ")}, which did not start`,
      );
    }
  }

  async #setUp(id: NodeId, setup: LocalSetup): Promise<void> {
    if (this.#stopped) throw new Error(`cannot set node ${id} up: the cluster is stopped`);
    const { owner } = this.settings.launch;
    for (const dir of setup.removeOnStop ?? []) this.#removeOnStop.add(dir);
    makeNodeDirectories(id, setup.directories, owner);
    await runSteps(setup.steps, {
      node: id,
      owner,
      logPath: runPaths(this.spec.runDir).nodeLog(id),
      signal: this.#stepSignal(),
    });
  }

  /** Steps end on Ctrl-C and when the cluster stops. */
  #stepSignal(signal?: AbortSignal): AbortSignal {
    const signals = [this.#stopping.signal, this.spec.signal, signal];
    return AbortSignal.any(signals.filter((s) => s !== undefined));
  }

  async #startNode(id: NodeId, port: number): Promise<void> {
    if (this.#stopped) throw new Error(`cannot start node ${id}: the cluster is stopped`);
    const child = this.#process(id);
    const { signal } = this.spec;
    try {
      await child.start(port, signal);
    } catch (err) {
      // Someone took the port (while the node was down, or since it was found free): any free
      // port will do (address() follows).
      if (!(err instanceof NodeStartError) || !/EADDRINUSE|already in use/i.test(err.log))
        throw err;
      if (this.#stopped) throw new Error(`cannot start node ${id}: the cluster is stopped`);
      await child.start(await freePort(), signal);
    }
    for (const [from, to] of this.#linksTo(id)) this.#proxy(from, to).setTarget(child.port);
  }

  #linksTo(id: NodeId): Link[] {
    return this.nodes.filter((from) => from !== id).map((from) => [from, id] as const);
  }

  #process(node: NodeId): NodeProcess {
    const child = this.#processes.get(node);
    if (child === undefined) {
      throw new Error(`unknown node "${node}" (the cluster has ${this.nodes.join(", ")})`);
    }
    return child;
  }

  #proxy(from: NodeId, to: NodeId): LinkProxy {
    return this.#proxies.get(linkKey(from, to))!;
  }
}

/** A node that could not start because a node it needs did not. */
class DependentStartError extends Error {}

function linkKey(from: NodeId, to: NodeId): string {
  return `${from} ${to}`;
}
