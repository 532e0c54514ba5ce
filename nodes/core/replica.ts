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
  /** leader build: the leader (default: the first of `nodes` in sorted order). */
  leader?: NodeId;
  /** leader build: "one" replicates asynchronously, "all" waits for every follower. */
  acks: "one" | "all";
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

/** A body of the node API (DESIGN.md "Node HTTP API"). */
export type ReplyBody =
  | { values: Json[]; context: string }
  | { context: string }
  | { error: "stale-context"; values: Json[]; context: string }
  | { error: "unavailable" | "timeout" | "bad-request"; detail: string };

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
  | { kind: "persist"; record: Json };

export interface KeyState {
  values: Json[];
  context: string;
}

export interface Replica {
  step(input: Input, clock: Clock): Effect[];
  /** The local state of every key (GET /admin/dump). */
  dump(): Record<string, KeyState>;
  role(): "leader" | "follower" | "peer";
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
