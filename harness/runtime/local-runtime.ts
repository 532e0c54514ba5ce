// The `local` runtime: every node is a child process on 127.0.0.1 — the command its system's
// local launch gives — with its own port, data directory (<runDir>/data/<id>) and log
// (<runDir>/nodes/<id>.log). Node-to-node traffic goes through one LinkProxy per directed link,
// so cutting a link really cuts connections; clients talk to the nodes directly. No exit path of
// the harness leaves a node running.
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import type { LocalLaunch, NodeAddress, NodeId } from "../../systems/system.js";
import { runPaths } from "../store/run-store.js";
import { LinkProxy } from "./link-proxy.js";
import { type NodeCommand, NodeProcess, NodeStartError } from "./node-process.js";
import {
  type Cluster,
  type ClusterSpec,
  type Link,
  launchOf,
  type NodeState,
  type Runtime,
} from "./runtime.js";

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

/** A port of 127.0.0.1 that was free a moment ago (a node that finds it taken gets another). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, HOST, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export function createLocalRuntime(options: LocalRuntimeOptions = {}): LocalRuntime {
  const settings = {
    startTimeoutMs: options.startTimeoutMs ?? 30_000,
    stopGraceMs: options.stopGraceMs ?? 3_000,
  };
  return {
    name: "local",
    async start(spec) {
      const launch = launchOf(spec, "local");
      const command = options.command ?? launch.command;
      const cluster = new LocalCluster(spec, { ...settings, command });
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
  command: LocalLaunch["command"];
  startTimeoutMs: number;
  stopGraceMs: number;
}

export class LocalCluster implements Cluster {
  readonly nodes: readonly NodeId[];
  readonly #processes = new Map<NodeId, NodeProcess>();
  /** "from to" → the proxy of that directed link. */
  readonly #proxies = new Map<string, LinkProxy>();
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
    for (const id of ids) {
      const dataDir = paths.dataDir(id);
      mkdirSync(dataDir, { recursive: true });
      // Peer addresses are read when the node is spawned: the proxies listen by then.
      const command: NodeCommand = (port) =>
        settings.command({
          id,
          port,
          dataDir,
          runDir: spec.runDir,
          peers: Object.fromEntries(
            ids.filter((to) => to !== id).map((to) => [to, this.#proxy(id, to).address]),
          ),
        });
      this.#processes.set(
        id,
        new NodeProcess({
          id,
          command,
          ready: (port, signal) => spec.system.ready({ host: HOST, port }, signal),
          logPath: paths.nodeLog(id),
          startTimeoutMs: settings.startTimeoutMs,
        }),
      );
    }
  }

  /** Opens the proxies and starts every node; reports every node that failed. */
  async startAll(): Promise<void> {
    await Promise.all([...this.#proxies.values()].map((proxy) => proxy.listen()));
    const results = await Promise.allSettled(
      this.nodes.map(async (id) => this.#startNode(id, await freePort())),
    );
    const errors = results.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) {
      throw new Error(
        errors.map((err) => (err instanceof Error ? err.message : String(err))).join("\n"),
      );
    }
  }

  address(node: NodeId): NodeAddress {
    const port = this.#process(node).port;
    if (port === undefined) throw new Error(`node ${node} has not started`);
    return { host: HOST, port };
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
      await Promise.all(
        [...this.#processes.values()].map((p) => p.terminate(this.settings.stopGraceMs)),
      );
      await Promise.all([...this.#proxies.values()].map((proxy) => proxy.close()));
    })();
    return this.#stopped;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
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

function linkKey(from: NodeId, to: NodeId): string {
  return `${from} ${to}`;
}
