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
  from: NodeId;
  to: NodeId;
  msgs: unknown[];
}

export class SimNetwork {
  readonly #cut = new Set<string>();
  readonly #held = new Map<string, Post[]>();
  /** Posts lost to reset links or full holds (for the node logs and tests). */
  lostPosts = 0;

  constructor(readonly deps: NetworkDeps) {}

  /** The delay of a trip on `link` ("n1>n2", "client>n1") that starts now. */
  delayMs(link: string): number {
    const { random, scheduler, latencyMs, jitterMs } = this.deps;
    return random.between(link, scheduler.nowMs(), latencyMs, jitterMs);
  }

  isCut(from: NodeId, to: NodeId): boolean {
    return this.#cut.has(linkKey(from, to));
  }

  cutLinks(links: readonly Link[]): void {
    for (const [from, to] of links) this.#cut.add(linkKey(from, to));
  }

  /** Restores every link; what black-holed links held arrives after one more trip. */
  heal(): void {
    this.#cut.clear();
    const held = [...this.#held.values()].flat();
    this.#held.clear();
    for (const post of held) this.#travel(post);
  }

  /** Sends a post from one node to another. */
  post(from: NodeId, to: NodeId, msgs: unknown[]): void {
    const post = { from, to, msgs };
    if (this.isCut(from, to)) this.#block(post);
    else this.#travel(post);
  }

  #travel(post: Post): void {
    this.deps.scheduler.after(this.delayMs(linkKey(post.from, post.to)), () => {
      // Cut while on the way: the proxy holds (or resets) it as well.
      if (this.isCut(post.from, post.to)) this.#block(post);
      else this.deps.arrive(post.from, post.to, post.msgs);
    });
  }

  #block(post: Post): void {
    const key = linkKey(post.from, post.to);
    const held = this.#held.get(key) ?? [];
    if (this.deps.linkFault === "reset" || held.length >= HELD_MAX) {
      this.lostPosts++;
      return;
    }
    held.push(post);
    this.#held.set(key, held);
  }
}

function linkKey(from: NodeId, to: NodeId): string {
  return `${from}>${to}`;
}
