// The memory system: a deliberately simple store for the harness's own tests and for a first
// look at faultline without our node. Each node is a small plain-JS process (memory-node.mjs)
// that keeps its keys in memory only — a kill loses them all — and pushes every write to its
// peers in the background; the higher Lamport stamp wins (last write wins). It proves the seam:
// its own launch, client, error table and dump, nothing of faultline's node.
import { fileURLToPath } from "node:url";
import { z } from "zod";
import type { KvCallOptions, KvClient, KvFailure, NodeId } from "../../workloads/kv-client.js";
import type { NodeAddress, System, SystemSession } from "../system.js";

const schema = z.strictObject({
  name: z.literal("memory"),
  nodes: z.number().int().min(1).max(15).default(3),
});

export type MemoryOptions = z.output<typeof schema>;

const NODE_PROGRAM = fileURLToPath(new URL("./memory-node.mjs", import.meta.url));

export const MEMORY_ERRORS = {
  "http-409": { outcome: "fail", why: "the key changed since the read: nothing was written" },
  "http-4xx": { outcome: "fail", why: "refused before anything was done" },
  "connection-refused": { outcome: "fail", why: "nothing listened: the request was never sent" },
  "client-timeout": { outcome: "info", why: "no answer in time: the write may be applied" },
  interrupted: { outcome: "info", why: "the run stopped while the request was in flight" },
  unknown: { outcome: "info", why: "anything else: the write may be applied" },
} as const satisfies Record<string, { outcome: "fail" | "info"; why: string }>;

type ErrorKind = keyof typeof MEMORY_ERRORS;

function failed(kind: ErrorKind, detail?: string): KvFailure {
  return {
    ok: false,
    outcome: MEMORY_ERRORS[kind].outcome,
    error: detail ?? kind,
    ...(kind === "http-409" && { conflict: true }),
  };
}

type Answer = { ok: true; body: Record<string, unknown> } | KvFailure;

async function call(
  url: string,
  init: { method: string; body?: unknown },
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<Answer> {
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(url, {
      method: init.method,
      ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
      signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
    });
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (res.status === 200) return { ok: true, body };
    if (res.status === 409) return failed("http-409", "stale-stamp");
    return failed(res.status < 500 ? "http-4xx" : "unknown", `http-${res.status}`);
  } catch (err) {
    if (signal?.aborted) return failed("interrupted");
    if (timeout.aborted) return failed("client-timeout");
    const code = (err as { cause?: { code?: string } }).cause?.code;
    return code === "ECONNREFUSED"
      ? failed("connection-refused")
      : failed("unknown", `unknown: ${code ?? err}`);
  }
}

function memoryClient(node: NodeId, urlOf: () => string, timeoutMs: number): KvClient {
  const get = (key: string, o?: KvCallOptions) =>
    call(`${urlOf()}/kv/${encodeURIComponent(key)}`, { method: "GET" }, timeoutMs, o?.signal);
  const put = (key: string, body: unknown, o?: KvCallOptions) =>
    call(`${urlOf()}/kv/${encodeURIComponent(key)}`, { method: "PUT", body }, timeoutMs, o?.signal);
  const seen = (body: Record<string, unknown>) => ({
    basis: body.value === null ? [] : [body.value],
    stamp: body.stamp,
  });
  const readFailed = (failure: KvFailure): KvFailure => ({
    ...failure,
    outcome: "fail",
    error: `read: ${failure.error}`,
  });
  return {
    node,
    async read(key, o) {
      const answer = await get(key, o);
      if (!answer.ok) return answer;
      return {
        ok: true,
        values: answer.body.value === null ? [] : [answer.body.value],
        context: JSON.stringify(answer.body.stamp),
      };
    },
    async write(key, value, _context, o) {
      const answer = await put(key, { value }, o);
      return answer.ok ? { ok: true, context: JSON.stringify(answer.body.stamp) } : answer;
    },
    async cas(key, expected, next, o) {
      const read = await get(key, o);
      if (!read.ok) return readFailed(read);
      const { basis, stamp } = seen(read.body);
      const matches = expected === null ? basis.length === 0 : basis[0] === expected;
      if (!matches) return { ok: false, outcome: "fail", error: "mismatch", basis };
      const answer = await put(key, { value: next, ifStamp: stamp }, o);
      return answer.ok ? { ok: true, basis } : { ...answer, basis };
    },
    async update(key, next, o) {
      const read = await get(key, o);
      if (!read.ok) return readFailed(read);
      const { basis, stamp } = seen(read.body);
      const written = next({ values: basis });
      const answer = await put(key, { value: written, ifStamp: stamp }, o);
      return answer.ok ? { ok: true, basis, written } : answer;
    },
  };
}

const baseUrl = (address: NodeAddress) => `http://${address.host}:${address.port}`;

export const memory: System<MemoryOptions> = {
  name: "memory",
  summary:
    "an in-memory store for the harness's tests: loses everything on a kill, last write wins",
  schema,
  flags: [],
  nodeIds: (o) => Array.from({ length: o.nodes }, (_, i) => `n${i + 1}`),
  traits: () => ({ conflicts: "lww" }),
  capabilities: () => [],
  describe: (o) => `memory, ${o.nodes} node${o.nodes === 1 ? "" : "s"}`,
  label: () => "memory",
  settings: (o) => [["nodes", String(o.nodes)]],
  launch: {
    local: () => ({
      command: (node) => ({
        file: process.execPath,
        args: [
          NODE_PROGRAM,
          "--id",
          node.id,
          "--port",
          String(node.port),
          "--peers",
          Object.entries(node.peers)
            .map(([peer, a]) => `${peer}=${a.host}:${a.port}`)
            .join(","),
          "--exit-with-parent",
        ],
      }),
    }),
  },
  async ready(address, signal) {
    const answer = await call(`${baseUrl(address)}/health`, { method: "GET" }, 1000, signal);
    return answer.ok;
  },
  connect(_options, cluster, session): SystemSession {
    const clients = new Map<NodeId, KvClient>();
    const urlOf = (node: NodeId) => baseUrl(cluster.address(node));
    return {
      client(node) {
        let client = clients.get(node);
        if (client === undefined) {
          client = memoryClient(node, () => urlOf(node), session.opTimeoutMs);
          clients.set(node, client);
        }
        return client;
      },
      async dump(node, signal) {
        const answer = await call(`${urlOf(node)}/dump`, { method: "GET" }, 5000, signal);
        if (!answer.ok) throw new Error(`GET /dump: ${answer.error}`);
        return answer.body;
      },
      async close() {},
    };
  },
  errors: MEMORY_ERRORS,
};
