// A simulated cluster: the nodes of a system's sim launch, each in its shell (sim-node-shell.ts),
// on the simulated network (sim-network.ts), in virtual time (sim-scheduler.ts), all in the
// harness process. It is a Cluster like the local one — the nemesis bundles call the same
// methods — plus the run's clock (virtual time) and a session over the simulated wire. A client
// request travels to its node and its reply back like any trip; a node that is down refuses it,
// a kill resets it, the client's own timeout and the interrupt end it. Every random choice comes
// from the run's seed. Each node's lifecycle (starts, kills with the records they lost, pauses,
// clock offsets) is written to nodes/<id>.log when the cluster stops.
import { mkdirSync, writeFileSync } from "node:fs";
import type {
  NodeAddress,
  NodeId,
  SessionOptions,
  SimLaunch,
  SimNode,
  SimResponse,
  SimWire,
  SystemSession,
} from "../../../systems/system.js";
import { runPaths } from "../../store/run-store.js";
import type { Cluster, ClusterSpec, Link, NodeState } from "../runtime.js";
import { SimNetwork } from "./sim-network.js";
import { SimNodeShell } from "./sim-node-shell.js";
import type { SimSettings } from "./sim-options.js";
import { SimRandom } from "./sim-random.js";
import { type Abortable, SimScheduler, type SimTimer, type SimWaiter } from "./sim-scheduler.js";

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const same = <T>(value: T): T => value;

export class SimCluster implements Cluster, SimWire {
  readonly nodes: readonly NodeId[];
  readonly clock = new SimScheduler();
  readonly network: SimNetwork;
  readonly #shells = new Map<NodeId, SimNodeShell>();
  readonly #clone: <T>(value: T) => T;
  #nextReq = 1;
  #stopped = false;

  constructor(
    readonly spec: ClusterSpec,
    readonly launch: SimLaunch,
    readonly settings: SimSettings,
  ) {
    this.nodes = [...spec.nodeIds];
    this.#clone = settings.copy ? clone : same;
    this.network = new SimNetwork({
      scheduler: this.clock,
      random: new SimRandom(spec.seed, "network"),
      latencyMs: settings.latencyMs,
      jitterMs: settings.jitterMs,
      linkFault: spec.linkFault,
      arrive: (from, to, msgs) => this.#arrive(from, to, msgs),
    });
    const deps = {
      scheduler: this.clock,
      launch,
      nodes: this.nodes,
      random: new SimRandom(spec.seed, "ticks"),
      post: (from: NodeId, to: NodeId, msgs: unknown[]) =>
        this.network.post(from, to, this.#clone(msgs)),
      clone: this.#clone,
    };
    for (const id of this.nodes) this.#shells.set(id, new SimNodeShell(id, deps));
  }

  startAll(): void {
    for (const shell of this.#shells.values()) shell.start();
  }

  /** The session of the system's sim launch over this cluster's wire. */
  connect(session: SessionOptions): SystemSession {
    return this.launch.connect(this, session);
  }

  /** Sim nodes serve no port; the system's sim session does not ask. */
  address(node: NodeId): NodeAddress {
    throw new Error(
      `sim node ${this.#shell(node).id} has no address: its session talks to it in-process`,
    );
  }

  state(node: NodeId): NodeState {
    return this.#shell(node).state;
  }

  running(node: NodeId): SimNode | undefined {
    const shell = this.#shell(node);
    return shell.state === "running" ? shell.node : undefined;
  }

  setClockOffset(node: NodeId, offsetMs: number): void {
    const shell = this.#shell(node);
    if (shell.state !== "running") throw new Error(`node ${node} is ${shell.state}`);
    shell.offsetMs = offsetMs;
    shell.note(`clock offset set to ${offsetMs} ms`);
  }

  request(
    node: NodeId,
    request: unknown,
    options: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<SimResponse> {
    const call = new ClientCall(this, this.#shell(node), request, options.signal);
    if (options.signal?.aborted) call.respond({ ok: false, error: "interrupted" });
    else call.send(options.timeoutMs);
    return call.waiter.promise;
  }

  /** A trip's delay on the wire between the clients and `node`, either way. */
  tripMs(link: string): number {
    return this.network.delayMs(link);
  }

  nextReq(): number {
    return this.#nextReq++;
  }

  clone<T>(value: T): T {
    return this.#clone(value);
  }

  async kill(node: NodeId): Promise<void> {
    this.#shell(node).kill();
  }

  async restart(node: NodeId): Promise<void> {
    const shell = this.#shell(node);
    if (shell.state !== "down")
      throw new Error(`node ${node} is ${shell.state}: kill it before restarting`);
    await this.clock.sleep(this.settings.restartMs);
    if (this.#stopped) throw new Error(`cannot start node ${node}: the cluster is stopped`);
    shell.start();
  }

  async pause(node: NodeId): Promise<void> {
    this.#shell(node).pause();
  }

  async resume(node: NodeId): Promise<void> {
    this.#shell(node).resume();
  }

  async cutLinks(links: readonly Link[]): Promise<void> {
    for (const [from, to] of links) {
      this.#shell(from);
      this.#shell(to);
      if (from === to) throw new Error(`cannot cut the link from ${from} to itself`);
    }
    this.network.cutLinks(links);
  }

  async healLinks(): Promise<void> {
    this.network.heal();
  }

  /** Stops every node and writes their logs; idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    const paths = runPaths(this.spec.runDir);
    mkdirSync(paths.nodesDir, { recursive: true });
    for (const shell of this.#shells.values()) {
      shell.stop();
      writeFileSync(
        paths.nodeLog(shell.id),
        `${shell.log.map((line) => `${shell.id} ${line}`).join("\n")}\n`,
      );
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  #arrive(from: NodeId, to: NodeId, msgs: unknown[]): void {
    const shell = this.#shell(to);
    for (const msg of msgs) if (!shell.deliver({ kind: "receive", from, msg })) return;
  }

  #shell(node: NodeId): SimNodeShell {
    const shell = this.#shells.get(node);
    if (shell === undefined)
      throw new Error(`unknown node "${node}" (the cluster has ${this.nodes.join(", ")})`);
    return shell;
  }
}

/** One client request: to its node and back over the client wire, until its reply, a transport
 * failure, its timeout or the interrupt, whichever comes first. */
class ClientCall implements Abortable {
  readonly waiter: SimWaiter<SimResponse>;
  #timer: SimTimer | undefined;

  constructor(
    readonly cluster: SimCluster,
    readonly shell: SimNodeShell,
    readonly request: unknown,
    readonly signal: AbortSignal | undefined,
  ) {
    this.waiter = cluster.clock.waiter<SimResponse>();
  }

  send(timeoutMs: number): void {
    const { clock } = this.cluster;
    this.#timer = clock.after(timeoutMs, this);
    if (this.signal) clock.listen(this.signal, this);
    clock.after(this.cluster.tripMs(this.shell.fromClients), new Arrival(this));
  }

  arrive(): void {
    const input = {
      kind: "request" as const,
      req: this.cluster.nextReq(),
      request: this.cluster.clone(this.request),
    };
    if (!this.shell.deliver(input, this)) this.answer({ ok: false, error: "connection-refused" });
  }

  /** The node's answer (or its kill's reset): it travels back. */
  answer(response: SimResponse): void {
    const back = this.cluster.tripMs(this.shell.toClients);
    this.cluster.clock.after(back, new Reply(this, response));
  }

  /** The timeout. */
  fire(): void {
    this.respond({ ok: false, error: "client-timeout" });
  }

  aborted(): void {
    this.respond({ ok: false, error: "interrupted" });
  }

  respond(response: SimResponse): void {
    if (this.waiter.done) return;
    this.#timer?.cancel();
    if (this.signal) this.cluster.clock.unlisten(this.signal, this);
    this.waiter.settle(response);
  }
}

/** A client call's request reaching its node. */
class Arrival {
  constructor(readonly call: ClientCall) {}

  fire(): void {
    this.call.arrive();
  }
}

/** A node's answer (or its kill's reset) reaching the client. */
class Reply {
  constructor(
    readonly call: ClientCall,
    readonly response: SimResponse,
  ) {}

  fire(): void {
    this.call.respond(this.call.cluster.clone(this.response));
  }
}
