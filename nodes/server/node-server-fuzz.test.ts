// Fuzzes a live node: random methods, paths, keys, query strings, headers and bodies (and raw
// garbage bytes) must always get a well-formed JSON answer below 500 — 4xx with a "detail" for
// anything malformed — and leave the node healthy and serving. Reproduce a failure with the
// printed seed: FUZZ_SEED=N npx vitest run nodes/server/node-server-fuzz.test.ts
import { mkdtemp, rm } from "node:fs/promises";
import type http from "node:http";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createReplica } from "../core/create-replica.js";
import { BUILDS, STRATEGIES } from "../core/replica.js";
import { nodeDefaults } from "../node-options.js";
import { type NodeServer, startNodeServer } from "./node-server.js";
import { keepAliveAgent, kv, request } from "./test-http-client.js";

const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Date.now() % 1_000_000;
const numRuns = 250;

const token = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,12}$/);
const urlChar = fc.constantFrom(
  ..."abcxyz019-._~!$&'()*+,;=:@/%?".split(""),
  "%2F",
  "%zz",
  "%E2%9C%93",
  "%E0%A4%A",
  "%00",
  "%",
);
const junk = fc.array(urlChar, { maxLength: 20 }).map((cs) => cs.join(""));
const key = fc.oneof(
  fc.string({ minLength: 1, maxLength: 12 }).map(encodeURIComponent),
  junk,
  fc.constant("x".repeat(1100)),
  fc.constant(""),
);
const query = fc.oneof(
  fc.constant(""),
  fc
    .array(
      fc.tuple(fc.constantFrom("r", "w", "x", "", "r[]"), fc.oneof(fc.nat(5).map(String), junk)),
      { minLength: 1, maxLength: 3 },
    )
    .map((ps) => `?${ps.map(([k, v]) => `${k}=${v}`).join("&")}`),
);
const path = fc.oneof(
  fc.tuple(key, query).map(([k, q]) => `/kv/${k}${q}`),
  fc
    .tuple(
      fc.constantFrom(
        "/admin/dump",
        "/admin/clock",
        "/admin/peers",
        "/health",
        "/internal/messages",
      ),
      query,
    )
    .map(([p, q]) => p + q),
  junk.map((j) => `/${j}`),
);
const json = fc.jsonValue({ maxDepth: 4 });
const body = fc.oneof(
  fc.constant(undefined),
  json.map((v) => JSON.stringify(v)),
  fc
    .record({ value: json, context: fc.oneof(fc.string(), fc.integer()) }, { requiredKeys: [] })
    .map((v) => JSON.stringify(v)),
  fc
    .record({ offsetMs: fc.oneof(fc.integer(), fc.double(), fc.string()) })
    .map((v) => JSON.stringify(v)),
  fc
    .record({
      peers: fc.oneof(
        json,
        fc.dictionary(token, fc.oneof(fc.string(), fc.constant("http://127.0.0.1:1"))),
      ),
    })
    .map((v) => JSON.stringify(v)),
  fc
    .record({
      from: fc.oneof(token, json),
      msgs: fc.array(fc.oneof(json, fc.record({ type: fc.string() }))),
    })
    .map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.constant(`{"value":${"[".repeat(5000)}`),
);
const header = fc.tuple(
  fc.constantFrom("content-type", "accept", "x-fuzz", "expect", "connection", "user-agent"),
  fc.oneof(
    token,
    fc.constantFrom("application/json", "text/plain", "100-continue", "close", "keep-alive"),
  ),
);
const method = fc.oneof(
  fc.constantFrom("GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "HEAD"),
  token.map((t) => t.toUpperCase()),
);
type FuzzRequest = {
  method: string;
  path: string;
  body: string | undefined;
  headers: [string, string][];
  value?: unknown;
  context: { pick: number; mangle: string } | undefined;
};
const anyRequest = fc.record({
  method,
  path,
  body,
  headers: fc.array(header, { maxLength: 3 }),
  context: fc.constant(undefined),
});
/** Requests a client would send, with contexts from earlier answers (sometimes mangled). */
const plausibleRequest = fc.oneof(
  fc.record({
    method: fc.constant("GET"),
    path: fc
      .tuple(fc.constantFrom("a", "b", "c"), fc.constantFrom("", "?r=1"))
      .map(([k, q]) => `/kv/${k}${q}`),
    body: fc.constant(undefined),
    headers: fc.constant([]),
    context: fc.constant(undefined),
  }),
  fc.record({
    method: fc.constant("PUT"),
    path: fc
      .tuple(fc.constantFrom("a", "b", "c"), fc.constantFrom("", "?w=1"))
      .map(([k, q]) => `/kv/${k}${q}`),
    body: fc.constant(undefined),
    headers: fc.constant([]),
    value: json,
    context: fc.oneof(
      fc.constant(undefined),
      fc.record({ pick: fc.nat(), mangle: fc.constantFrom("none", "none", "cut", "flip", "junk") }),
    ),
  }),
);
const httpRequest = fc.oneof(anyRequest, plausibleRequest) as fc.Arbitrary<FuzzRequest>;

/** The body of a plausible PUT: its value and a context from an earlier answer. */
function putBody(r: FuzzRequest, contexts: string[]): string | undefined {
  if (!("value" in r)) return r.body;
  if (!r.context || contexts.length === 0) return JSON.stringify({ value: r.value });
  let context = contexts[r.context.pick % contexts.length]!;
  if (r.context.mangle === "cut") context = context.slice(0, Math.floor(context.length / 2));
  if (r.context.mangle === "flip")
    context = context.slice(0, -1) + (context.endsWith("A") ? "B" : "A");
  if (r.context.mangle === "junk") context = `${context}!@#`;
  return JSON.stringify({ value: r.value, context });
}

const cores = BUILDS.flatMap((build) => STRATEGIES.map((strategy) => ({ build, strategy })));

describe.each(cores)(
  "fuzzing a live $build $strategy node (seed printed on failure)",
  ({ build, strategy }) => {
    let dir: string;
    let node: NodeServer;
    let agent: http.Agent;
    const lines: string[] = [];

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "faultline-fuzz-"));
      agent = keepAliveAgent();
      node = await startNodeServer(
        {
          ...nodeDefaults,
          id: "n1",
          listen: { host: "127.0.0.1", port: 0 },
          build,
          strategy,
          peers: {},
          alone: true, // a cluster of one (the leader build would otherwise wait for its peers)
          dataDir: dir,
          fsync: "never",
          w: 1,
          r: 1,
        },
        { createReplica, log: (l) => lines.push(l) },
      );
    });
    afterAll(async () => {
      agent.destroy();
      await node.close();
      await rm(dir, { recursive: true, force: true });
    });

    it("answers every request with well-formed JSON below 500", async () => {
      const statuses = new Map<number, number>();
      const contexts: string[] = [];
      await fc.assert(
        fc.asyncProperty(httpRequest, async (r: FuzzRequest) => {
          const headers = Object.fromEntries(r.headers);
          const text = putBody(r, contexts);
          const answer = await request(node.url, r.method, r.path, {
            agent,
            headers,
            ...(text === undefined ? {} : { body: text }),
          });
          const context = (answer.json as { context?: unknown } | undefined)?.context;
          if (typeof context === "string") contexts.push(context);
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          expect(answer.status, answer.text).toBeGreaterThanOrEqual(200);
          expect(answer.status, answer.text).toBeLessThan(500);
          if (r.method === "HEAD") return;
          expect(answer.headers["content-type"]).toBe("application/json");
          expect(typeof answer.json === "object" && answer.json !== null, answer.text).toBe(true);
          if (answer.status >= 400) {
            const e = answer.json as { error?: unknown; detail?: unknown };
            expect(typeof e.error).toBe("string");
            if (e.error === "bad-request") expect(typeof e.detail).toBe("string");
          }
        }),
        { seed, numRuns },
      );
      // The generator reaches both the store and the error paths.
      if (process.env.FUZZ_DEBUG) console.log(build, strategy, Object.fromEntries(statuses));
      expect([...statuses.keys()].filter((s) => s < 300).length).toBeGreaterThan(0);
      expect([...statuses.keys()].filter((s) => s >= 400).length).toBeGreaterThan(2);
      // Still healthy, and still a working store.
      expect((await request(node.url, "GET", "/health")).status).toBe(200);
      await request(node.url, "POST", "/admin/peers", { body: '{"peers":{}}' });
      const c = kv(node.url);
      expect((await c.put("after-fuzz", 42)).status).toBe(200);
      expect((await c.get("after-fuzz")).json).toMatchObject({ values: [42] });
      expect(lines.filter((l) => l.includes("core error") || l.includes("internal error"))).toEqual(
        [],
      );
    });

    it("survives raw garbage on the socket", async () => {
      const bytes = fc.oneof(
        fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
        fc.string({ maxLength: 300 }).map((s) => Buffer.from(`PUT /kv/k HTTP/1.1\r\n${s}\r\n\r\n`)),
        fc
          .nat(100000)
          .map((n) => Buffer.from(`GET /health HTTP/1.1\r\nx: ${"a".repeat(n)}\r\n\r\n`)),
      );
      await fc.assert(
        fc.asyncProperty(bytes, async (data) => {
          const answer = await new Promise<string>((resolve) => {
            const socket = createConnection(node.port, "127.0.0.1");
            let got = "";
            socket.setTimeout(300, () => socket.destroy());
            socket.on("data", (d) => {
              got += d.toString("latin1");
            });
            socket.on("error", () => {});
            socket.on("close", () => resolve(got));
            socket.write(data);
          });
          // Either nothing (the request is still incomplete) or HTTP answers, never a 5xx.
          expect(answer === "" || answer.startsWith("HTTP/1.1 ")).toBe(true);
          expect(answer).not.toMatch(/^HTTP\/1\.1 5/m);
        }),
        { seed, numRuns: 40 },
      );
      expect((await request(node.url, "GET", "/health")).status).toBe(200);
    });
  },
);
