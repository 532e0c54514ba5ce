// A TCP relay for one directed link between two PostgreSQL servers, for the tests and benchmark
// (the harness has its own link proxies; systems/ does not import them). A standby's
// primary_conninfo points here, so cutting the link really cuts replication: cut() resets every
// open connection and every new one until heal().
import { type AddressInfo, createServer, type Server, Socket } from "node:net";
import type { Address } from "./postgres-launch.js";

const HOST = "127.0.0.1";

export class TestLink {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #cut = false;

  constructor(readonly target: Address) {
    this.#server = createServer({ noDelay: true }, (inbound) => this.#accept(inbound));
  }

  async listen(): Promise<Address> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(0, HOST, () => resolve());
    });
    return this.address;
  }

  get address(): Address {
    return { host: HOST, port: (this.#server.address() as AddressInfo).port };
  }

  get isCut(): boolean {
    return this.#cut;
  }

  cut(): void {
    this.#cut = true;
    // A socket still connecting is only destroyed: Node defers its reset until it connects,
    // and one whose target dies meanwhile may keep its handle (and the process) alive.
    for (const socket of this.#sockets) {
      if (socket.connecting) socket.destroy();
      else socket.resetAndDestroy();
    }
    this.#sockets.clear();
  }

  heal(): void {
    this.#cut = false;
  }

  async close(): Promise<void> {
    this.#cut = true;
    // Ending for good needs no reset: a plain destroy closes each handle at once.
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(inbound: Socket): void {
    if (this.#cut) {
      inbound.resetAndDestroy();
      return;
    }
    const outbound = new Socket();
    for (const socket of [inbound, outbound]) {
      this.#sockets.add(socket);
      socket.setNoDelay(true);
      // Either side ending or failing ends both: a relay holds no half-open connection.
      socket.on("error", () => {});
      socket.on("close", () => {
        this.#sockets.delete(socket);
        (socket === inbound ? outbound : inbound).destroy();
      });
    }
    outbound.connect(this.target.port, this.target.host);
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  }
}
