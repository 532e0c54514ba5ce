// The replica as a deterministic state machine: the contract between the pure core and the
// shells that run it (the HTTP server, and sim-network.ts in the core's tests). No I/O, no wall
// clock, no Math.random inside: time comes in with every input, randomness from config.seed,
// messages and storage go out as effects. Same config + recovered records + inputs → same effects.

export type NodeId = string;
export type Build = "leader" | "leaderless";
export type Strategy = "lww" | "reject" | "siblings";
export const BUILDS = ["leader", "leaderless"] as const satisfies readonly Build[];
export const STRATEGIES = ["lww", "reject", "siblings"] as const satisfies readonly Strategy[];

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface ReplicaConfig {
  id: NodeId;
  /** Every node of the cluster, this one included. May grow later (input "peers"). */
  nodes: readonly NodeId[];
  build: Build;
  strategy: Strategy;
  /**
   * leader build: `nodes` is this node alone and that is the whole cluster (a cluster of one).
   * Without it, a leader-build node that knows no peer takes no part in elections until a
   * "peers" input gives its membership (a "peers" input of itself alone makes it a cluster of one).
   */
  alone?: boolean;
  /** leader build: the node that stands for election at once on a fresh start (term 0). */
  leader?: NodeId;
  /**
   * leader build: when a write is acknowledged: "one" after the leader's own log (replication is
   * asynchronous), "quorum" once a majority holds it, "all" once every node holds it.
   */
  acks: "one" | "quorum" | "all";
  /** leader build: a follower that hears no leader for this long (randomized up to twice it)
   * stands for election; a leader that hears no majority for this long steps down. */
  electionTimeoutMs?: number;
  /** leaderless: default write / read quorums (a request may override). r = 1 reads locally only. */
  w: number;
  r: number;
  /** leaderless: repair stale replicas seen by a read. */
  readRepair: boolean;
  /** leaderless: how often to exchange state with a peer; 0 turns anti-entropy off. */
  antiEntropyIntervalMs: number;
  /** How long a request waits for peers before answering 503/504. */
  requestTimeoutMs: number;
  /** Seeds the core's own PRNG (e.g. anti-entropy peer choice). */
  seed: number;
}

/** Times a shell passes with every input, in milliseconds. */
export interface Clock {
  /** Monotonic: for timeouts and intervals. */
  monoMs: number;
  /** The node's wall clock, including the admin clock offset: for LWW timestamps. */
  wallMs: number;
}

/** A message between replicas: JSON, opaque to the shell. */
export type Message = { type: string; [field: string]: Json | undefined };

export type Input =
  /** A client read; `req` identifies the request in the shell. */
  | { kind: "get"; req: number; key: string; r?: number }
  /** A client write; `context` is the opaque string from an earlier read, if any. */
  | { kind: "put"; req: number; key: string; value: Json; context?: string; w?: number }
  /** A message from a peer. */
  | { kind: "receive"; from: NodeId; msg: Message }
  /** Membership changed (POST /admin/peers): the full node list, this one included. */
  | { kind: "peers"; nodes: readonly NodeId[] }
  /** Time passed; the shell ticks every few tens of milliseconds. */
  | { kind: "tick" };

/** A body of the node API (README, "The node API"). */
export type ReplyBody =
  | { values: Json[]; context: string }
  | { context: string }
  | { error: "stale-context"; values: Json[]; context: string }
  | { error: "unavailable"; detail: string; leader?: NodeId }
  | { error: "timeout" | "bad-request"; detail: string };

export type Effect =
  /** Answer client request `req`. */
  | { kind: "reply"; req: number; status: 200 | 400 | 409 | 503 | 504; body: ReplyBody }
  /** Send a message to a peer; it may be lost or overtaken by a later one (no delivery or order
   * guarantee: the server keeps several posts in flight per peer). */
  | { kind: "send"; to: NodeId; msg: Message }
  /**
   * Append a record to the durable log. The shell makes every persist durable (per its fsync
   * setting) before it performs any reply or send that follows it in the same effect list.
   */
  | { kind: "persist"; record: Json }
  /** A line for the node's own log (stderr): events a report can show, e.g. discarded writes. */
  | { kind: "log"; line: string };

export interface KeyState {
  values: Json[];
  context: string;
}

/** What a leader-build node tells GET /health besides its role. */
export interface LeadershipHealth {
  term: number;
  /** The leader of `term`, once this node has heard from it (or is it). */
  leader: NodeId | null;
  /** Peer messages dropped as malformed or from a node outside the membership. */
  droppedMessages: number;
}

export interface Replica {
  step(input: Input, clock: Clock): Effect[];
  /** The local state of every key (GET /admin/dump). */
  dump(): Record<string, KeyState>;
  role(): "leader" | "candidate" | "follower" | "peer";
  /** Leader build only: its term and known leader (GET /health). */
  health?(): LeadershipHealth;
  /**
   * Why a message from peer `from` is malformed or not acceptable (named like a 400's detail), or
   * undefined when `step` would take it. The shell asks before stepping a batch and refuses the
   * whole batch (400) on the first bad one. Read-only. A core without it drops bad messages in
   * `step`.
   */
  checkMessage?(from: NodeId, msg: Message): string | undefined;
}

/** Builds a replica; `recovered` are the records of its log, replayed in order. */
export type ReplicaFactory = (config: ReplicaConfig, recovered: Iterable<Json>) => Replica;
