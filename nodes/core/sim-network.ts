// A deterministic in-memory cluster for core tests. Fault model: time is simulated; a message
// takes latencyMs and is dropped if its link is cut (at send or at delivery) or its target is
// down; otherwise each link delivers in order (unless a latency function reorders it). A crash
// loses the node's in-flight requests and keeps its log; a restart replays the log. Messages and
// log records go through JSON. As the HTTP shell does, a message the receiver's checkMessage
// refuses is dropped (and listed in `refused`). A leader-build cluster starts once it has elected
// a leader (as the harness starts one: ready before any client), and every step records who
// leads which term.
import { createReplica } from "./create-replica.js";
import type {
  Build,
  Clock,
  Effect,
  Input,
  Json,
  KeyState,
  Message,
  NodeId,
  Replica,
  ReplicaConfig,
  ReplyBody,
  Strategy,
} from "./replica.js";

export interface SimOptions {
  build: Build;
  strategy: Strategy;
  nodeCount?: number;
  config?: Partial<Omit<ReplicaConfig, "id" | "nodes" | "build" | "strategy">>;
  /** Per message, to reorder a link (as the server's transport may, with posts in flight). */
  latencyMs?: number | ((from: NodeId, to: NodeId, msg: Message) => number);
  tickMs?: number;
  /** Each node starts knowing only itself until `setPeers` (as under the Docker runtime). */
  alone?: boolean;
  /** Leader build: do not wait for the first leader in the constructor. */
  noElection?: boolean;
  /** After every step, check that replaying the node's log rebuilds its dump (slow). */
  checkReplay?: boolean;
}

export interface Reply {
  status: number;
  body: ReplyBody;
}

/** The values of a 200 read, sorted (throws on any other answer). */
export function replyValues(reply: Reply): Json[] {
  if (!("values" in reply.body)) throw new Error(`expected values, got ${JSON.stringify(reply)}`);
  return [...reply.body.values].sort();
}

/** The context of an answer that has one (throws on any other answer). */
export function replyContext(reply: Reply): string {
  if (!("context" in reply.body))
    throw new Error(`expected a context, got ${JSON.stringify(reply)}`);
  return reply.body.context;
}

/** Wall clocks start here, so LWW stamps look like real ones. */
const WALL_EPOCH_MS = 1_700_000_000_000;

interface InFlight {
  from: NodeId;
  to: NodeId;
  msg: Message;
  atMs: number;
}

export class SimNetwork {
  readonly ids: NodeId[];
  nowMs = 0;
  /** Every effect of every node, as text: two runs with the same inputs have the same trace. */
  readonly trace: string[] = [];
  readonly logs = new Map<NodeId, Json[]>();
  /** "from>to detail" of every message a receiver's checkMessage refused. */
  readonly refused: string[] = [];
  /** The lines each node wrote to its own log ("log" effects), in order. */
  readonly lines = new Map<NodeId, string[]>();
  /** Leader build: every node seen leading each term (Raft's Election Safety: at most one). */
  readonly leadersByTerm = new Map<number, Set<NodeId>>();
  private readonly replicas = new Map<NodeId, Replica>();
  private readonly down = new Set<NodeId>();
  private readonly cuts = new Set<string>();
  private readonly offsetsMs = new Map<NodeId, number>();
  private readonly members = new Map<NodeId, readonly NodeId[]>();
  private readonly replies = new Map<number, Reply>();
  private inFlight: InFlight[] = [];
  private nextReq = 1;
  private nextTickMs: number;
  private readonly latencyMs: (from: NodeId, to: NodeId, msg: Message) => number;
  private readonly tickMs: number;

  constructor(private readonly options: SimOptions) {
    this.ids = Array.from({ length: options.nodeCount ?? 3 }, (_, i) => `n${i + 1}`);
    const latencyMs = options.latencyMs ?? 1;
    this.latencyMs = typeof latencyMs === "number" ? () => latencyMs : latencyMs;
    this.tickMs = options.tickMs ?? 10;
    this.nextTickMs = this.tickMs;
    for (const id of this.ids) {
      this.logs.set(id, []);
      this.lines.set(id, []);
      this.members.set(id, options.alone ? [id] : this.ids);
      this.replicas.set(id, createReplica(this.config(id), []));
    }
    if (options.build === "leader" && !options.alone && !options.noElection) {
      if (!this.runUntil(() => this.led(), 5_000))
        throw new Error("no leader elected within 5000ms of simulated time");
    }
  }

  /** Leader build: a leader leads and every live node knows it. */
  led(): boolean {
    const leader = this.leader();
    if (leader === undefined) return false;
    return this.ids.every(
      (id) => this.down.has(id) || this.replica(id).health?.().leader === leader,
    );
  }

  /** Leader build: the live leader of the highest term, if any. */
  leader(): NodeId | undefined {
    let best: { id: NodeId; term: number } | undefined;
    for (const id of this.ids) {
      const replica = this.replicas.get(id)!;
      if (this.down.has(id) || replica.role() !== "leader") continue;
      const term = replica.health?.().term ?? 0;
      if (best === undefined || term > best.term) best = { id, term };
    }
    return best?.id;
  }

  isDown(node: NodeId): boolean {
    return this.down.has(node);
  }

  config(id: NodeId): ReplicaConfig {
    return {
      id,
      nodes: this.members.get(id) ?? this.ids,
      build: this.options.build,
      strategy: this.options.strategy,
      acks: "one",
      electionTimeoutMs: 100,
      w: 2,
      r: 2,
      readRepair: true,
      antiEntropyIntervalMs: 100,
      requestTimeoutMs: 200,
      seed: 7,
      ...this.options.config,
    };
  }

  replica(id: NodeId): Replica {
    return this.replicas.get(id)!;
  }

  /** Hands a client request to `node` now; its answer appears under the returned id. */
  submit(
    node: NodeId,
    input:
      | Omit<Extract<Input, { kind: "get" }>, "req">
      | Omit<Extract<Input, { kind: "put" }>, "req">,
  ): number {
    const req = this.nextReq++;
    this.step(node, { ...input, req } as Input);
    return req;
  }

  reply(req: number): Reply | undefined {
    return this.replies.get(req);
  }

  /** Submits a request and runs until it is answered (or throws after `limitMs`). */
  request(node: NodeId, input: Parameters<SimNetwork["submit"]>[1], limitMs = 5_000): Reply {
    const req = this.submit(node, input);
    this.runUntil(() => this.replies.has(req), limitMs);
    const reply = this.replies.get(req);
    if (reply === undefined) throw new Error(`no answer from ${node} within ${limitMs}ms`);
    return reply;
  }

  put(node: NodeId, key: string, value: Json, context?: string, w?: number): Reply {
    return this.request(node, { kind: "put", key, value, context, w });
  }

  get(node: NodeId, key: string, r?: number): Reply {
    return this.request(node, { kind: "get", key, r });
  }

  /** Cuts both directions between every node of `a` and every node of `b`. */
  partition(a: readonly NodeId[], b: readonly NodeId[]): void {
    for (const x of a) for (const y of b) this.cuts.add(`${x}>${y}`).add(`${y}>${x}`);
  }

  cutOneWay(from: NodeId, to: NodeId): void {
    this.cuts.add(`${from}>${to}`);
  }

  heal(): void {
    this.cuts.clear();
  }

  crash(node: NodeId): void {
    this.down.add(node);
  }

  /**
   * Starts `node` again from its log, 1ms later (crashing it first if it is up: in-flight requests
   * are lost). `loseLastRecords` drops the log's tail first, as kill -9 does under fsync "never".
   */
  restart(node: NodeId, loseLastRecords = 0): void {
    this.down.add(node);
    this.run(1);
    const log = this.logs.get(node)!;
    log.splice(Math.max(0, log.length - loseLastRecords));
    this.down.delete(node);
    this.replicas.set(node, createReplica(this.config(node), this.logs.get(node)!));
  }

  setClockOffset(node: NodeId, offsetMs: number): void {
    this.offsetsMs.set(node, offsetMs);
  }

  /** Membership as the shell learns it (POST /admin/peers); a restart keeps it. */
  setPeers(node: NodeId, nodes: readonly NodeId[]): void {
    this.members.set(node, nodes);
    this.step(node, { kind: "peers", nodes });
  }

  dump(node: NodeId): Record<string, KeyState> {
    return this.replica(node).dump();
  }

  /** True when every live node has the same dump. */
  agree(): boolean {
    const dumps = this.ids
      .filter((id) => !this.down.has(id))
      .map((id) => JSON.stringify(this.dump(id)));
    return dumps.every((d) => d === dumps[0]);
  }

  /** Advances simulated time by `ms`, delivering messages and ticking every live node. */
  run(ms: number): void {
    this.runUntil(() => false, ms);
  }

  /** Advances time until `done()` holds (checked after every event) or `limitMs` passes. */
  runUntil(done: () => boolean, limitMs: number): boolean {
    const endMs = this.nowMs + limitMs;
    while (!done()) {
      const message = this.inFlight[0];
      const nextMs = Math.min(message?.atMs ?? Number.POSITIVE_INFINITY, this.nextTickMs);
      if (nextMs > endMs) {
        this.nowMs = endMs;
        return false;
      }
      this.nowMs = nextMs;
      if (message !== undefined && message.atMs === nextMs) {
        this.inFlight.shift();
        if (!this.blocked(message.from, message.to)) this.deliver(message);
      } else {
        this.nextTickMs += this.tickMs;
        for (const id of this.ids) if (!this.down.has(id)) this.step(id, { kind: "tick" });
      }
    }
    return true;
  }

  private deliver({ from, to, msg }: InFlight): void {
    const problem = this.replica(to).checkMessage?.(from, msg);
    if (problem === undefined) this.step(to, { kind: "receive", from, msg });
    else this.refused.push(`${from}>${to} ${problem}`);
  }

  private blocked(from: NodeId, to: NodeId): boolean {
    return this.cuts.has(`${from}>${to}`) || this.down.has(from) || this.down.has(to);
  }

  private clock(node: NodeId): Clock {
    return {
      monoMs: this.nowMs,
      wallMs: WALL_EPOCH_MS + this.nowMs + (this.offsetsMs.get(node) ?? 0),
    };
  }

  private step(node: NodeId, input: Input): void {
    if (this.down.has(node)) return;
    const effects = this.replica(node).step(input, this.clock(node));
    // Durability: the core emits every persist before any reply or send of the same step, so the
    // shell makes state durable before anyone can learn of it.
    const firstOut = effects.findIndex((e) => e.kind !== "persist");
    if (firstOut >= 0 && effects.slice(firstOut).some((e) => e.kind === "persist")) {
      throw new Error(`${node} persisted after a reply or send: ${JSON.stringify(effects)}`);
    }
    for (const effect of effects) this.perform(node, effect);
    this.noteLeader(node);
    if (this.options.checkReplay) {
      const replayed = createReplica(this.config(node), this.logs.get(node)!).dump();
      const live = this.dump(node);
      if (JSON.stringify(replayed) !== JSON.stringify(live)) {
        throw new Error(
          `replaying ${node}'s log does not rebuild its state after ${JSON.stringify(input)}`,
        );
      }
    }
  }

  private noteLeader(node: NodeId): void {
    const replica = this.replica(node);
    if (replica.role() !== "leader" || replica.health === undefined) return;
    const term = replica.health().term;
    const leaders = this.leadersByTerm.get(term) ?? new Set<NodeId>();
    this.leadersByTerm.set(term, leaders.add(node));
  }

  private perform(node: NodeId, effect: Effect): void {
    const text = JSON.stringify(effect);
    this.trace.push(`${this.nowMs} ${node} ${text}`);
    const copy = JSON.parse(text) as Effect;
    switch (copy.kind) {
      case "persist":
        this.logs.get(node)!.push(copy.record);
        break;
      case "reply":
        this.replies.set(copy.req, { status: copy.status, body: copy.body });
        break;
      case "log":
        this.lines.get(node)!.push(copy.line);
        break;
      case "send": {
        if (this.blocked(node, copy.to) || !this.replicas.has(copy.to)) break;
        // Keeps the queue sorted by delivery time; equal times keep send order.
        const atMs = this.nowMs + this.latencyMs(node, copy.to, copy.msg);
        const message = { from: node, to: copy.to, msg: copy.msg, atMs };
        const last = this.inFlight.at(-1);
        if (last === undefined || last.atMs <= atMs) this.inFlight.push(message);
        else
          this.inFlight.splice(
            this.inFlight.findIndex((m) => m.atMs > atMs),
            0,
            message,
          );
        break;
      }
    }
  }
}
