// The link proxy against a plain echo server: forwarding, black-hole cuts (existing and new
// connections hang, then resume on heal) and reset cuts (connections are destroyed).
import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { type LinkFault, LinkProxy } from "./link-proxy.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function echoServer(): Promise<Server> {
  const server = createServer((socket) => {
    socket.on("error", () => {});
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => {
    server.close();
    server.unref();
  });
  return server;
}

async function proxyTo(server: Server, fault: LinkFault): Promise<LinkProxy> {
  const proxy = new LinkProxy(["n1", "n2"], fault);
  await proxy.listen();
  proxy.setTarget((server.address() as AddressInfo).port);
  cleanups.push(() => proxy.close());
  return proxy;
}

/** A client that collects what it receives and whether it was closed or reset. */
async function client(proxy: LinkProxy) {
  const socket: Socket = connect(proxy.port, "127.0.0.1");
  cleanups.push(() => void socket.destroy());
  const state = { received: "", closed: false, error: undefined as string | undefined };
  socket.on("data", (chunk) => {
    state.received += chunk.toString();
  });
  socket.on("error", (err: NodeJS.ErrnoException) => {
    state.error = err.code;
  });
  socket.on("close", () => {
    state.closed = true;
  });
  // A reset can beat the 'connect' event on loopback: a closed socket is a result too.
  await new Promise<void>((resolve) => {
    socket.once("connect", () => resolve());
    socket.once("close", () => resolve());
  });
  return { socket, state };
}

async function eventually(predicate: () => boolean, what: string, timeoutMs = 2000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe("LinkProxy", () => {
  it("forwards both ways while the link is up", async () => {
    const proxy = await proxyTo(await echoServer(), "blackhole");
    const { socket, state } = await client(proxy);
    socket.write("hello");
    await eventually(() => state.received === "hello", "the echo");
    expect(proxy.connectionCount).toBe(1);
  });

  it("black-hole: an existing connection hangs while cut and resumes on heal", async () => {
    const proxy = await proxyTo(await echoServer(), "blackhole");
    const { socket, state } = await client(proxy);
    socket.write("a");
    await eventually(() => state.received === "a", "the first echo");
    proxy.cut();
    socket.write("b");
    await sleep(200);
    expect(state).toEqual({ received: "a", closed: false, error: undefined });
    proxy.heal();
    await eventually(() => state.received === "ab", "the held data after the heal");
  });

  it("black-hole: a new connection is held, not refused, and goes through after the heal", async () => {
    const proxy = await proxyTo(await echoServer(), "blackhole");
    proxy.cut();
    const { socket, state } = await client(proxy);
    socket.write("x");
    await sleep(200);
    expect(state).toEqual({ received: "", closed: false, error: undefined });
    proxy.heal();
    await eventually(() => state.received === "x", "the echo after the heal");
  });

  it("reset: cutting destroys existing connections and refuses new ones", async () => {
    const proxy = await proxyTo(await echoServer(), "reset");
    const first = await client(proxy);
    first.socket.write("a");
    await eventually(() => first.state.received === "a", "the first echo");
    proxy.cut();
    await eventually(() => first.state.closed, "the reset of the existing connection");
    expect(first.state.error).toBe("ECONNRESET");
    const second = await client(proxy);
    await eventually(() => second.state.closed, "the reset of a new connection");
    proxy.heal();
    const third = await client(proxy);
    third.socket.write("c");
    await eventually(() => third.state.received === "c", "an echo after the heal");
  });

  it("resets the sender when the receiving node is down or not started", async () => {
    const server = await echoServer();
    const proxy = await proxyTo(server, "blackhole");
    proxy.setTarget(undefined);
    const early = await client(proxy);
    await eventually(() => early.state.closed, "the reset before the target is known");
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    proxy.setTarget(port);
    const late = await client(proxy);
    late.socket.write("x");
    await eventually(() => late.state.closed, "the reset when the target refuses");
    expect(late.state.received).toBe("");
  });

  it("close() destroys held connections and stops listening", async () => {
    const proxy = await proxyTo(await echoServer(), "blackhole");
    proxy.cut();
    const { state } = await client(proxy);
    await eventually(() => proxy.connectionCount === 1, "the held connection");
    const port = proxy.port;
    await proxy.close();
    await eventually(() => state.closed, "the held connection's close");
    await expect(
      new Promise((resolve, reject) =>
        connect(port, "127.0.0.1").on("connect", resolve).on("error", reject),
      ),
    ).rejects.toThrow(/ECONNREFUSED/);
  });
});
