// The `local` runtime: every node is a `faultline node` child process on 127.0.0.1 with its own
// data directory (<runDir>/data/<id>) and log (<runDir>/nodes/<id>.log). Node-to-node traffic
// goes through one LinkProxy per directed link, so cutting a link really cuts connections;
// clients talk to the nodes directly. No exit path of the harness leaves a node running.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { NodeId } from "../../nodes/core/replica.js";
import { type NodeOptions, nodeArgs } from "../../nodes/node-options.js";
import { postClockOffset } from "./admin-client.js";
import { LinkProxy } from "./link-proxy.js";
import { NodeProcess, NodeStartError } from "./node-process.js";
import type { Cluster, ClusterSpec, Link, Runtime } from "./runtime.js";

export interface LocalRuntimeOptions {
  /** The executable and arguments of one node; default `faultline node <flags> --exit-with-parent`. */
  command?: (options: NodeOptions) => { file: string; args: string[] };
  /** How long a node may take to answer /health after a (re)start. */
  startTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL. */
  stopGraceMs?: number;
  /** Timeout of the runtime's own admin calls (POST /admin/clock). */
  adminTimeoutMs?: number;
}

export interface LocalRuntime extends Runtime {
  start(spec: ClusterSpec): Promise<LocalCluster>;
}

const HOST = "127.0.0.1";
const FAULTLINE_BIN = fileURLToPath(new URL("../../bin/faultline.js", import.meta.url));

/** `faultline node` from this checkout, run by the same Node.js as the harness. */
export function faultlineNodeCommand(options: NodeOptions): { file: string; args: string[] } {
  return {
    file: process.execPath,
    args: [FAULTLINE_BIN, "node", ...nodeArgs(options), "--exit-with-parent"],
  };
}

export function createLocalRuntime(options: LocalRuntimeOptions = {}): LocalRuntime {
  const settings = {
    command: options.command ?? faultlineNodeCommand,
    startTimeoutMs: options.startTimeoutMs ?? 30_000,
    stopGraceMs: options.stopGraceMs ?? 3_000,
    adminTimeoutMs: options.adminTimeoutMs ?? 2_000,
  };
  return {
    name: "local",
    async start(spec) {
      const cluster = new LocalCluster(spec, settings);
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

type Settings = Required<LocalRuntimeOptions>;

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
    mkdirSync(join(spec.runDir, "nodes"), { recursive: true });
    for (const id of ids) {
      const dataDir = join(spec.runDir, "data", id);
      mkdirSync(dataDir, { recursive: true });
      this.#processes.set(
        id,
        new NodeProcess({
          id,
          logPath: join(spec.runDir, "nodes", `${id}.log`),
          startTimeoutMs: settings.startTimeoutMs,
          // Peer URLs are read when the node is spawned: the proxies listen by then.
          command: (port) =>
            settings.command({
              ...spec.node,
              id,
              listen: { host: HOST, port },
              peers: Object.fromEntries(
                ids.filter((to) => to !== id).map((to) => [to, this.#proxy(id, to).url]),
              ),
              // A cluster of one says so: a node with no peers would wait for POST /admin/peers.
              ...(ids.length === 1 && { alone: true }),
              dataDir,
            }),
        }),
      );
    }
  }

  /** Opens the proxies and starts every node; reports every node that failed. */
  async startAll(): Promise<void> {
    await Promise.all([...this.#proxies.values()].map((proxy) => proxy.listen()));
    const results = await Promise.allSettled(this.nodes.map((id) => this.#startNode(id, 0)));
    const errors = results.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) {
      throw new Error(
        errors.map((err) => (err instanceof Error ? err.message : String(err))).join("\n"),
      );
    }
  }

  url(node: NodeId): string {
    return this.#process(node).url;
  }

  /** The pid of a node's live process (undefined when it is down); for tests and diagnostics. */
  pid(node: NodeId): number | undefined {
    return this.#process(node).pid;
  }

  state(node: NodeId): "down" | "running" | "paused" {
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
    await this.#startNode(node, child.port ?? 0);
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

  async setClockOffset(node: NodeId, offsetMs: number): Promise<void> {
    await postClockOffset(this.url(node), offsetMs, this.settings.adminTimeoutMs);
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
    try {
      await child.start(port);
    } catch (err) {
      // Someone took the port while the node was down: any free port will do (url() follows).
      if (port === 0 || !(err instanceof NodeStartError) || !err.log.includes("EADDRINUSE"))
        throw err;
      if (this.#stopped) throw new Error(`cannot start node ${id}: the cluster is stopped`);
      await child.start(0);
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
