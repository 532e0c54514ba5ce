// The faultline system's clients: a small HTTP client for the node API (README "The node API":
// keep-alive connections, a per-request timeout, every failure a classified result by
// faultline-errors.ts, never a throw) and, on top of it, the KvClient a workload uses. Our node
// has no compare-and-set or transaction: cas and update read, then write through the read's
// context, so a race is a 409 (reject) or a sibling (siblings), never silent.
import http from "node:http";
import type {
  KvCallOptions,
  KvClient,
  KvFailure,
  KvRead,
  KvReadOptions,
  NodeId,
} from "../../workloads/kv-client.js";
import {
  classifyNodeError,
  httpErrorKind,
  type NodeErrorKind,
  transportErrorKind,
} from "./faultline-errors.js";

export type NodeResult =
  | { ok: true; status: 200; body: Record<string, unknown> }
  | {
      ok: false;
      /** What went wrong, as recorded in the history's `error` (e.g. "stale-context", "client-timeout"). */
      error: string;
      kind: NodeErrorKind;
      outcome: "fail" | "info";
      status?: number;
      body?: Record<string, unknown>;
    };

export interface NodeClient {
  /** GET /kv/{key}[?r=N]. */
  get(
    node: NodeId,
    key: string,
    options?: { r?: number; signal?: AbortSignal },
  ): Promise<NodeResult>;
  /** PUT /kv/{key} with the value and, if given, the context of an earlier read. */
  put(
    node: NodeId,
    key: string,
    value: unknown,
    context: string | undefined,
    options?: { signal?: AbortSignal },
  ): Promise<NodeResult>;
  /** GET /admin/dump. */
  dump(node: NodeId, options?: { signal?: AbortSignal }): Promise<NodeResult>;
  /** Closes the idle keep-alive connections. */
  close(): void;
}

export interface NodeClientOptions {
  /** The node's current base URL ("http://127.0.0.1:PORT"); asked per request (restarts move it). */
  urlOf(node: NodeId): string;
  timeoutMs: number;
}

export function createNodeClient(options: NodeClientOptions): NodeClient {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

  const request = (
    method: "GET" | "PUT",
    node: NodeId,
    path: string,
    payload: unknown,
    signal: AbortSignal | undefined,
  ): Promise<NodeResult> =>
    new Promise((resolve) => {
      let settled = false;
      const settle = (result: NodeResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        resolve(result);
      };
      const failWith = (kind: NodeErrorKind, detail?: string) =>
        settle({ ok: false, error: detail ?? kind, kind, outcome: classifyNodeError(kind) });

      const body = payload === undefined ? undefined : JSON.stringify(payload);
      const req = http.request(
        options.urlOf(node) + path,
        {
          method,
          agent,
          headers:
            body === undefined
              ? {}
              : { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("error", () => failWith("connection-reset"));
          res.on("end", () => {
            const status = res.statusCode ?? 0;
            let parsed: Record<string, unknown> | undefined;
            try {
              const value: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
              if (typeof value === "object" && value !== null && !Array.isArray(value)) {
                parsed = value as Record<string, unknown>;
              }
            } catch {
              parsed = undefined;
            }
            if (status === 200 && parsed !== undefined)
              return settle({ ok: true, status, body: parsed });
            const kind = status === 200 ? "unknown" : httpErrorKind(status);
            const named = typeof parsed?.error === "string" ? parsed.error : `http-${status}`;
            settle({
              ok: false,
              error: named,
              kind,
              outcome: classifyNodeError(kind),
              status,
              ...(parsed && { body: parsed }),
            });
          });
        },
      );
      req.on("error", (err: NodeJS.ErrnoException) => {
        const kind = transportErrorKind(err.code);
        failWith(kind, kind === "unknown" ? `unknown: ${err.code ?? err.message}` : kind);
      });
      const timer = setTimeout(() => {
        failWith("client-timeout");
        req.destroy();
      }, options.timeoutMs);
      const onAbort = () => {
        failWith("interrupted");
        req.destroy();
      };
      if (signal?.aborted) onAbort();
      else signal?.addEventListener("abort", onAbort, { once: true });
      req.end(body);
    });

  return {
    get: (node, key, o) =>
      request(
        "GET",
        node,
        `/kv/${encodeURIComponent(key)}${o?.r === undefined ? "" : `?r=${o.r}`}`,
        undefined,
        o?.signal,
      ),
    put: (node, key, value, context, o) =>
      request(
        "PUT",
        node,
        `/kv/${encodeURIComponent(key)}`,
        context === undefined ? { value } : { value, context },
        o?.signal,
      ),
    dump: (node, o) => request("GET", node, "/admin/dump", undefined, o?.signal),
    close: () => agent.destroy(),
  };
}

type Failed = Extract<NodeResult, { ok: false }>;

function failure(result: Failed, prefix = ""): KvFailure {
  return {
    ok: false,
    outcome: result.outcome,
    error: prefix + result.error,
    ...(result.kind === "http-409" && { conflict: true }),
  };
}

/** A read that met an error wrote nothing: whatever the error, the op did not happen. */
function readFailure(result: Failed): KvFailure {
  return { ...failure(result, "read: "), outcome: "fail" };
}

function readOf(body: Record<string, unknown>): KvRead {
  return {
    values: Array.isArray(body.values) ? body.values : [],
    ...(typeof body.context === "string" && { context: body.context }),
  };
}

function sameValues(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

/**
 * A call to `node`, and once more to the leader a 503 names (a follower that knows no leader, or a
 * deposed leader, answers so; a 503 applied nothing, so asking the leader is safe).
 */
async function followingHint(
  node: NodeId,
  call: (node: NodeId) => Promise<NodeResult>,
): Promise<NodeResult> {
  const result = await call(node);
  const hint = result.ok ? undefined : result.body?.leader;
  if (result.ok || result.status !== 503 || typeof hint !== "string" || hint === node)
    return result;
  return call(hint);
}

export interface FaultlineKvOptions {
  /** Every read is the asked node's own copy (r=1): a leader build's follower reads. */
  localReads?: boolean;
}

/** The KvClient of one node over the shared HTTP client. */
export function faultlineKvClient(
  http: NodeClient,
  node: NodeId,
  kv: FaultlineKvOptions = {},
): KvClient {
  const read = async (key: string, options?: KvReadOptions) => {
    const local = options?.local === true || kv.localReads === true;
    const get = (to: NodeId) =>
      http.get(to, key, {
        ...(local && { r: 1 }),
        ...(options?.signal && { signal: options.signal }),
      });
    // A local read is this node's copy or nothing: never another node's.
    const result = local ? await get(node) : await followingHint(node, get);
    return result.ok ? { ok: true as const, ...readOf(result.body) } : result;
  };
  const write = (key: string, value: unknown, context: string | undefined, o?: KvCallOptions) =>
    followingHint(node, (to) =>
      http.put(to, key, value, context, o?.signal ? { signal: o.signal } : {}),
    );

  return {
    node,
    async read(key, options) {
      const result = await read(key, options);
      return result.ok ? result : failure(result);
    },
    async write(key, value, context, options) {
      const result = await write(key, value, context, options);
      if (!result.ok) return failure(result);
      return {
        ok: true,
        ...(typeof result.body.context === "string" && { context: result.body.context }),
      };
    },
    async cas(key, expected, next, options) {
      const seen = await read(key, options);
      if (!seen.ok) return readFailure(seen);
      const saw = {
        basis: seen.values,
        ...(seen.context !== undefined && { context: seen.context }),
      };
      if (!sameValues(seen.values, expected === null ? [] : [expected])) {
        return { ok: false, outcome: "fail", error: "mismatch", ...saw };
      }
      const result = await write(key, next, seen.context, options);
      return result.ok ? { ok: true, ...saw } : { ...failure(result), ...saw };
    },
    async update(key, next, options) {
      const seen = await read(key, options);
      if (!seen.ok) return readFailure(seen);
      const written = next(seen);
      const result = await write(key, written, seen.context, options);
      return result.ok ? { ok: true, basis: seen.values, written } : failure(result);
    },
  };
}

/** What every session of the faultline system does alike, whatever carries its requests (HTTP,
 * the sim's wire): one KvClient per node, made once, and a node's dump. */
export function kvSession(
  http: NodeClient,
  kv: FaultlineKvOptions = {},
): {
  client(node: NodeId): KvClient;
  dump(node: NodeId, signal?: AbortSignal): Promise<unknown>;
} {
  const clients = new Map<NodeId, KvClient>();
  return {
    client(node) {
      let client = clients.get(node);
      if (client === undefined) {
        client = faultlineKvClient(http, node, kv);
        clients.set(node, client);
      }
      return client;
    },
    async dump(node, signal) {
      const result = await http.dump(node, signal ? { signal } : {});
      if (!result.ok) throw new Error(`GET /admin/dump: ${result.error}`);
      return result.body;
    },
  };
}
