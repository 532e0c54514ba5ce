// Real PostgreSQL clusters for the tests and benchmark of systems/postgres, run the way the
// harness runtime is meant to run a launch plan (the harness has its own runtimes; systems/ does
// not import them): a temp run folder, free ports, the plan's directories and steps, each server
// in its own process group (log in nodes/<id>.log), standbys reaching the primary through a
// TestLink. Every process is ended by its group id; an exit hook and setpriv's parent-death
// signal cover the paths where close() never runs.
import { type ChildProcess, spawn } from "node:child_process";
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  closeSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { NodeId } from "../../workloads/kv-client.js";
import { freePort } from "../free-port.js";
import { awaitReady, ensureKvTable } from "./postgres-admin.js";
import { findPostgresBinaries, findSetpriv, localOwner } from "./postgres-binaries.js";
import { awaitStreaming } from "./postgres-failover.js";
import { createPostgresClient, type PostgresKvClient } from "./postgres-client.js";
import { releaseLeftovers } from "./postgres-leftovers.js";
import {
  type Address,
  type NodeLaunch,
  type Owner,
  type PostgresLaunchInput,
  postgresLaunchPlan,
  type SetupStep,
} from "./postgres-launch.js";
import { type PostgresOptions, postgresOptionsSchema } from "./postgres-options.js";
import { TestLink } from "./test-link.js";

const HOST = "127.0.0.1";
const READY_TIMEOUT_MS = 60_000;

/** Process groups of every live server, killed by the exit hook if close() never ran. */
const liveGroups = new Set<number>();
let hooked = false;

function trackGroup(pid: number): void {
  if (!hooked) {
    hooked = true;
    process.once("exit", () => {
      for (const group of liveGroups) signalGroup(group, "SIGKILL");
    });
  }
  liveGroups.add(pid);
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

export interface SpawnOptions {
  /** The `system:` section (name: postgres implied). */
  system?: Partial<Omit<PostgresOptions, "name">>;
  /** Node ids (default n1, n2, …: standbys + 1 of them). */
  nodes?: NodeId[];
}

export interface ClientOverrides {
  timeoutMs?: number;
  isolation?: PostgresOptions["isolation"];
  reads?: PostgresOptions["reads"];
}

interface Server {
  child: ChildProcess;
  exited: Promise<void>;
}

export class SpawnedPostgres {
  readonly runDir: string;
  readonly options: PostgresOptions;
  readonly nodes: NodeId[];
  readonly launch: PostgresLaunchInput;
  readonly plan: NodeLaunch[];
  /** The node clients write to; tests move it after a failover. */
  primary: NodeId;
  readonly owner: Owner | undefined;
  readonly #ports = new Map<NodeId, number>();
  /** "from to" → the relay of that directed link, listening before the plan names its port. */
  readonly #links: Map<string, TestLink>;
  readonly #servers = new Map<NodeId, Server>();
  readonly #clients = new Set<PostgresKvClient>();
  readonly #readers = new Map<NodeId, PostgresKvClient>();

  private constructor(
    options: PostgresOptions,
    nodes: NodeId[],
    ports: number[],
    links: Map<string, TestLink>,
  ) {
    this.options = options;
    this.nodes = nodes;
    this.primary = nodes[0]!;
    this.#links = links;
    this.runDir = mkdtempSync(join(tmpdir(), "faultline-pg-"));
    // The server's user must reach its folders inside the run folder.
    chmodSync(this.runDir, 0o755);
    mkdirSync(join(this.runDir, "nodes"));
    for (const [i, id] of nodes.entries()) this.#ports.set(id, ports[i]!);
    this.owner = localOwner();
    this.launch = {
      options,
      binaries: findPostgresBinaries(),
      nodes,
      place: (id) => ({
        dataDir: join(this.runDir, "data", id),
        socketDir: join(this.runDir, "sockets", id),
        listen: this.address(id),
      }),
      peer: (from, to) => this.#link(from, to).address,
      trustedNetwork: "127.0.0.1/32",
      setpriv: { path: findSetpriv(), owner: this.owner },
    };
    this.plan = postgresLaunchPlan(this.launch);
  }

  /** Starts every node of the plan (primary first), makes the KV table, and returns the cluster
   * once every standby streams from the primary. */
  static async start(spawnOptions: SpawnOptions = {}): Promise<SpawnedPostgres> {
    const options = postgresOptionsSchema.parse({ name: "postgres", ...spawnOptions.system });
    const nodes =
      spawnOptions.nodes ?? Array.from({ length: options.standbys + 1 }, (_, i) => `n${i + 1}`);
    const ports = await Promise.all(nodes.map(() => freePort()));
    const links = new Map<string, TestLink>();
    for (const [i, from] of nodes.entries()) {
      for (const [j, to] of nodes.entries()) {
        if (i !== j) links.set(`${from} ${to}`, new TestLink({ host: HOST, port: ports[j]! }));
      }
    }
    await Promise.all([...links.values()].map((l) => l.listen()));
    const cluster = new SpawnedPostgres(options, nodes, ports, links);
    try {
      // Each node once the nodes it comes after are up: the standbys copy the primary together.
      const started = new Map<NodeId, Promise<void>>();
      for (const node of cluster.plan) {
        const before = node.after.map((id) => started.get(id)!);
        started.set(
          node.id,
          Promise.all(before).then(() => cluster.#setUp(node)),
        );
      }
      await Promise.all(started.values());
      await ensureKvTable(cluster.address(cluster.primary));
      // Up is not yet replicating: a standby's WAL receiver connects after it answers SQL.
      await Promise.all(
        nodes
          .filter((n) => n !== cluster.primary)
          .map((n) =>
            awaitStreaming(
              cluster.address(n),
              cluster.launch.peer(n, cluster.primary),
              READY_TIMEOUT_MS,
            ),
          ),
      );
      return cluster;
    } catch (err) {
      await cluster.close();
      throw err;
    }
  }

  /** The address clients and admin calls use: the server itself. */
  address(node: NodeId): Address {
    const port = this.#ports.get(node);
    if (port === undefined) throw new Error(`unknown node ${node} (have ${this.nodes.join(", ")})`);
    return { host: HOST, port };
  }

  /** A client of `node` (the cluster's isolation and reads unless overridden), closed with the
   * cluster. */
  client(node: NodeId, overrides: ClientOverrides = {}): PostgresKvClient {
    const { timeoutMs = 5_000, ...options } = overrides;
    const client = createPostgresClient(
      {
        options: { isolation: this.options.isolation, reads: this.options.reads, ...options },
        address: (n) => this.address(n),
        primary: () => this.primary,
        timeoutMs,
      },
      node,
    );
    this.#clients.add(client);
    return client;
  }

  /** One client per node for tests' own reads of that node, made once. */
  reader(node: NodeId): PostgresKvClient {
    let client = this.#readers.get(node);
    if (client === undefined) {
      client = this.client(node);
      this.#readers.set(node, client);
    }
    return client;
  }

  /** Cuts the link `from` → `to` (a standby's replication from its primary). */
  cut(from: NodeId, to: NodeId): void {
    this.#link(from, to).cut();
  }

  heal(): void {
    for (const link of this.#links.values()) link.heal();
  }

  /** The postmaster's pid (its process group's id), or undefined while the node is down. */
  pid(node: NodeId): number | undefined {
    return this.#servers.get(node)?.child.pid;
  }

  isRunning(node: NodeId): boolean {
    return this.#servers.has(node);
  }

  /** SIGKILL to the server's whole process group; resolves once the postmaster is gone (its
   * System V segment released: it goes with the last of its backends). */
  async kill(node: NodeId): Promise<void> {
    const server = this.#servers.get(node);
    if (server === undefined) return;
    signalGroup(server.child.pid!, "SIGKILL");
    await server.exited;
    releaseLeftovers(this.launch.place(node).dataDir);
  }

  /** Starts the node's server (its setup done) and waits until it answers. */
  async startServer(node: NodeId): Promise<void> {
    if (this.#servers.has(node)) throw new Error(`${node} is running already`);
    const launch = this.#launchOf(node);
    const log = openSync(this.logPath(node), "a");
    const child = spawn(launch.server.file, launch.server.args, {
      env: launch.server.env,
      stdio: ["ignore", log, log],
      detached: true,
    });
    closeSync(log);
    const pid = child.pid;
    if (pid === undefined) throw new Error(`${node}: could not spawn ${launch.server.file}`);
    trackGroup(pid);
    const exited = new Promise<void>((resolve) =>
      child.once("exit", () => {
        // The postmaster is gone; its backends notice and exit. Reap the group's stragglers.
        signalGroup(pid, "SIGKILL");
        liveGroups.delete(pid);
        this.#servers.delete(node);
        resolve();
      }),
    );
    this.#servers.set(node, { child, exited });
    const died = exited.then(() => {
      throw new Error(`${node} exited while starting; log:\n${this.logTail(node)}`);
    });
    await Promise.race([awaitReady(this.address(node), READY_TIMEOUT_MS), died]);
    died.catch(() => {});
  }

  /** Runs setup steps for `node` as the harness runtime would. */
  async runSteps(node: NodeId, steps: SetupStep[]): Promise<void> {
    for (const step of steps) await this.#runStep(node, step);
  }

  logPath(node: NodeId): string {
    return join(this.runDir, "nodes", `${node}.log`);
  }

  logTail(node: NodeId, lines = 20): string {
    try {
      return readFileSync(this.logPath(node), "utf8")
        .trimEnd()
        .split("\n")
        .slice(-lines)
        .join("\n");
    } catch {
      return "(no log)";
    }
  }

  /** Ends every client and server, closes the links and removes the run folder. */
  async close(): Promise<void> {
    await Promise.all([...this.#clients].map((c) => c.close()));
    this.#clients.clear();
    await Promise.all(this.nodes.map((n) => this.kill(n)));
    await Promise.all([...this.#links.values()].map((l) => l.close()));
    rmSync(this.runDir, { recursive: true, force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #link(from: NodeId, to: NodeId): TestLink {
    const link = this.#links.get(`${from} ${to}`);
    if (link === undefined) throw new Error(`no link ${from} → ${to}`);
    return link;
  }

  async #setUp(node: NodeLaunch): Promise<void> {
    for (const dir of node.directories) this.#makeDir(dir);
    await this.runSteps(node.id, node.setup);
    await this.startServer(node.id);
  }

  async #runStep(node: NodeId, step: SetupStep): Promise<void> {
    if (step.kind === "write-file") {
      writeFileSync(step.path, step.content, { mode: 0o600 });
      this.#own(step.path);
      return;
    }
    if (step.kind === "empty-dir") {
      rmSync(step.path, { recursive: true, force: true });
      this.#makeDir(step.path);
      return;
    }
    await runCommand(node, step, this.logPath(node));
  }

  #makeDir(dir: string): void {
    // Its parents stay reachable for the owner (mkdir -p would give them the 0700 too).
    mkdirSync(dirname(dir), { recursive: true, mode: 0o755 });
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    this.#own(dir);
  }

  #own(path: string): void {
    if (this.owner !== undefined) chownSync(path, this.owner.uid, this.owner.gid);
  }

  #launchOf(node: NodeId): NodeLaunch {
    const launch = this.plan.find((l) => l.id === node);
    if (launch === undefined) throw new Error(`unknown node ${node}`);
    return launch;
  }
}

/** Runs one `run` step to completion within its timeout, its output appended to the log. */
async function runCommand(
  node: NodeId,
  step: Extract<SetupStep, { kind: "run" }>,
  logPath: string,
): Promise<void> {
  const log = openSync(logPath, "a");
  writeFileSync(log, `--- ${step.name}: ${step.command.file} ${step.command.args.join(" ")}\n`);
  const child = spawn(step.command.file, step.command.args, {
    env: step.command.env,
    stdio: ["ignore", log, log],
    detached: true,
  });
  closeSync(log);
  trackGroup(child.pid!);
  const code = await new Promise<number | string>((resolve) => {
    const timer = setTimeout(() => signalGroup(child.pid!, "SIGKILL"), step.timeoutMs);
    child.once("exit", (c, signal) => {
      clearTimeout(timer);
      liveGroups.delete(child.pid!);
      resolve(c ?? signal ?? "unknown");
    });
  });
  if (code !== 0) {
    const tail = readFileSync(logPath, "utf8").trimEnd().split("\n").slice(-8).join("\n");
    throw new Error(`${node}: ${step.name} failed (exit ${code}); log:\n${tail}`);
  }
}
