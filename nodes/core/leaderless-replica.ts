// The leaderless (Dynamo/Riak) replica: every node coordinates client requests. A write is
// applied locally, persisted, sent to every peer, and acknowledged after W acks (coordinator
// included) or answered 504 after requestTimeoutMs (it stays applied: indeterminate). A read
// asks the peers and merges the first R states (r = 1: local only), repairing stale replicas.
// Anti-entropy: every antiEntropyIntervalMs a node exchanges digests with its next peer in a
// seeded-random order that visits every peer once per cycle; one exchange merges a pair both ways,
// so after a heal all nodes agree within 2·(n−1) intervals (plus delivery), without any writes.
// An exchange starts with a fixed-size summary of hash buckets (digest-buckets.ts); per-key
// digests and states follow only for the buckets that differ, so its cost does not grow with
// the number of keys the replicas already agree on.
// Each start of a node is a new actor in the causal metadata (as Riak's vnode epochs): a node
// whose log lost its tail (fsync "never" + kill -9) can then never reuse a dot it had given out.
// What comes from outside is validated before it touches state: a peer's message by
// leaderless-messages.ts (and only from a member), a client's context by the strategy, the actors
// both name against the nodes this start knows (causal-bounds.ts).
import type { ActorCheck } from "./causal-bounds.js";
import {
  badRequest,
  checkQuorum,
  ok,
  staleContext,
  timeout,
  unavailable,
} from "./client-replies.js";
import {
  type LeaderlessMessage,
  MessageError,
  parseLeaderlessMessage,
} from "./leaderless-messages.js";
import type { LeaderlessStrategy, WriteOutcome } from "./leaderless-strategies.js";
import type {
  Clock,
  Effect,
  Input,
  Json,
  KeyState,
  Message,
  NodeId,
  Replica,
  ReplicaConfig,
} from "./replica.js";
import { DigestBuckets } from "./digest-buckets.js";
import { jsonEqual } from "./json-equal.js";
import { seededRandom } from "./seeded-random.js";
import { parseStartId, startId } from "./start-id.js";
import { stateFingerprint } from "./state-fingerprint.js";

const KNOWN_ACTORS_CACHED_MAX = 10_000;

type Pending<S> =
  | {
      kind: "put";
      req: number;
      need: number;
      acks: Set<NodeId>;
      deadlineMs: number;
      context: string;
    }
  | {
      kind: "get";
      req: number;
      key: string;
      need: number;
      states: Map<NodeId, S | undefined>;
      deadlineMs: number;
    };

/** Log records: a key's whole state after a change, and one per start (for unique request ids). */
type LogRecord = { t: "key"; key: string; state: Json } | { t: "boot"; n: number };

export class LeaderlessReplica<S> implements Replica {
  private readonly keys = new Map<string, S>();
  /** The fingerprint of every key's state, by bucket: `store` marks the keys it changes. */
  private readonly digests = new DigestBuckets((key) => stateFingerprint(this.keys.get(key)));
  private nodes: NodeId[];
  private peerList: { of: NodeId[]; peers: readonly NodeId[] } | undefined;
  /** Every node this start has been told of: actors of their starts are accepted in metadata. */
  private readonly knownNodes = new Set<NodeId>();
  /** Actors already found to be starts of known nodes (parsing every actor of every state from a
   * peer again would dominate the cost of anti-entropy). */
  private readonly knownActors = new Set<NodeId>();
  /** Messages checkMessage accepted, until their receive. */
  private readonly checked = new WeakMap<Message, { from: NodeId; parsed: LeaderlessMessage<S> }>();
  private readonly pending = new Map<string, Pending<S>>();
  private readonly random: () => number;
  /** This start's count (one more than the last boot record of the log). */
  private incarnation = 1;
  private seq = 0;
  private booted = false;
  /**
   * This start's id (start-id.ts), its actor in the causal metadata and the prefix of its request
   * ids: unique across restarts even if the log lost its boot records.
   */
  private actor: NodeId;
  private nextAntiEntropyMs: number | undefined;
  private antiEntropyOrder: NodeId[] = [];

  constructor(
    private readonly config: ReplicaConfig,
    private readonly strategy: LeaderlessStrategy<S>,
    recovered: Iterable<Json>,
  ) {
    this.nodes = sortedNodes(config.nodes, config.id);
    for (const node of this.nodes) this.knownNodes.add(node);
    this.random = seededRandom(config.seed, config.id);
    this.actor = config.id;
    let index = 0;
    for (const record of recovered) {
      const r = record as LogRecord;
      if (r?.t === "key" && typeof r.key === "string")
        this.keys.set(r.key, strategy.parse(r.state));
      else if (r?.t === "boot" && Number.isSafeInteger(r.n)) this.incarnation = r.n + 1;
      else
        throw new Error(
          `log record ${index} of ${config.id} is not a leaderless record: ${JSON.stringify(record)}`,
        );
      index++;
    }
    for (const key of this.keys.keys()) this.digests.touch(key);
  }

  role(): "peer" {
    return "peer";
  }

  dump(): Record<string, KeyState> {
    const keys = [...this.keys.keys()].sort();
    return Object.fromEntries(keys.map((k) => [k, this.keyState(this.keys.get(k))]));
  }

  /** Why a peer's message would be refused (the shell answers 400 with it), or undefined. */
  checkMessage(from: NodeId, msg: Message): string | undefined {
    try {
      this.checked.set(msg, { from, parsed: this.parseMessage(from, msg) });
      return undefined;
    } catch (err) {
      if (err instanceof MessageError) return err.message;
      throw err;
    }
  }

  step(input: Input, clock: Clock): Effect[] {
    const out: Effect[] = [];
    if (!this.booted) {
      this.booted = true;
      this.newActor(clock, out);
    }
    switch (input.kind) {
      case "get":
        this.get(input, clock, out);
        break;
      case "put":
        this.put(input, clock, out);
        break;
      case "receive": {
        let msg: LeaderlessMessage<S>;
        try {
          msg = this.takeChecked(input.from, input.msg) ?? this.parseMessage(input.from, input.msg);
        } catch {
          // A malformed message, or one from a stranger, is dropped like a lost one.
          break;
        }
        this.receive(input.from, msg, out);
        break;
      }
      case "peers":
        this.nodes = sortedNodes(input.nodes, this.config.id);
        for (const node of this.nodes) this.knownNodes.add(node);
        break;
      case "tick":
        this.tick(clock, out);
        break;
    }
    return out;
  }

  private keyState(state: S | undefined): KeyState {
    return { values: this.strategy.values(state), context: this.strategy.context(state) };
  }

  /** The members but this node (kept with `nodes`: every write, read and tick asks). */
  private peers(): readonly NodeId[] {
    if (this.peerList === undefined || this.peerList.of !== this.nodes) {
      this.peerList = { of: this.nodes, peers: this.nodes.filter((n) => n !== this.config.id) };
    }
    return this.peerList.peers;
  }

  /** Becomes a new actor: at boot, or when the current one ran out of counters for a key. */
  private newActor(clock: Clock, out: Effect[]): void {
    if (this.actor !== this.config.id) this.incarnation++;
    this.actor = startId(this.config.id, this.incarnation, clock.wallMs);
    out.push(persist({ t: "boot", n: this.incarnation }));
  }

  /**
   * Which actors may appear in `key`'s metadata here: starts of the nodes this start knows, and
   * whatever the key's state already names (a removed node's, say).
   */
  private actorCheck(key: string | undefined): ActorCheck {
    let named: Set<NodeId> | undefined;
    return (actor) => {
      if (this.knownActors.has(actor)) return true;
      const start = parseStartId(actor);
      if (start !== undefined && this.knownNodes.has(start.node)) {
        // Known nodes are only ever added: an actor once known stays known.
        if (this.knownActors.size >= KNOWN_ACTORS_CACHED_MAX) this.knownActors.clear();
        this.knownActors.add(actor);
        return true;
      }
      const local = key === undefined ? undefined : this.keys.get(key);
      named ??= new Set(local === undefined ? [] : this.strategy.actors(local));
      return named.has(actor);
    };
  }

  /**
   * The message as checkMessage parsed it, when the shell asked just before stepping it (it does
   * for every message: validating twice would double the cost of anti-entropy batches). Nothing
   * between the two can make it invalid: members and known nodes only change by a "peers" input,
   * which the shell never steps between a check and its receive.
   */
  private takeChecked(from: NodeId, msg: Message): LeaderlessMessage<S> | undefined {
    const checked = this.checked.get(msg);
    this.checked.delete(msg);
    return checked?.from === from ? checked.parsed : undefined;
  }

  private parseMessage(from: NodeId, msg: Message): LeaderlessMessage<S> {
    if (from === this.config.id || !this.nodes.includes(from)) {
      const peers = this.peers().join(", ") || "no peers";
      throw new MessageError(
        `from ${JSON.stringify(from)}: not a peer of ${this.config.id} (${peers})`,
      );
    }
    return parseLeaderlessMessage<S>(
      msg,
      (json, key) => this.strategy.vet(json, this.actorCheck(key)),
      (id) => {
        const pending = this.pending.get(id);
        return pending?.kind === "get" ? pending.key : undefined;
      },
    );
  }

  /** Request ids carry the start's id: a late answer to a request of an earlier start never matches. */
  private nextId(): string {
    return `${this.actor}/${++this.seq}`;
  }

  /** Merges `incoming` into the local state of `key`; persists if anything changed. */
  private absorb(key: string, incoming: S, out: Effect[]): S {
    const local = this.keys.get(key);
    if (local === undefined) {
      this.store(key, incoming, out);
      return incoming;
    }
    const merged = this.strategy.merge(local, incoming);
    if (!jsonEqual(merged, local)) this.store(key, merged, out);
    return merged;
  }

  private store(key: string, state: S, out: Effect[]): void {
    this.keys.set(key, state);
    this.digests.touch(key);
    out.push(persist({ t: "key", key, state: state as Json }));
  }

  private put(input: Extract<Input, { kind: "put" }>, clock: Clock, out: Effect[]): void {
    const { req, key } = input;
    if (input.value === undefined) return void out.push(badRequest(req, "a write needs a value"));
    const w = input.w ?? this.config.w;
    const bad = checkQuorum(req, "w", w, this.nodes.length);
    if (bad) return void out.push(bad);
    const local = this.keys.get(key);
    let outcome = this.write(input, local, clock);
    if (outcome.kind === "exhausted") {
      // A context pushed this actor's counter for the key to the limit: go on as a fresh actor.
      this.newActor(clock, out);
      outcome = this.write(input, local, clock);
    }
    if (outcome.kind === "exhausted") {
      return void out.push(badRequest(req, "the context claims more writes than any actor makes"));
    }
    if (outcome.kind === "bad-context") return void out.push(badRequest(req, outcome.detail));
    if (outcome.kind === "stale") {
      const { values, context } = this.keyState(local);
      return void out.push(staleContext(req, values, context));
    }
    this.store(key, outcome.state, out);
    const context = this.strategy.context(outcome.state);
    const id = this.nextId();
    for (const peer of this.peers())
      out.push(send(peer, { type: "put", id, key, state: outcome.state as Json }));
    if (w === 1) return void out.push(ok(req, { context }));
    const deadlineMs = clock.monoMs + this.config.requestTimeoutMs;
    this.pending.set(id, { kind: "put", req, need: w - 1, acks: new Set(), deadlineMs, context });
  }

  private write(
    input: Extract<Input, { kind: "put" }>,
    local: S | undefined,
    clock: Clock,
  ): WriteOutcome<S> {
    const known = this.actorCheck(input.key);
    return this.strategy.write(local, input.context, input.value, this.actor, clock.wallMs, known);
  }

  private get(input: Extract<Input, { kind: "get" }>, clock: Clock, out: Effect[]): void {
    const { req, key } = input;
    const r = input.r ?? this.config.r;
    const bad = checkQuorum(req, "r", r, this.nodes.length);
    if (bad) return void out.push(bad);
    if (r === 1) return void out.push(ok(req, this.keyState(this.keys.get(key))));
    const id = this.nextId();
    const states = new Map([[this.config.id, this.keys.get(key)]]);
    const deadlineMs = clock.monoMs + this.config.requestTimeoutMs;
    this.pending.set(id, { kind: "get", req, key, need: r, states, deadlineMs });
    for (const peer of this.peers()) out.push(send(peer, { type: "get", id, key }));
  }

  private receive(from: NodeId, msg: LeaderlessMessage<S>, out: Effect[]): void {
    switch (msg.type) {
      case "put":
        this.absorb(msg.key, msg.state, out);
        out.push(send(from, { type: "put-ack", id: msg.id }));
        break;
      case "put-ack": {
        const pending = this.pending.get(msg.id);
        if (pending?.kind !== "put") break;
        pending.acks.add(from);
        if (pending.acks.size >= pending.need) {
          this.pending.delete(msg.id);
          out.push(ok(pending.req, { context: pending.context }));
        }
        break;
      }
      case "get":
        out.push(
          send(from, {
            type: "get-reply",
            id: msg.id,
            state: (this.keys.get(msg.key) ?? null) as Json,
          }),
        );
        break;
      case "get-reply": {
        const pending = this.pending.get(msg.id);
        if (pending?.kind !== "get") break;
        pending.states.set(from, msg.state);
        if (pending.states.size >= pending.need) {
          this.pending.delete(msg.id);
          this.finishRead(pending, out);
        }
        break;
      }
      case "ae-summary": {
        // The initiator's bucket summary: send it the per-key digest of the buckets that differ.
        const buckets = this.digests.differing(msg.buckets);
        if (buckets.length > 0) {
          const digest = this.digests.digestOf(buckets);
          out.push(send(from, { type: "ae-digest", buckets, digest }));
        }
        break;
      }
      case "ae-digest":
        this.answerDigest(from, msg.digest, msg.buckets, out);
        break;
      case "ae-reply": {
        this.absorbAll(msg.states, out);
        const want = msg.want.filter((k) => this.keys.has(k));
        const states = Object.fromEntries(want.map((k) => [k, this.keys.get(k) as Json]));
        if (want.length > 0) out.push(send(from, { type: "states", states }));
        break;
      }
      case "states":
        this.absorbAll(msg.states, out);
        break;
    }
  }

  private absorbAll(states: ReadonlyMap<string, S>, out: Effect[]): void {
    for (const [key, state] of states) this.absorb(key, state, out);
  }

  private finishRead(pending: Extract<Pending<S>, { kind: "get" }>, out: Effect[]): void {
    let merged: S | undefined;
    for (const s of pending.states.values()) {
      if (s !== undefined) merged = merged === undefined ? s : this.strategy.merge(merged, s);
    }
    if (merged !== undefined && this.config.readRepair) {
      this.absorb(pending.key, merged, out);
      for (const [node, state] of pending.states) {
        if (node !== this.config.id && !jsonEqual(state, merged)) {
          out.push(send(node, { type: "states", states: { [pending.key]: merged as Json } }));
        }
      }
    }
    out.push(ok(pending.req, this.keyState(merged)));
  }

  /**
   * The peer sent a digest of its keys in `buckets`: send back what differs here, ask for what
   * differs there.
   */
  private answerDigest(
    from: NodeId,
    digest: Record<string, number>,
    buckets: readonly number[],
    out: Effect[],
  ): void {
    const local = this.digests.keysIn(buckets);
    const differ = new Set<string>();
    for (const key of local) {
      if (!Object.hasOwn(digest, key) || digest[key] !== this.digests.fingerprint(key))
        differ.add(key);
    }
    const states = Object.fromEntries([...differ].map((k) => [k, this.keys.get(k) as Json]));
    const want = Object.keys(digest).filter((k) => !this.keys.has(k) || differ.has(k));
    if (want.length > 0 || differ.size > 0) {
      out.push(send(from, { type: "ae-reply", states, want }));
    }
  }

  /** The next peer of the current cycle; a new cycle is a fresh seeded shuffle of the peers. */
  private nextAntiEntropyPeer(peers: readonly NodeId[]): NodeId {
    let peer = this.antiEntropyOrder.shift();
    while (peer !== undefined && !peers.includes(peer)) peer = this.antiEntropyOrder.shift();
    if (peer !== undefined) return peer;
    this.antiEntropyOrder = shuffled(peers, this.random);
    return this.antiEntropyOrder.shift()!;
  }

  private tick(clock: Clock, out: Effect[]): void {
    for (const [id, p] of this.pending) {
      if (clock.monoMs < p.deadlineMs) continue;
      this.pending.delete(id);
      const waitedMs = this.config.requestTimeoutMs;
      if (p.kind === "put") {
        const detail = `${p.acks.size + 1} of ${p.need + 1} acks within ${waitedMs}ms; applied on ${this.config.id}`;
        out.push(timeout(p.req, detail));
      } else {
        out.push(
          unavailable(
            p.req,
            `${p.states.size} of ${p.need} replicas answered within ${waitedMs}ms`,
          ),
        );
      }
    }
    const intervalMs = this.config.antiEntropyIntervalMs;
    const peers = this.peers();
    if (intervalMs <= 0 || peers.length === 0) return;
    // The first exchange comes after a random part of an interval, so nodes do not move in step.
    this.nextAntiEntropyMs ??= clock.monoMs + Math.floor(this.random() * intervalMs);
    if (clock.monoMs < this.nextAntiEntropyMs) return;
    this.nextAntiEntropyMs = clock.monoMs + intervalMs;
    const peer = this.nextAntiEntropyPeer(peers);
    out.push(send(peer, { type: "ae-summary", buckets: this.digests.summary() }));
  }
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function sortedNodes(nodes: readonly NodeId[], self: NodeId): NodeId[] {
  return [...new Set([...nodes, self])].sort();
}

function persist(record: LogRecord): Effect {
  return { kind: "persist", record: record as Json };
}

function send(to: NodeId, msg: Message): Effect {
  return { kind: "send", to, msg };
}
