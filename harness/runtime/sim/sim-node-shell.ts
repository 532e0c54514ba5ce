// One simulated node's shell: what the process and the HTTP server are to a real node — its
// state (running, paused, down), its log on a simulated disk, its clock offset, its tick timer,
// and the inputs that wait while it is paused. Fault model, as the local runtime's: a kill
// (SIGKILL) resets the requests it was handling and loses the records not yet written (fsync
// never: those of the last writeBehindMs, as the real log's write-behind; fsync always: none),
// while the written ones survive (the page cache outlives the process); a pause (SIGSTOP) holds
// every input — requests and messages — and its timer until resume, when it handles them in
// arrival order; a restart is a new process (clock offset 0) built from the log.
import type {
  NodeId,
  SimClock,
  SimEffect,
  SimInput,
  SimLaunch,
  SimNode,
  SimResponse,
} from "../../../systems/system.js";
import type { NodeState } from "../runtime.js";
import type { SimRandom } from "./sim-random.js";
import type { SimScheduler, SimTimer } from "./sim-scheduler.js";

/** What every tick hands the node (inputs are never changed by a step). */
const TICK: SimInput = { kind: "tick" };

/** Wall clocks start here (2026-01-01), so timestamps look like real ones. */
const WALL_EPOCH_MS = 1_767_225_600_000;

/** Who waits for a request's answer (a client call). */
export interface Answer {
  answer(response: SimResponse): void;
}

export interface ShellDeps {
  scheduler: SimScheduler;
  launch: SimLaunch;
  nodes: readonly NodeId[];
  /** The tick phases (a real node's timer starts whenever its process does). */
  random: SimRandom;
  /** Carries what one step sends to one peer (a post). */
  post(from: NodeId, to: NodeId, msgs: unknown[]): void;
  /** JSON round trip in copy mode, identity otherwise. */
  clone<T>(value: T): T;
}

export class SimNodeShell {
  state: NodeState = "down";
  node: SimNode | undefined;
  offsetMs = 0;
  readonly log: string[] = [];
  /** On the disk: survives a kill. */
  readonly #written: unknown[] = [];
  /** Appended, not yet written (write-behind): a kill loses them. */
  #unwritten: unknown[] = [];
  #writeTimer: SimTimer | undefined;
  #tickTimer: SimTimer | undefined;
  /** Inputs that arrived while paused, with the answer of each request among them. */
  #inbox: { input: SimInput; answer?: Answer }[] = [];
  /** Requests handed to the node and not yet answered. */
  readonly #requests = new Map<number, Answer>();

  /** The client wire's links to and from this node (the subjects of their trips' delays). */
  readonly fromClients: string;
  readonly toClients: string;

  constructor(
    readonly id: NodeId,
    readonly deps: ShellDeps,
  ) {
    this.fromClients = `client>${id}`;
    this.toClients = `${id}>client`;
  }

  /** Starts the process on its log (a first start or a restart). */
  start(): void {
    this.node = this.deps.launch.node(this.id, this.deps.nodes, [...this.#written]);
    this.state = "running";
    this.offsetMs = 0;
    this.note(`started on ${this.#written.length} log records`);
    const { tickIntervalMs } = this.deps.launch;
    const now = this.deps.scheduler.nowMs();
    this.#scheduleTick(this.deps.random.between(this.id, now, 0, tickIntervalMs));
  }

  /** SIGKILL: the records not yet written are lost. */
  kill(): void {
    if (this.state === "down") return;
    const lost = this.#unwritten.length;
    const reset = this.#down();
    this.note(`killed (SIGKILL): ${lost} unwritten log records lost, ${reset} requests reset`);
  }

  /** SIGTERM (the end of the run): the log is flushed first. */
  stop(): void {
    if (this.state === "down") return;
    this.#written.push(...this.#unwritten);
    const reset = this.#down();
    this.note(`stopped (SIGTERM): ${reset} requests reset`);
  }

  /** Ends the process; returns how many requests it reset. */
  #down(): number {
    this.#unwritten = [];
    this.#writeTimer?.cancel();
    this.#writeTimer = undefined;
    this.#tickTimer?.cancel();
    const reset = [...this.#requests.values(), ...this.#inbox.flatMap((w) => w.answer ?? [])];
    this.#requests.clear();
    this.#inbox = [];
    this.node = undefined;
    this.state = "down";
    for (const waiting of reset) waiting.answer({ ok: false, error: "connection-reset" });
    return reset.length;
  }

  pause(): void {
    if (this.state !== "running") return;
    this.state = "paused";
    this.#tickTimer?.cancel();
    this.note("paused (SIGSTOP)");
  }

  resume(): void {
    if (this.state !== "paused") return;
    this.state = "running";
    const waiting = this.#inbox;
    this.#inbox = [];
    this.note(`resumed (SIGCONT): ${waiting.length} inputs waited`);
    for (const { input, answer } of waiting) this.#handle(input, answer);
    // An overdue interval timer fires at once when the process runs again.
    this.#scheduleTick(0);
  }

  /** A message or a request reaching the node; false when it is down (lost). */
  deliver(input: SimInput, answer?: Answer): boolean {
    if (this.state === "down") return false;
    if (this.state === "paused") this.#inbox.push({ input, ...(answer && { answer }) });
    else this.#handle(input, answer);
    return true;
  }

  note(line: string): void {
    this.log.push(`${this.deps.scheduler.nowMs().toFixed(3)}ms ${line}`);
  }

  #scheduleTick(inMs: number): void {
    this.#tickTimer = this.deps.scheduler.after(inMs, this.#ticker);
  }

  /** The tick timer's event (one object for every tick: a node ticks 40 times a second). */
  readonly #ticker = {
    fire: () => {
      this.#handle(TICK);
      if (this.state === "running") this.#scheduleTick(this.deps.launch.tickIntervalMs);
    },
  };

  #clock(): SimClock {
    const monoMs = this.deps.scheduler.nowMs();
    return { monoMs, wallMs: WALL_EPOCH_MS + monoMs + this.offsetMs };
  }

  #handle(input: SimInput, answer?: Answer): void {
    if (input.kind === "request" && answer !== undefined) this.#requests.set(input.req, answer);
    let effects: SimEffect[];
    try {
      effects = this.node!.step(input, this.#clock());
    } catch (err) {
      // A node that throws is a bug in its launch (the faultline node answers its own errors).
      this.note(
        `step failed on ${input.kind}: ${err instanceof Error ? err.message : String(err)}`,
      );
      if (input.kind === "request")
        this.#answer(input.req, { ok: false, error: "connection-reset" });
      return;
    }
    this.#perform(effects);
  }

  #perform(effects: readonly SimEffect[]): void {
    // Peers in the order of their first message, each with its messages (a step sends to a
    // peer or two: arrays beat a Map and its iterator).
    let peers: NodeId[] | undefined;
    let posts: unknown[][] | undefined;
    for (const effect of effects) {
      switch (effect.kind) {
        case "persist":
          this.#persist(this.deps.clone(effect.record));
          break;
        case "reply":
          this.#answer(effect.req, { ok: true, reply: effect });
          break;
        case "log":
          this.note(effect.line);
          break;
        case "send": {
          // The real transport sends what one turn of the event loop queued as one post.
          peers ??= [];
          posts ??= [];
          const i = peers.indexOf(effect.to);
          if (i === -1) {
            peers.push(effect.to);
            posts.push([effect.msg]);
          } else posts[i]!.push(effect.msg);
          break;
        }
      }
    }
    if (peers === undefined || posts === undefined) return;
    for (let i = 0; i < peers.length; i++) this.deps.post(this.id, peers[i]!, posts[i]!);
  }

  #answer(req: number, response: SimResponse): void {
    const waiting = this.#requests.get(req);
    if (waiting === undefined) return;
    this.#requests.delete(req);
    waiting.answer(response);
  }

  #persist(record: unknown): void {
    const { writeBehindMs } = this.deps.launch;
    if (writeBehindMs <= 0) {
      this.#written.push(record);
      return;
    }
    this.#unwritten.push(record);
    this.#writeTimer ??= this.deps.scheduler.after(writeBehindMs, () => {
      this.#writeTimer = undefined;
      this.#written.push(...this.#unwritten);
      this.#unwritten = [];
    });
  }
}
