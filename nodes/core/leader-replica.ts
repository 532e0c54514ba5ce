// The leader build: one leader (config.leader, default the first node in sorted order) orders
// every write; followers forward client writes to it and serve reads from their own state.
// The leader numbers changes with a log sequence number (lsn) and pushes each changed key to the
// followers, waiting for all of them under acks "all". Followers apply a key only if its version
// is newer and pull what they missed (everything above their watermark) periodically; the pull's
// answer doubles as a heartbeat: a follower that has not heard one lately knows the leader is
// unreachable and refuses writes with a definite 503 instead of forwarding them into the void.
// Likewise, under acks "all" the leader refuses (503) while a follower has not pulled lately.
// Each start of the leader is a new epoch, part of every version it gives: a restart that lost the
// log's tail (fsync never) reuses lsns but never a version, so a context from a lost write is stale.
// A follower that pulls from a new epoch gets the whole state and adopts it, so followers converge.
// Links may reorder messages (the server keeps several posts in flight per peer): a follower drops
// any message of its own epoch older than its watermark.
import { badRequest, ok, timeout, unavailable } from "./client-replies.js";
import {
  decodeLeaderContext,
  type LeaderKey,
  leaderKeyState,
  leaderWrite,
  parseLeaderKey,
  replaces,
  type Version,
} from "./leader-strategies.js";
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
  ReplyBody,
} from "./replica.js";
import { startId } from "./start-id.js";

/** Who asked for a write: a client of this node, or a follower that forwarded it. */
type Origin = { req: number } | { from: NodeId; id: Json };

type Pending =
  | { kind: "forward"; req: number; deadlineMs: number }
  | {
      kind: "replicate";
      origin: Origin;
      waiting: Set<NodeId>;
      deadlineMs: number;
      context: string;
    };

/**
 * Log records: a key's state after a change (lsn: the leader's sequence number, or a follower's
 * watermark), a watermark alone (with the leader epoch it counts in; null: none, the next pull
 * resyncs), a key dropped by a full resync, and one per start (the start count).
 */
type LogRecord =
  | { t: "key"; key: string; state: LeaderKey; lsn: number }
  | { t: "lsn"; lsn: number; epoch: string | null }
  | { t: "drop"; key: string }
  | { t: "boot"; n: number };

export class LeaderReplica implements Replica {
  private readonly keys = new Map<string, LeaderKey>();
  private nodes: NodeId[];
  private leader: NodeId;
  /** Leader: the last sequence number given. Follower: every change up to it is applied. */
  private lsn = 0;
  private readonly pending = new Map<string, Pending>();
  private incarnation = 1;
  private seq = 0;
  private booted = false;
  /** Follower: when the leader last answered (a pull or a forwarded write). */
  private lastHeardMs = 0;
  private nextPullMs = 0;
  /** Leader: when each follower last pulled (their pulls are their heartbeats). */
  private readonly lastPullMs = new Map<NodeId, number>();
  private bootMs = 0;
  /**
   * This start's epoch (start-id.ts: node id, start count, wall clock at start). Unique across
   * starts even if the log lost its boot records, as the lsn is not.
   */
  private epoch = "";
  /** Follower: the leader epoch its watermark counts in (undefined: none, the next pull resyncs). */
  private leaderEpoch: string | undefined;

  constructor(
    private readonly config: ReplicaConfig,
    recovered: Iterable<Json>,
  ) {
    this.nodes = [...new Set([...config.nodes, config.id])].sort();
    this.leader = config.leader ?? this.nodes[0]!;
    let index = 0;
    for (const record of recovered) {
      const r = record as LogRecord;
      if (r?.t === "key" && typeof r.key === "string")
        this.keys.set(r.key, parseLeaderKey(r.state));
      else if (r?.t === "drop" && typeof r.key === "string") this.keys.delete(r.key);
      else if (r?.t === "boot" && Number.isSafeInteger(r.n)) this.incarnation = r.n + 1;
      else if (r?.t === "lsn") this.leaderEpoch = typeof r.epoch === "string" ? r.epoch : undefined;
      else
        throw new Error(
          `log record ${index} of ${config.id} is not a leader-build record: ${JSON.stringify(record)}`,
        );
      // The last watermark counts: a full resync may set it back (a leader that lost its tail).
      if ((r.t === "key" || r.t === "lsn") && Number.isSafeInteger(r.lsn)) this.lsn = r.lsn;
      index++;
    }
  }

  role(): "leader" | "follower" {
    return this.isLeader() ? "leader" : "follower";
  }

  dump(): Record<string, KeyState> {
    const keys = [...this.keys.keys()].sort();
    return Object.fromEntries(keys.map((k) => [k, leaderKeyState(this.keys.get(k))]));
  }

  step(input: Input, clock: Clock): Effect[] {
    const out: Effect[] = [];
    if (!this.booted) {
      this.booted = true;
      this.lastHeardMs = clock.monoMs;
      this.bootMs = clock.monoMs;
      this.epoch = startId(this.config.id, this.incarnation, clock.wallMs);
      out.push(persist({ t: "boot", n: this.incarnation }));
    }
    switch (input.kind) {
      case "get":
        out.push(ok(input.req, leaderKeyState(this.keys.get(input.key))));
        break;
      case "put":
        if (input.value === undefined) out.push(badRequest(input.req, "a write needs a value"));
        else if (this.isLeader())
          this.write({ req: input.req }, input.key, input.value, input.context, clock, out);
        else this.forward(input, clock, out);
        break;
      case "receive":
        try {
          this.receive(input.from, input.msg, clock, out);
        } catch {
          // A malformed message from a peer is dropped, like a lost one.
        }
        break;
      case "peers":
        this.nodes = [...new Set([...input.nodes, this.config.id])].sort();
        this.leader = this.config.leader ?? this.nodes[0]!;
        // A new leader gets a full timeout to answer before writes are refused.
        this.lastHeardMs = clock.monoMs;
        break;
      case "tick":
        this.tick(clock, out);
        break;
    }
    return out;
  }

  private isLeader(): boolean {
    return this.leader === this.config.id;
  }

  private followers(): NodeId[] {
    return this.nodes.filter((n) => n !== this.leader);
  }

  /** Request ids carry the epoch: a late answer to a request of an earlier start never matches. */
  private nextId(): string {
    return `${this.epoch}/${++this.seq}`;
  }

  /** Followers pull at the anti-entropy interval (or at the request timeout if that is off). */
  private pullIntervalMs(): number {
    const every =
      this.config.antiEntropyIntervalMs > 0
        ? this.config.antiEntropyIntervalMs
        : this.config.requestTimeoutMs;
    return Math.max(1, Math.min(every, Math.floor(this.config.requestTimeoutMs / 2)));
  }

  private answer(
    origin: Origin,
    status: 200 | 400 | 409 | 503 | 504,
    body: ReplyBody,
    out: Effect[],
  ): void {
    if ("req" in origin) out.push({ kind: "reply", req: origin.req, status, body });
    else
      out.push(
        send(origin.from, {
          type: "fwd-reply",
          id: origin.id,
          status,
          body: body as unknown as Json,
        }),
      );
  }

  /** The leader applies a write from a client or a follower. */
  private write(
    origin: Origin,
    key: string,
    value: Json,
    context: string | undefined,
    clock: Clock,
    out: Effect[],
  ): void {
    const based = context === undefined ? undefined : decodeLeaderContext(context);
    if (based !== undefined && !based.ok) {
      this.answer(origin, 400, { error: "bad-request", detail: based.detail }, out);
      return;
    }
    const local = this.keys.get(key);
    const version: Version = [this.epoch, this.lsn + 1];
    const state = leaderWrite(this.config.strategy, local, based?.value, value, version);
    if (state === "stale") {
      const { values, context: current } = leaderKeyState(local);
      this.answer(origin, 409, { error: "stale-context", values, context: current }, out);
      return;
    }
    const followers = this.followers();
    if (this.config.acks === "all") {
      const silent = followers.filter(
        (f) =>
          clock.monoMs - (this.lastPullMs.get(f) ?? this.bootMs) > this.config.requestTimeoutMs,
      );
      if (silent.length > 0) {
        const detail = `acks "all": follower(s) ${silent.join(",")} unreachable; not applied`;
        this.answer(origin, 503, { error: "unavailable", detail }, out);
        return;
      }
    }
    this.lsn = version[1];
    this.keys.set(key, state);
    out.push(persist({ t: "key", key, state, lsn: this.lsn }));
    const reply = { context: leaderKeyState(state).context };
    if (this.config.acks === "all" && followers.length > 0) {
      const id = this.nextId();
      const deadlineMs = clock.monoMs + this.config.requestTimeoutMs;
      this.pending.set(id, {
        kind: "replicate",
        origin,
        waiting: new Set(followers),
        deadlineMs,
        context: reply.context,
      });
      for (const f of followers)
        out.push(
          send(f, {
            type: "repl",
            id,
            epoch: this.epoch,
            lsn: this.lsn,
            key,
            state: state as unknown as Json,
          }),
        );
      return;
    }
    for (const f of followers)
      out.push(
        send(f, {
          type: "repl",
          epoch: this.epoch,
          lsn: this.lsn,
          key,
          state: state as unknown as Json,
        }),
      );
    this.answer(origin, 200, reply, out);
  }

  /** A follower hands a client write to the leader, unless it knows the leader is unreachable. */
  private forward(input: Extract<Input, { kind: "put" }>, clock: Clock, out: Effect[]): void {
    if (input.context !== undefined) {
      const based = decodeLeaderContext(input.context);
      if (!based.ok) return void out.push(badRequest(input.req, based.detail));
    }
    const silentMs = clock.monoMs - this.lastHeardMs;
    if (silentMs > this.config.requestTimeoutMs) {
      return void out.push(
        unavailable(
          input.req,
          `leader ${this.leader} unreachable (silent for ${silentMs}ms); not forwarded`,
        ),
      );
    }
    const id = this.nextId();
    this.pending.set(id, {
      kind: "forward",
      req: input.req,
      deadlineMs: clock.monoMs + this.config.requestTimeoutMs,
    });
    const msg: Message = { type: "fwd", id, key: input.key, value: input.value };
    if (input.context !== undefined) msg.context = input.context;
    out.push(send(this.leader, msg));
  }

  private receive(from: NodeId, msg: Message, clock: Clock, out: Effect[]): void {
    const pending = typeof msg.id === "string" ? this.pending.get(msg.id) : undefined;
    switch (msg.type) {
      case "fwd": {
        const origin = { from, id: msg.id ?? null };
        if (!this.isLeader()) {
          this.answer(
            origin,
            503,
            { error: "unavailable", detail: `${this.config.id} is not the leader` },
            out,
          );
        } else {
          const context = typeof msg.context === "string" ? msg.context : undefined;
          this.write(origin, String(msg.key), msg.value ?? null, context, clock, out);
        }
        break;
      }
      case "fwd-reply":
        if (from === this.leader) this.lastHeardMs = clock.monoMs;
        if (pending?.kind !== "forward") break;
        this.pending.delete(msg.id as string);
        out.push({
          kind: "reply",
          req: pending.req,
          status: msg.status as 200,
          body: msg.body as unknown as ReplyBody,
        });
        break;
      case "repl": {
        const state = parseLeaderKey(msg.state);
        const lsn = msg.lsn;
        if (!Number.isSafeInteger(lsn)) break;
        if (msg.epoch !== this.leaderEpoch) {
          // Not ordered against the watermark (a new leader epoch, or a late push of an old one):
          // applied, and the watermark forgets its epoch so that the next pull resyncs fully.
          this.apply(String(msg.key), state, undefined, out);
          if (this.leaderEpoch !== undefined) {
            this.leaderEpoch = undefined;
            out.push(persist({ t: "lsn", lsn: this.lsn, epoch: null }));
          }
        } else if ((lsn as number) > this.lsn) {
          this.apply(String(msg.key), state, lsn as number, out);
        } // else: reordered, older than the watermark; this follower has it or a newer state.
        if (msg.id !== undefined) out.push(send(from, { type: "repl-ack", id: msg.id }));
        break;
      }
      case "repl-ack":
        if (pending?.kind !== "replicate") break;
        pending.waiting.delete(from);
        if (pending.waiting.size === 0) {
          this.pending.delete(msg.id as string);
          this.answer(pending.origin, 200, { context: pending.context }, out);
        }
        break;
      case "pull": {
        if (!this.isLeader()) break;
        this.lastPullMs.set(from, clock.monoMs);
        // A follower synced with another epoch (or never) gets everything, to adopt as a whole.
        const full = msg.epoch !== this.epoch;
        const since = full ? -1 : (msg.since as number);
        // A follower in this epoch resynced at its start: it lacks only changes of this epoch.
        const states = Object.fromEntries(
          [...this.keys].filter(([, s]) => full || (s.v[0] === this.epoch && s.v[1] > since)),
        );
        const reply = { type: "catch-up", full, epoch: this.epoch, lsn: this.lsn, states };
        out.push(send(from, reply as unknown as Message));
        break;
      }
      case "catch-up": {
        if (from !== this.leader) break;
        this.lastHeardMs = clock.monoMs;
        const { lsn, epoch } = msg;
        if (!Number.isSafeInteger(lsn) || typeof epoch !== "string") break;
        // Answers may be reordered: one of this epoch no newer than the watermark is old news
        // (a full one would even drop what came since). An answer from another epoch is adopted
        // whole; if it was a late one of an old epoch, the next pull resyncs again.
        if (epoch === this.leaderEpoch && (lsn as number) <= this.lsn) break;
        // A partial answer of another epoch answers a pull made before the last resync.
        if (msg.full !== true && epoch !== this.leaderEpoch) break;
        const states = parseStates(msg.states);
        if (msg.full === true) this.resync(states, epoch, lsn as number, out);
        else for (const [key, state] of states) this.apply(key, state, undefined, out);
        // The answer carries every change of its epoch up to its lsn.
        this.lsn = lsn as number;
        this.leaderEpoch = epoch;
        out.push(persist({ t: "lsn", lsn: this.lsn, epoch }));
        break;
      }
    }
  }

  /** A follower adopts the leader's whole state (a new leader epoch: it may have lost changes). */
  private resync(states: Map<string, LeaderKey>, epoch: string, lsn: number, out: Effect[]): void {
    // A push that overtook the answer (same epoch, above its lsn) is newer: kept.
    const newer = (key: string) => {
      const local = this.keys.get(key);
      return local !== undefined && local.v[0] === epoch && local.v[1] > lsn;
    };
    for (const key of [...this.keys.keys()]) {
      if (states.has(key) || newer(key)) continue;
      this.keys.delete(key);
      out.push(persist({ t: "drop", key }));
    }
    for (const [key, state] of states) {
      if (newer(key) || JSON.stringify(state) === JSON.stringify(this.keys.get(key))) continue;
      this.keys.set(key, state);
      out.push(persist({ t: "key", key, state, lsn: this.lsn }));
    }
  }

  /** A follower applies a key's state if it is newer; `lsn` advances the watermark if it is the next one. */
  private apply(key: string, state: LeaderKey, lsn: number | undefined, out: Effect[]): void {
    const local = this.keys.get(key);
    const watermark = lsn === this.lsn + 1 ? lsn : this.lsn;
    if (replaces(state, local)) {
      this.keys.set(key, state);
      this.lsn = watermark;
      out.push(persist({ t: "key", key, state, lsn: watermark }));
    } else if (watermark > this.lsn) {
      this.lsn = watermark;
      out.push(persist({ t: "lsn", lsn: watermark, epoch: this.leaderEpoch ?? null }));
    }
  }

  private tick(clock: Clock, out: Effect[]): void {
    for (const [id, p] of this.pending) {
      if (clock.monoMs < p.deadlineMs) continue;
      this.pending.delete(id);
      const waitedMs = this.config.requestTimeoutMs;
      if (p.kind === "forward") {
        out.push(
          timeout(p.req, `forwarded to leader ${this.leader}, no answer within ${waitedMs}ms`),
        );
      } else {
        const missing = [...p.waiting].join(",");
        const detail = `applied on leader ${this.config.id}; followers ${missing} did not acknowledge within ${waitedMs}ms`;
        this.answer(p.origin, 504, { error: "timeout", detail }, out);
      }
    }
    if (this.isLeader() || clock.monoMs < this.nextPullMs) return;
    this.nextPullMs = clock.monoMs + this.pullIntervalMs();
    const pull: Message = { type: "pull", since: this.lsn };
    if (this.leaderEpoch !== undefined) pull.epoch = this.leaderEpoch;
    out.push(send(this.leader, pull));
  }
}

/** The states of a catch-up, all parsed before any is applied (a malformed one drops it all). */
function parseStates(json: Json | undefined): Map<string, LeaderKey> {
  if (typeof json !== "object" || json === null || Array.isArray(json))
    throw new Error(`bad states ${JSON.stringify(json)}`);
  return new Map(Object.entries(json).map(([key, state]) => [key, parseLeaderKey(state)]));
}

function persist(record: LogRecord): Effect {
  return { kind: "persist", record: record as unknown as Json };
}

function send(to: NodeId, msg: Message): Effect {
  return { kind: "send", to, msg };
}
