// Carries the replica's `send` effects to peers: POST /internal/messages over keep-alive sockets,
// batching whatever queued up while earlier posts were in flight. Delivery is best effort, as the
// core expects: a post that fails or exceeds the timeout is dropped, and so are messages beyond
// a per-peer queue bound (a cut or paused peer must not grow memory without limit). With several
// posts in flight per peer, a later post may arrive first: messages can be reordered.
import http from "node:http";
import type { Message, NodeId } from "../core/replica.js";

export interface PeerTransportOptions {
  /** A post that has not been answered by then is abandoned (its messages are lost). */
  timeoutMs: number;
  /** Concurrent posts per peer. */
  postsInFlightMax?: number;
  /** Messages waiting per peer; more are dropped. */
  queuedMax?: number;
  /** Messages per post. */
  batchMax?: number;
  log: (line: string) => void;
}

interface PeerLink {
  url: string;
  queue: string[];
  inFlight: number;
  /** Last reachability we logged, so a dead peer logs once, not once per message. */
  reachable: boolean;
  dropped: number;
  /** A pump is scheduled for the end of this event-loop turn. */
  scheduled: boolean;
}

export const MESSAGES_PATH = "/internal/messages";

export class PeerTransport {
  private readonly links = new Map<NodeId, PeerLink>();
  private readonly agent: http.Agent;
  private closed = false;

  constructor(
    private readonly self: NodeId,
    peers: Record<NodeId, string>,
    private readonly options: PeerTransportOptions,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: this.inFlightMax });
    this.setPeers(peers);
  }

  private get inFlightMax(): number {
    return this.options.postsInFlightMax ?? 2;
  }

  /** Replaces the peer set; queued messages of a peer whose URL changed are dropped. */
  setPeers(peers: Record<NodeId, string>): void {
    for (const id of this.links.keys()) if (!(id in peers)) this.links.delete(id);
    for (const [id, url] of Object.entries(peers)) {
      if (this.links.get(id)?.url === url) continue;
      this.links.set(id, {
        url,
        queue: [],
        inFlight: 0,
        reachable: true,
        dropped: 0,
        scheduled: false,
      });
    }
  }

  peers(): Record<NodeId, string> {
    return Object.fromEntries([...this.links].map(([id, link]) => [id, link.url]));
  }

  send(to: NodeId, msg: Message): void {
    const link = this.links.get(to);
    if (!link || this.closed) return;
    if (link.queue.length >= (this.options.queuedMax ?? 2000)) {
      link.dropped++;
      return;
    }
    link.queue.push(JSON.stringify(msg));
    // Send at the end of this event-loop turn, so the messages of every request handled in it
    // share one post.
    if (!link.scheduled) {
      link.scheduled = true;
      setImmediate(() => {
        link.scheduled = false;
        this.pump(to, link);
      });
    }
  }

  close(): void {
    this.closed = true;
    this.links.clear();
    this.agent.destroy();
  }

  private pump(to: NodeId, link: PeerLink): void {
    while (link.queue.length > 0 && link.inFlight < this.inFlightMax && !this.closed) {
      const batch = link.queue.splice(0, this.options.batchMax ?? 512);
      link.inFlight++;
      this.post(to, link, batch);
    }
  }

  private post(to: NodeId, link: PeerLink, batch: string[]): void {
    const body = `{"from":${JSON.stringify(this.self)},"msgs":[${batch.join(",")}]}`;
    let settled = false;
    const done = (error?: string): void => {
      if (settled) return;
      settled = true;
      link.inFlight--;
      if (error !== undefined && link.reachable) {
        this.options.log(
          `peer ${to} unreachable (${error}); messages to it are dropped until it answers`,
        );
      } else if (error === undefined && !link.reachable) {
        const lost = link.dropped > 0 ? ` (${link.dropped} messages dropped on a full queue)` : "";
        this.options.log(`peer ${to} reachable again${lost}`);
        link.dropped = 0;
      }
      link.reachable = error === undefined;
      // A replaced or removed peer keeps no queue: only pump the link still registered.
      if (this.links.get(to) === link) this.pump(to, link);
    };
    let response: http.IncomingMessage | undefined;
    let failure: string | undefined;
    let refusal = "";
    const req = http.request(
      `${link.url}${MESSAGES_PATH}`,
      {
        method: "POST",
        agent: this.agent,
        timeout: this.options.timeoutMs,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        response = res;
        // A refusal (403 from a node that does not know us yet, 400) says why in its body.
        if (res.statusCode === 202) res.resume();
        else {
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            if (refusal.length < 300) refusal += chunk;
          });
        }
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer in ${this.options.timeoutMs} ms`)));
    req.on("error", (err) => {
      failure ??= (err as NodeJS.ErrnoException).code ?? err.message;
    });
    // "close" comes last on every path: answered, failed, or timed out.
    req.on("close", () => {
      if (response?.complete && response.statusCode === 202) done();
      else
        done(failure ?? (response ? refused(response.statusCode, refusal) : "connection closed"));
    });
    req.end(body);
  }
}

/** "HTTP 403: <detail>" from a refusal's JSON body (or just the status). */
function refused(status: number | undefined, body: string): string {
  try {
    const detail = (JSON.parse(body) as { detail?: unknown }).detail;
    if (typeof detail === "string") return `HTTP ${status}: ${detail}`;
  } catch {
    // Not JSON (or cut short): the status says enough.
  }
  return `HTTP ${status}`;
}
