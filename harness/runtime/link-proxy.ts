// A TCP proxy for one directed link between two nodes (A's peer URL for B points here), so the
// harness can really cut it. Black-hole (the default) stops forwarding both ways on existing
// connections and holds new ones, which hang as on a real network until the link heals; reset
// destroys them (RST). Healing resumes held connections: late delivery, as after a real partition.
import { type AddressInfo, createServer, type Server, Socket } from "node:net";
import type { Link } from "./runtime.js";

export type LinkFault = "blackhole" | "reset";

/** One client connection through the proxy and, once connected, its upstream connection. */
interface Pair {
  inbound: Socket;
  outbound: Socket | undefined;
}

const HOST = "127.0.0.1";

export class LinkProxy {
  readonly #server: Server;
  readonly #pairs = new Set<Pair>();
  #targetPort: number | undefined;
  #cut = false;
  #closed = false;

  constructor(
    readonly link: Link,
    readonly fault: LinkFault,
  ) {
    this.#server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) =>
      this.#accept(socket),
    );
  }

  /** Listens on a free port of 127.0.0.1. */
  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(0, HOST, () => {
        this.#server.off("error", reject);
        resolve();
      });
    });
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** The address the sending node uses for the receiving one. */
  get address(): { host: string; port: number } {
    return { host: HOST, port: this.port };
  }

  get isCut(): boolean {
    return this.#cut;
  }

  /** Where the receiving node listens; undefined while it has not started (connections reset). */
  setTarget(port: number | undefined): void {
    this.#targetPort = port;
  }

  /** The number of open client connections (held ones included). */
  get connectionCount(): number {
    return this.#pairs.size;
  }

  cut(): void {
    if (this.#cut) return;
    this.#cut = true;
    for (const pair of this.#pairs) {
      if (this.fault === "reset") {
        destroyPair(pair);
      } else {
        pair.inbound.pause();
        pair.outbound?.pause();
      }
    }
  }

  heal(): void {
    if (!this.#cut) return;
    this.#cut = false;
    for (const pair of this.#pairs) {
      if (pair.outbound === undefined) {
        this.#connect(pair);
      } else {
        pair.inbound.resume();
        pair.outbound.resume();
      }
    }
  }

  /** Stops listening and destroys every connection. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Ending for good needs no reset: a plain destroy closes each handle at once.
    for (const pair of this.#pairs) {
      pair.inbound.destroy();
      pair.outbound?.destroy();
    }
    this.#pairs.clear();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(inbound: Socket): void {
    if (this.#closed || (this.#cut && this.fault === "reset")) {
      inbound.on("error", ignore);
      inbound.resetAndDestroy();
      return;
    }
    const pair: Pair = { inbound, outbound: undefined };
    this.#pairs.add(pair);
    inbound.on("error", () => destroyPair(pair));
    inbound.on("close", () => {
      this.#pairs.delete(pair);
      pair.outbound?.destroy();
    });
    if (this.#cut) {
      // Black-holed: accept but neither read nor connect on, like a SYN lost on the wire.
      inbound.pause();
      return;
    }
    this.#connect(pair);
  }

  #connect(pair: Pair): void {
    const { inbound } = pair;
    if (this.#targetPort === undefined) {
      // The receiving node is not up yet: refuse, as its closed port would.
      inbound.resetAndDestroy();
      return;
    }
    const outbound = new Socket({ allowHalfOpen: true });
    pair.outbound = outbound;
    outbound.setNoDelay(true);
    // A connection refused or reset by the receiving node (dead, restarting) resets the sender's.
    outbound.on("error", () => destroyPair(pair));
    outbound.on("close", () => {
      if (!inbound.destroyed) inbound.destroy();
    });
    this.#forward(inbound, outbound);
    this.#forward(outbound, inbound);
    outbound.connect(this.#targetPort, HOST);
    inbound.resume();
  }

  #forward(from: Socket, to: Socket): void {
    from.on("data", (chunk: Buffer) => {
      if (to.destroyed) return;
      if (!to.write(chunk)) from.pause();
    });
    to.on("drain", () => {
      if (!this.#cut) from.resume();
    });
    from.on("end", () => {
      if (!to.destroyed) to.end();
    });
  }
}

function destroyPair(pair: Pair): void {
  for (const socket of [pair.inbound, pair.outbound]) {
    if (socket === undefined || socket.destroyed) continue;
    socket.on("error", ignore);
    // A socket still connecting is only destroyed: Node defers its reset until it connects.
    if (socket.connecting) {
      socket.destroy();
      continue;
    }
    try {
      socket.resetAndDestroy();
    } catch {
      // No TCP handle (never connected): a plain destroy is all there is to do.
      socket.destroy();
    }
  }
}

function ignore(): void {}
