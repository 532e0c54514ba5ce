// The System contract: everything faultline knows about one thing under test (Jepsen's DB +
// Client), in one folder under systems/ and one line of systems.ts. A system declares its
// options (the test file's `system:` section, one zod schema), how each runtime launches its
// nodes, when a node is ready, how clients and the harness talk to a started cluster, which
// optional capabilities it has, and which of its errors are definite. The harness never knows
// which system it runs: it asks the system.
import type { z } from "zod";
import type { KvClient, NodeId } from "../workloads/kv-client.js";
import type { WriteConflicts } from "../workloads/workload.js";
import type { ConfigProblem, FlagSpec } from "./options-schema.js";

export type { ConfigProblem, FlagSpec, NodeId };

/** Where a started node serves: a host and a port (a client address, or a link proxy's). */
export interface NodeAddress {
  host: string;
  port: number;
}

/** What the harness and the workloads need to know of a system's behaviour. */
export interface SystemTraits {
  /** What a write does when another write raced it (decides the workloads' default checkers). */
  conflicts: WriteConflicts;
}

/** Optional abilities; a test that needs one its system lacks is refused (exit 254), by name. */
export const CAPABILITIES = {
  clock: "shift a node's wall clock (the clock fault)",
  leader: "tell which node leads now (the leader partition shape, leader targets)",
  append: "append to a list in one atomic step of its own (the cart's append mode)",
  failover: "make another node lead once the leader is fenced, and bring the old one back",
} as const;

export type Capability = keyof typeof CAPABILITIES;

/** One node as the local runtime starts it. */
export interface LocalNodeSpec {
  id: NodeId;
  /** The port it must serve clients on, on 127.0.0.1 (chosen free by the runtime). */
  port: number;
  /** Its data, created by the runtime and kept across kills and restarts. */
  dataDir: string;
  /** How it reaches every other node: the address of the runtime's link proxy to that node. */
  peers: Record<NodeId, NodeAddress>;
  /** The run folder (e.g. for unix sockets). */
  runDir: string;
}

/** A process the local runtime spawns, tracks by pid and signals (kill, pause, resume). */
export interface ProcessCommand {
  file: string;
  args: string[];
  /** Added to the harness's environment, or (with `inheritEnv: false`) the whole of it. */
  env?: Record<string, string>;
  /** false: the process sees `env` only (a server whose tools read PG* variables). */
  inheritEnv?: boolean;
  /** What the kernel sends it when the harness dies (default SIGKILL): a server that cleans up
   * after itself on a signal names it (PostgreSQL: SIGQUIT, whose immediate shutdown removes the
   * shared memory a SIGKILLed server leaves). */
  parentDeathSignal?: ParentDeathSignal;
}

/** The parent-death signals a command may ask for (setpriv --pdeathsig). */
export type ParentDeathSignal = "SIGKILL" | "SIGQUIT";

/** One action of a node's one-shot setup or of a job (a failover's rewind), executed by the
 * runtime in the node's place, as its owner; each run step must end within its timeout. */
export type SetupStep =
  | { kind: "run"; name: string; command: ProcessCommand; timeoutMs: number }
  /** Writes a file (mode 0600, the owner's). */
  | { kind: "write-file"; name: string; path: string; content: string }
  /** Removes everything inside a folder (made when missing; mode 0700, the owner's). */
  | { kind: "empty-dir"; name: string; path: string };

/** The user a node's processes run as and its folders belong to (a server that refuses root). */
export interface ProcessOwner {
  uid: number;
  gid: number;
}

/** What the local runtime does once, before a node's first start. */
export interface LocalSetup {
  /** Nodes that must be running (ready) before this node's setup starts (a standby's base
   * backup copies the running primary). */
  after: readonly NodeId[];
  /** Folders made before any step: mode 0700 and the owner's; their parents stay reachable. */
  directories: readonly string[];
  steps: readonly SetupStep[];
  /** Folders removed when the cluster stops (unix sockets: nothing is left listening there). */
  removeOnStop?: readonly string[];
}

/** How the local runtime runs a node of this system: one long-running process per node, and
 * for a server that needs them, one-shot setup steps and named jobs. */
export interface LocalLaunch {
  /** The server, in the foreground; started after the setup and on every restart. */
  command(node: LocalNodeSpec): ProcessCommand;
  /** The node's one-shot setup (initdb; a base backup of the running primary). */
  setup?(node: LocalNodeSpec): LocalSetup;
  /** Jobs a session may run on a node whose server is down (`SystemCluster.runJob`): the steps
   * of `job` for this node, given its arguments (a rewind from `source`). */
  job?(node: LocalNodeSpec, job: string, args: Readonly<Record<string, string>>): SetupStep[];
  /** The server forks (PostgreSQL's postmaster and its backends): kill, pause and resume reach
   * every process it forked, and a kill is over once all of them are gone. */
  forks?: boolean;
  /** Every process of the node (setup, jobs, server) runs as this user (the harness as root). */
  owner?: ProcessOwner;
  /** What asks the server to stop before the grace period ends in SIGKILL (default SIGTERM). */
  stopSignal?: NodeJS.Signals;
  /** Releases what a node's server may leave outside its folders (PostgreSQL's System V segment
   * and socket files after a SIGKILL); called once a kill is over, and for every node once the
   * cluster stopped. */
  release?(node: { id: NodeId; dataDir: string }): void;
}

/** What a launch may depend on besides the system's options. */
export interface LaunchContext {
  /** The run's seed (a node's own random choices). */
  seed: number;
  /** sim only, test-only: a bug of the launch's `plantedBugs` to plant. */
  plantedBug?: string;
}

/** Builds images offline, for a system's docker launch (the docker runtime provides it). */
export interface ImageBuilder {
  /** The offline base image (this machine's node, iptables, ip), built when missing. */
  base(): Promise<string>;
  /** `localhost/<name>:<hash>`, built from these build-context files (a `Dockerfile` among
   * them) unless it exists; the hash covers the files and the base. */
  build(spec: { name: string; files: Record<string, string>; base: string }): Promise<string>;
}

/** One node as the docker runtime starts it. */
export interface DockerNodeSpec {
  id: NodeId;
  /** The port it serves on inside its container (the launch's `port`). */
  port: number;
  /** How it reaches every other node before any runs: the container's name on the run's own
   * network (Docker's DNS follows a restarted container's new address). */
  peers: Record<NodeId, NodeAddress>;
}

/** How the docker runtime runs a node: one container per node, from the system's image. */
export interface DockerLaunch {
  /** The image's tag, built when missing. It must hold `iptables` and `ip` (links are cut
   * inside the containers). */
  image(builder: ImageBuilder): Promise<string>;
  /** The port the node serves on inside its container. */
  port: number;
  /** The container's command (a node that needs its peers' addresses later gets `setPeers`). */
  command(node: DockerNodeSpec): string[];
  /** Nodes whose container must be running (ready) before this node's starts (its first
   * start's setup copies them). */
  after?(node: NodeId): readonly NodeId[];
  /** Jobs a session may run on a node whose container is down (`SystemCluster.runJob`): a
   * shell script run in a start of its container instead of its command (the image needs
   * `sh`), its exit status the job's, killed after `timeoutMs`. */
  job?(
    node: DockerNodeSpec,
    job: string,
    args: Readonly<Record<string, string>>,
  ): { script: string; timeoutMs: number };
  /** Every container runs (or one restarted with a new address): give a node its peers. */
  setPeers?(
    node: NodeAddress,
    peers: Record<NodeId, NodeAddress>,
    signal: AbortSignal,
  ): Promise<void>;
}

/** What a simulated node is given: a client request (`req` names it), a message from a peer,
 * or the tick of its timer. */
export type SimInput =
  | { kind: "request"; req: number; request: unknown }
  | { kind: "receive"; from: NodeId; msg: unknown }
  | { kind: "tick" };

/** What a simulated node does, in order: answer a request (the system's own reply fields, read
 * by its session), send a message, append a record to its durable log, or write a line to its
 * own log. */
export type SimEffect =
  | { kind: "reply"; req: number }
  | { kind: "send"; to: NodeId; msg: unknown }
  | { kind: "persist"; record: unknown }
  | { kind: "log"; line: string };

/** The times a simulated node is given with every input (virtual, in milliseconds). */
export interface SimClock {
  monoMs: number;
  /** Includes the node's clock offset (the clock fault). */
  wallMs: number;
}

/** One node as a deterministic state machine in the harness process (the sim runtime). */
export interface SimNode {
  step(input: SimInput, clock: SimClock): SimEffect[];
}

/** How a client request over the simulated wire ended: the node's reply effect, or how the
 * transport failed (the names of a real client's transport errors). */
export type SimResponse =
  | { ok: true; reply: SimEffect & { kind: "reply" } }
  | {
      ok: false;
      error: "connection-refused" | "connection-reset" | "client-timeout" | "interrupted";
    };

/** The time a session waits in (for a leader, a failover): real, or the sim's virtual time. */
export interface SessionClock {
  nowMs(): number;
  /** Resolves after `ms`, or at once when the signal aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The simulated cluster as a sim launch's session sees it. */
export interface SimWire<N extends SimNode = SimNode> {
  readonly nodes: readonly NodeId[];
  /** Virtual time. */
  readonly clock: SessionClock;
  /** A client request to a node, over the simulated network; never rejects. */
  request(
    node: NodeId,
    request: unknown,
    options: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<SimResponse>;
  /** The node itself while it runs (undefined when it is down or paused: it would not answer). */
  running(node: NodeId): N | undefined;
  /** Shifts a running node's wall clock (a restart resets it, as a new process); throws why not. */
  setClockOffset(node: NodeId, offsetMs: number): void;
}

/** How the sim runtime runs a system's nodes: state machines stepped in the harness process. */
export interface SimLaunch<N extends SimNode = SimNode> {
  /** How often a node's timer ticks. */
  tickIntervalMs: number;
  /** fsync: how long a persisted record may stay unwritten (a kill loses it); 0: none may. */
  writeBehindMs: number;
  /** Test-only bugs the launch can plant (runtime.plantedBug): name → what it does. */
  plantedBugs: Readonly<Record<string, string>>;
  /** A node (a start or a restart) from the records its log kept, in the order it wrote them. */
  node(id: NodeId, nodes: readonly NodeId[], recovered: readonly unknown[]): N;
  /** The session over the simulated cluster. */
  connect(wire: SimWire<N>, session: SessionOptions): SystemSession;
}

/** The system's view of a started cluster: where each node serves clients now. */
export interface ClusterAddresses {
  readonly nodes: readonly NodeId[];
  /** May change after a restart. */
  address(node: NodeId): NodeAddress;
}

/** A started cluster as a session may act on it (a failover's own repairs). */
export interface SystemCluster extends ClusterAddresses {
  state(node: NodeId): "down" | "running" | "paused";
  /** SIGKILL; resolves once the node is down. */
  kill(node: NodeId): Promise<void>;
  /** Starts a down node on its own data and waits until it is ready. */
  restart(node: NodeId): Promise<void>;
  /** How `from` reaches `to` (the link proxy of that link; the container's network name), for
   * addresses a node keeps (a standby's primary); absent where the runtime cannot say. */
  peer?(from: NodeId, to: NodeId): NodeAddress;
  /** Runs one of the launch's jobs on a node that is down (a rewind), its output in the node's
   * log; rejects naming the step that failed. Absent where the runtime or launch has no jobs. */
  runJob?(
    node: NodeId,
    job: string,
    args: Readonly<Record<string, string>>,
    signal: AbortSignal,
  ): Promise<void>;
}

/** This machine lacks what a system needs to run (a server's programs, the user to run it as):
 * the user's to fix, like a bad config (the harness exits 254 with the message, which names
 * what to install). */
export class SystemPrerequisiteError extends Error {
  override readonly name: string = "SystemPrerequisiteError";
}

/** One step of a failover, as the history records it (in the failover op's value). */
export type FailoverStep = { step: string; [detail: string]: unknown };

/** How a failover chooses the node to promote (systems that elect their leader ignore it). */
export interface FailoverChoice {
  pick: "most-advanced" | "random";
  /** For a random pick: a number in [0, 1) drawn from the run's seed. */
  random: number;
}

/** Capability "failover": the system's part of a failover; the harness fences and unfences. */
export interface SystemFailover {
  /** `fenced` (the old leader) is killed or cut off: make another node lead, recording each
   * step; resolves to the new leader, rejects (with the steps so far recorded) when none can. */
  promote(
    fenced: NodeId,
    choice: FailoverChoice,
    record: (step: FailoverStep) => void,
    signal: AbortSignal,
  ): Promise<NodeId>;
  /** `node` runs again and hears the others: make it follow the new leader. */
  rejoin(node: NodeId, record: (step: FailoverStep) => void, signal: AbortSignal): Promise<void>;
}

/** A started system, as the harness and the clients use it. */
export interface SystemSession {
  /** The client of one node; cheap (connections are pooled per session). */
  client(node: NodeId): KvClient;
  /** A node's whole state, for nodes/<id>.dump.json (JSON). */
  dump(node: NodeId, signal: AbortSignal): Promise<unknown>;
  /** Capability "clock": shifts a node's wall clock by offsetMs (0 resets it). */
  setClockOffset?(node: NodeId, offsetMs: number, signal: AbortSignal): Promise<void>;
  /** Capability "leader": the node that leads now, if any (undefined while none does). */
  leader?(signal: AbortSignal): Promise<NodeId | undefined>;
  /** Capability "failover". */
  readonly failover?: SystemFailover;
  /** Resolves once the started cluster can serve clients (a leader is elected); the runner
   * waits for it before the clients start. Rejects with why it cannot. */
  settled?(signal: AbortSignal): Promise<void>;
  /** Closes pooled connections. */
  close(): Promise<void>;
}

export interface SessionOptions {
  /** Every client call ends by then (info "client-timeout" for a write, fail for a read). */
  opTimeoutMs: number;
}

/** The options a system's section resolves to: its name and its own settings. */
export interface SystemOptions {
  name: string;
}

export interface System<O extends SystemOptions = SystemOptions> {
  readonly name: O["name"];
  /** One line for `--help` and the docs. */
  readonly summary: string;
  /** The `system:` section: every key optional but `name`; the output carries every default. */
  readonly schema: z.ZodType<O>;
  /** Shorthand flags for keys of the section (`--build`, `--strategy` …). */
  readonly flags: readonly FlagSpec[];
  /** Fills the defaults that depend on other settings (e.g. quorums from the node count). */
  resolve?(options: O): O;
  /** Combinations the schema cannot see (paths relative to the `system` section). */
  problems?(options: O): ConfigProblem[];
  /** The node ids of a cluster with these options, in order. */
  nodeIds(options: O): NodeId[];
  traits(options: O): SystemTraits;
  capabilities(options: O): readonly Capability[];
  /** A few words for the run's first line and summaries ("faultline leaderless/siblings, 3
   * nodes"). */
  describe(options: O): string;
  /** A short name for the default test name ("leaderless-siblings" → cart-leaderless-siblings). */
  label(options: O): string;
  /** Labelled settings for the report ("replication" → "w 2, r 2 …"). */
  settings(options: O): [label: string, value: string][];
  /** How each runtime launches its nodes; a runtime the system lacks is refused (exit 254). */
  readonly launch: {
    local?(options: O, run: LaunchContext): LocalLaunch;
    docker?(options: O, run: LaunchContext): DockerLaunch;
    // biome-ignore lint/suspicious/noExplicitAny: each system's sim node is its own type
    sim?(options: O, run: LaunchContext): SimLaunch<any>;
  };
  /** True once the node at `address` serves clients (polled after every start). */
  ready(address: NodeAddress, signal: AbortSignal): Promise<boolean>;
  /** Talks to a started cluster. */
  connect(options: O, cluster: SystemCluster, session: SessionOptions): SystemSession;
  /** Every error its clients can meet: definite (fail) or indeterminate (info), and why. */
  readonly errors: Readonly<Record<string, { outcome: "fail" | "info"; why: string }>>;
}

/** Lets a registry hold systems of different option types. */
// biome-ignore lint/suspicious/noExplicitAny: a registry of heterogeneous systems
export type AnySystem = System<any>;
