// The sim runtime's network: the directed links between nodes, and each one-way trip of a
// message post or a client request. Fault model, as the local runtime's: every trip takes
// `latency` plus a seeded extra in [0, jitter), so posts (what one step sends to one peer, as the
// real transport batches them) and requests overtake each other, while the messages of one post
// keep their order. A cut link (a partition) black-holes its posts: they arrive after the heal,
// as the local runtime's proxies hold connections and resume them (at most HELD_MAX posts a
// link, the rest are lost); with linkFault "reset" they are lost. Client links are never cut.
import type { NodeId } from "../../../systems/system.js";
import type { Link } from "../runtime.js";
import type { SimRandom } from "./sim-random.js";
import type { SimScheduler } from "./sim-scheduler.js";

/** Posts a black-holed link holds until its heal (the real transport's queue is as bounded). */
const HELD_MAX = 2_000;

export interface NetworkDeps {
  scheduler: SimScheduler;
  random: SimRandom;
  latencyMs: number;
  jitterMs: number;
  linkFault: "blackhole" | "reset";
  /** Hands a post's messages to the node, in order; false when it is down (lost). */
  arrive(from: NodeId, to: NodeId, msgs: unknown[]): void;
}

interface Post {
  link: LinkState;
  from: NodeId;
  to: NodeId;
  msgs: unknown[];
}

/** One directed link: its name (the subject of its delays), whether it is cut, what it holds. */
interface LinkState {
  readonly key: string;
  cut: boolean;
  held: Post[];
}

/** A post on its way; it lands when its event fires. */
class Trip {
  constructor(
    readonly network: SimNetwork,
    readonly post: Post,
  ) {}

  fire(): void {
    this.network.land(this.post);
  }
}

export class SimNetwork {
  /** Every link met so far, by sender and receiver (each trip looks its link up). */
  readonly #links = new Map<NodeId, Map<NodeId, LinkState>>();
  /** The links cut now. */
  #cut: LinkState[] = [];
  /** The links holding posts, in the order they began to. */
  #holding: LinkState[] = [];
  /** Posts lost to reset links or full holds (for the node logs and tests). */
  lostPosts = 0;

  constructor(readonly deps: NetworkDeps) {}

  /** The delay of a trip on `link` ("n1>n2", "client>n1") that starts now. */
  delayMs(link: string): number {
    const { random, scheduler, latencyMs, jitterMs } = this.deps;
    return random.between(link, scheduler.nowMs(), latencyMs, jitterMs);
  }

  isCut(from: NodeId, to: NodeId): boolean {
    return this.#link(from, to).cut;
  }

  cutLinks(links: readonly Link[]): void {
    for (const [from, to] of links) {
      const link = this.#link(from, to);
      if (link.cut) continue;
      link.cut = true;
      this.#cut.push(link);
    }
  }

  /** Restores every link; what black-holed links held arrives after one more trip. */
  heal(): void {
    for (const link of this.#cut) link.cut = false;
    this.#cut = [];
    const holding = this.#holding;
    this.#holding = [];
    const held = holding.flatMap((link) => link.held);
    for (const link of holding) link.held = [];
    for (const post of held) this.#travel(post);
  }

  /** Sends a post from one node to another. */
  post(from: NodeId, to: NodeId, msgs: unknown[]): void {
    const link = this.#link(from, to);
    const post = { link, from, to, msgs };
    if (link.cut) this.#block(post);
    else this.#travel(post);
  }

  /** A trip's end: cut while on the way, the proxy holds (or resets) it as well. */
  land(post: Post): void {
    if (post.link.cut) this.#block(post);
    else this.deps.arrive(post.from, post.to, post.msgs);
  }

  #travel(post: Post): void {
    this.deps.scheduler.after(this.delayMs(post.link.key), new Trip(this, post));
  }

  #block(post: Post): void {
    const { link } = post;
    if (this.deps.linkFault === "reset" || link.held.length >= HELD_MAX) {
      this.lostPosts++;
      return;
    }
    if (link.held.length === 0) this.#holding.push(link);
    link.held.push(post);
  }

  #link(from: NodeId, to: NodeId): LinkState {
    let row = this.#links.get(from);
    if (row === undefined) {
      row = new Map();
      this.#links.set(from, row);
    }
    let link = row.get(to);
    if (link === undefined) {
      link = { key: `${from}>${to}`, cut: false, held: [] };
      row.set(to, link);
    }
    return link;
  }
}
