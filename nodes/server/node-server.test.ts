// The HTTP shell on a fake core (fake-replica.ts): the API's routes and error answers, durability
// before acknowledgement, recovery from the log, the clock offset, and peer messages.
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Clock, ReplicaFactory } from "../core/replica.js";
import type { NodeOptions } from "../node-options.js";
import { nodeDefaults } from "../node-options.js";
import { createReplica } from "../core/create-replica.js";
import { frameRecord, parseLog } from "./append-log.js";
import { createFakeReplica } from "./fake-replica.js";
import { logPath, type NodeServer, type NodeServerDeps, startNodeServer } from "./node-server.js";
import { kv, request } from "./test-http-client.js";

let dir: string;
const servers: NodeServer[] = [];
const lines: string[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "faultline-server-"));
  lines.length = 0;
});
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  await rm(dir, { recursive: true, force: true });
});

function options(id: string, over: Partial<NodeOptions> = {}): NodeOptions {
  return {
    ...nodeDefaults,
    id,
    listen: { host: "127.0.0.1", port: 0 },
    build: "leaderless",
    strategy: "siblings",
    peers: {},
    dataDir: join(dir, id),
    ...over,
  };
}

async function start(
  o: NodeOptions,
  createReplica: ReplicaFactory = createFakeReplica,
  deps: Partial<NodeServerDeps> = {},
) {
  const log = (l: string) => lines.push(`${o.id} ${l}`);
  const s = await startNodeServer(o, { createReplica, log, ...deps });
  servers.push(s);
  return s;
}

describe("node server", () => {
  it("serves reads, writes, health and dump", async () => {
    const s = await start(options("n1"));
    const c = kv(s.url);
    expect((await c.get("k")).json).toEqual({ values: [], context: "0" });
    const put = await c.put("k", { cart: [1, 2] });
    expect(put.status).toBe(200);
    expect(put.json).toEqual({ context: "1" });
    expect((await c.get("k")).json).toEqual({ values: [{ cart: [1, 2] }], context: "1" });
    expect((await request(s.url, "GET", "/health")).json).toEqual({ node: "n1", role: "peer" });
    const dump = await request(s.url, "GET", "/admin/dump");
    expect(dump.json).toEqual({
      node: "n1",
      keys: { k: { values: [{ cart: [1, 2] }], context: "1" } },
    });
  });

  it("decodes percent-encoded keys, slashes and unicode included", async () => {
    const s = await start(options("n1"));
    const key = "a/b c✓";
    expect((await kv(s.url).put(key, 1)).status).toBe(200);
    const dump = (await request(s.url, "GET", "/admin/dump")).json as {
      keys: Record<string, unknown>;
    };
    expect(Object.keys(dump.keys)).toEqual([key]);
  });

  it.each([
    ["GET", "/nope", undefined, 404, "no such route"],
    ["DELETE", "/kv/k", undefined, 405, "use GET or PUT"],
    ["GET", "/admin/peers", undefined, 405, "use POST"],
    ["GET", "/kv/", undefined, 400, "key: empty"],
    ["GET", "/kv/%zz", undefined, 400, "bad percent-encoding"],
    ["GET", `/kv/${"x".repeat(1025)}`, undefined, 400, "at most 1024"],
    ["GET", "/kv/k?r=0", undefined, 400, "?r=0"],
    ["GET", "/kv/k?r=2", undefined, 400, "cluster size (1)"],
    ["GET", "/kv/k?w=1", undefined, 400, "query parameter w not allowed"],
    ["GET", "/kv/k?r=1&r=1", undefined, 400, "given twice"],
    ["GET", "/health?x", undefined, 400, "takes no query"],
    ["PUT", "/kv/k", "{", 400, "not valid JSON"],
    ["PUT", "/kv/k", "", 400, "body: empty"],
    ["PUT", "/kv/k", "[1]", 400, "expected a JSON object"],
    ["PUT", "/kv/k", "{}", 400, 'missing field "value"'],
    ["PUT", "/kv/k", '{"value":1,"context":7}', 400, '"context" must be a string'],
    ["PUT", "/kv/k", '{"value":1,"ctx":"a"}', 400, 'unknown field "ctx"'],
    [
      "PUT",
      "/kv/k",
      `{"value":${"[".repeat(70)}${"]".repeat(70)}}`,
      400,
      "nested more than 64 deep",
    ],
    ["POST", "/admin/clock", '{"offsetMs":"5"}', 400, '"offsetMs" must be a number'],
    ["POST", "/admin/clock", '{"offsetMs":1e300}', 400, "within ±10 years"],
    ["POST", "/admin/peers", '{"peers":[]}', 400, '"peers" must be an object'],
    ["POST", "/admin/peers", '{"peers":{"n2":"ftp://x"}}', 400, "peer n2: expected an http:// URL"],
    ["POST", "/admin/peers", '{"peers":{"bad id":"http://h:1"}}', 400, "is not a node id"],
    ["POST", "/internal/messages", '{"from":"n2","msgs":[1]}', 400, "msgs[0] must be an object"],
  ])("%s %s %s → %i naming the problem", async (method, path, body, status, detail) => {
    const s = await start(options("n1", { w: 1, r: 1 }));
    const answer = await request(s.url, method, path, body === undefined ? {} : { body });
    expect(answer.status).toBe(status);
    expect(answer.json).toMatchObject({ error: "bad-request" });
    expect((answer.json as { detail: string }).detail).toContain(detail);
    if (status === 405) expect(answer.headers.allow).toBeDefined();
  });

  it("answers 413 to a body over the limit and keeps serving", async () => {
    const s = await start(options("n1"));
    const big = JSON.stringify({ value: "x".repeat(1024 * 1024) });
    const answer = await request(s.url, "PUT", "/kv/k", { body: big });
    expect(answer.status).toBe(413);
    expect((answer.json as { detail: string }).detail).toContain("at most 1048576");
    expect((await kv(s.url).put("k", 1)).status).toBe(200);
  });

  it("acknowledges a write with fsync always only once its record is on disk", async () => {
    const s = await start(options("n1", { fsync: "always" }));
    const path = logPath(join(dir, "n1"), "n1");
    for (let i = 0; i < 5; i++) {
      expect((await kv(s.url).put(`k${i}`, i)).status).toBe(200);
      // The log's first record says who wrote it (log-meta.ts); then one record a write.
      expect(parseLog(readFileSync(path), path).records).toHaveLength(i + 2);
    }
  });

  it("batches the fsyncs of concurrent writes and acknowledges them all", async () => {
    const s = await start(options("n1", { fsync: "always" }));
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => kv(s.url).put(`k${i}`, i)),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
    const path = logPath(join(dir, "n1"), "n1");
    expect(parseLog(readFileSync(path), path).records).toHaveLength(1 + 50);
  });

  it("recovers its state from the log after a restart", async () => {
    const first = await start(options("n1"));
    await kv(first.url).put("k", "v1");
    await kv(first.url).put("k", "v2");
    await first.close();
    const second = await start(options("n1"));
    expect((await kv(second.url).get("k")).json).toEqual({ values: ["v2"], context: "2" });
    expect(lines).toContain(`n1 recovered 2 records from ${logPath(join(dir, "n1"), "n1")}`);
  });

  it("refuses a data dir written by another build or strategy, naming it", async () => {
    const first = await start(options("n1", { build: "leaderless", strategy: "siblings" }));
    await kv(first.url).put("k", "v1");
    await first.close();
    for (const other of [
      { build: "leader", strategy: "siblings" },
      { build: "leaderless", strategy: "lww" },
    ] as const) {
      const err = await start(options("n1", other)).catch((e: unknown) => e);
      expect((err as Error).message).toBe(
        `data dir ${join(dir, "n1")} was written by a leaderless siblings node (the first record ` +
          `of ${logPath(join(dir, "n1"), "n1")} says so); this node is ${other.build} ` +
          `${other.strategy}: start it with --build leaderless --strategy siblings, or give it ` +
          "a fresh --data-dir",
      );
    }
    const again = await start(options("n1", { build: "leaderless", strategy: "siblings" }));
    expect((await kv(again.url).get("k")).json).toMatchObject({ values: ["v1"] });
  });

  it("replays a log from before meta records, and names the likely cause when it cannot", async () => {
    const path = logPath(join(dir, "n1"), "n1");
    const siblingsState = [["n1.1.abc", 1, ["v"]]];
    await mkdir(join(dir, "n1"), { recursive: true });
    await writeFile(path, frameRecord({ t: "key", key: "k", state: siblingsState }));
    const old = await start(options("n1", { strategy: "siblings" }), createReplica);
    expect((await kv(old.url).get("k", 1)).json).toMatchObject({ values: ["v"] });
    await old.close();
    const err = await start(options("n1", { strategy: "lww" }), createReplica).catch((e) => e);
    expect((err as Error).message).toContain(`cannot recover ${path}: bad stamped value`);
    expect((err as Error).message).toContain(
      "the log does not say which build and strategy wrote it",
    );
  });

  it("passes the admin clock offset to the core's wall clock", async () => {
    const clocks: Clock[] = [];
    const spy: ReplicaFactory = (config, recovered) => {
      const inner = createFakeReplica(config, recovered);
      return {
        ...inner,
        step: (input, clock) => {
          clocks.push(clock);
          return inner.step(input, clock);
        },
      };
    };
    const s = await start(options("n1"), spy);
    const set = await request(s.url, "POST", "/admin/clock", { body: '{"offsetMs":-3600000}' });
    expect(set.json).toEqual({ node: "n1", offsetMs: -3600000 });
    clocks.length = 0;
    await kv(s.url).get("k");
    const c = clocks.at(-1)!;
    expect(Date.now() - c.wallMs).toBeGreaterThan(3_590_000);
    expect(Date.now() - c.wallMs).toBeLessThan(3_610_000);
  });

  it("delivers the core's messages to peers set through /admin/peers", async () => {
    const a = await start(options("n1"));
    const b = await start(options("n2"));
    const set = await request(a.url, "POST", "/admin/peers", {
      body: JSON.stringify({ peers: { n1: a.url, n2: b.url } }),
    });
    expect(set.json).toEqual({ node: "n1", peers: { n2: b.url } });
    // n2 takes replica traffic only from its own peers.
    await request(b.url, "POST", "/admin/peers", {
      body: JSON.stringify({ peers: { n1: a.url } }),
    });
    for (let i = 0; i < 20; i++) await kv(a.url).put(`k${i}`, i);
    await waitFor(
      async () =>
        Object.keys(((await request(b.url, "GET", "/admin/dump")).json as { keys: object }).keys)
          .length === 20,
    );
  });

  it("takes replica traffic only from a configured peer: 403 naming the stranger", async () => {
    const s = await start(options("n1", { peers: { n2: "http://127.0.0.1:1" } }));
    const post = (from: string) =>
      request(s.url, "POST", "/internal/messages", {
        body: JSON.stringify({ from, msgs: [{ type: "copy", key: "k", value: 1, version: 1 }] }),
      });
    for (const stranger of ["n9", "n1"]) {
      const refused = await post(stranger);
      expect(refused.status).toBe(403);
      expect((refused.json as { detail: string }).detail).toBe(
        `"from": ${stranger} is not a peer of n1 (its peers: n2)`,
      );
    }
    expect(s.replica.dump()).toEqual({});
    expect((await post("n2")).status).toBe(202);
    expect(s.replica.dump()).toEqual({ k: { values: [1], context: "1" } });
  });

  it("refuses a batch with a malformed message (the real leaderless core): nothing reaches state", async () => {
    const o = options("n1", { peers: { n2: "http://127.0.0.1:1" }, w: 1, r: 1 });
    const s = await start(o, createReplica);
    const good = { type: "put", id: "n2.1.abc/1", key: "ok", state: [["n2.1.abc", 1, ["v"]]] };
    const post = (msgs: unknown[]) =>
      request(s.url, "POST", "/internal/messages", { body: JSON.stringify({ from: "n2", msgs }) });
    for (const [bad, detail] of [
      [{ type: "put", id: "x", state: good.state }, 'msgs[1] (put): "key": a key must be a string'],
      [{ ...good, state: [["n7.1.abc", 1, ["v"]]] }, 'actor "n7.1.abc" is no start of a node'],
    ] as const) {
      const answer = await post([good, bad]);
      expect(answer.status).toBe(400);
      expect((answer.json as { detail: string }).detail).toContain(detail);
    }
    expect((await kv(s.url).get("undefined")).json).toMatchObject({ values: [] });
    expect(s.replica.dump()).toEqual({});
    expect((await post([good])).status).toBe(202);
    expect(Object.keys(s.replica.dump())).toEqual(["ok"]);
  });

  it("answers 500 when the core throws, logs it, and keeps serving", async () => {
    const s = await start(options("n1"));
    const answer = await kv(s.url).put("k", "poison");
    expect(answer.status).toBe(500);
    expect(lines.some((l) => l.includes("core error on put"))).toBe(true);
    expect((await kv(s.url).put("k", "fine")).status).toBe(200);
  });

  it("answers malformed HTTP with a JSON 400 and keeps serving", async () => {
    const s = await start(options("n1"));
    const { createConnection } = await import("node:net");
    const text = await new Promise<string>((resolve) => {
      const socket = createConnection(s.port, "127.0.0.1");
      let got = "";
      socket.on("data", (d) => (got += d.toString()));
      socket.on("close", () => resolve(got));
      socket.end("GARBAGE \x01\x02 HTTP/9\r\n\r\n");
    });
    expect(text).toMatch(/^HTTP\/1\.1 400/);
    expect(text).toContain('"error":"bad-request"');
    expect((await request(s.url, "GET", "/health")).status).toBe(200);
  });
});

describe("node server against slow clients (slowloris)", () => {
  /** Opens a connection, sends `head`, then `drip` every 20 ms until the server closes it;
   * resolves with what the server answered. */
  async function trickle(port: number, head: string, drip: string): Promise<string> {
    const { createConnection } = await import("node:net");
    return new Promise<string>((resolve) => {
      const socket = createConnection(port, "127.0.0.1");
      let got = "";
      const dripping = setInterval(() => socket.writable && socket.write(drip), 20);
      socket.on("data", (d) => (got += d.toString()));
      socket.on("error", () => {});
      socket.on("close", () => {
        clearInterval(dripping);
        resolve(got);
      });
      socket.write(head);
    });
  }

  const slow = { headersTimeoutMs: 300, httpRequestTimeoutMs: 600 };

  it("closes a connection whose headers arrive a byte at a time, forever, with a 408", async () => {
    const s = await start(options("n1"), createFakeReplica, slow);
    const answer = await trickle(s.port, "GET /health HTTP/1.1\r\nHost: n1\r\nX-Slow: ", "x");
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(answer).toContain("headers within 300 ms");
    expect((await request(s.url, "GET", "/health")).status).toBe(200);
  });

  it("closes a connection whose body arrives a byte at a time", async () => {
    const s = await start(options("n1"), createFakeReplica, slow);
    const head = "PUT /kv/k HTTP/1.1\r\nHost: n1\r\nContent-Length: 100000\r\n\r\n{";
    const answer = await trickle(s.port, head, " ");
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(answer).toContain("all of it within 600 ms");
    expect((await request(s.url, "GET", "/health")).status).toBe(200);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
