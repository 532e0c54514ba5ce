// Parses and validates requests of the node HTTP API (README, "The node API") into typed
// routes and bodies. Anything malformed throws BadRequest with the HTTP status to answer and a
// detail naming what is wrong; the server turns it into {"error":"bad-request","detail":…}.
import { jsonDepth, KEY_LENGTH_MAX, VALUE_DEPTH_MAX } from "../core/api-limits.js";
import type { Json, Message, NodeId } from "../core/replica.js";
import { NODE_ID, parsePeerUrl } from "./node-flags.js";

export class BadRequest extends Error {
  override readonly name = "BadRequest";
  constructor(
    readonly status: 400 | 403 | 404 | 405 | 413,
    detail: string,
    /** 405: the methods the route allows. */
    readonly allow?: readonly string[],
  ) {
    super(detail);
  }
}

export type Route =
  | { kind: "get"; key: string; r?: number }
  | { kind: "put"; key: string; w?: number }
  | { kind: "dump" }
  | { kind: "clock" }
  | { kind: "peers" }
  | { kind: "health" }
  | { kind: "messages" };

const STATIC: Record<string, { method: string; route: Route }> = {
  "/admin/dump": { method: "GET", route: { kind: "dump" } },
  "/admin/clock": { method: "POST", route: { kind: "clock" } },
  "/admin/peers": { method: "POST", route: { kind: "peers" } },
  "/health": { method: "GET", route: { kind: "health" } },
  "/internal/messages": { method: "POST", route: { kind: "messages" } },
};

/** Maps a request line to its route; `clusterSize` bounds ?r= and ?w=. */
export function routeRequest(method: string, url: string, clusterSize: number): Route {
  const q = url.indexOf("?");
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? "" : url.slice(q + 1);
  if (path.startsWith("/kv/")) {
    if (method !== "GET" && method !== "PUT") {
      throw new BadRequest(405, `method ${method} not allowed on /kv/{key}: use GET or PUT`, [
        "GET",
        "PUT",
      ]);
    }
    const key = parseKey(path.slice(4));
    const name = method === "GET" ? "r" : "w";
    const n = parseQuorum(query, name, clusterSize);
    if (method === "GET")
      return n === undefined ? { kind: "get", key } : { kind: "get", key, r: n };
    return n === undefined ? { kind: "put", key } : { kind: "put", key, w: n };
  }
  const known = STATIC[path];
  if (!known)
    throw new BadRequest(404, `no such route: ${clip(path)} (see the README, "The node API")`);
  if (method !== known.method) {
    throw new BadRequest(405, `method ${method} not allowed on ${path}: use ${known.method}`, [
      known.method,
    ]);
  }
  if (query !== "")
    throw new BadRequest(400, `${path} takes no query parameters, got ?${clip(query)}`);
  return known.route;
}

/** The key of /kv/{key}: percent-decoded, 1–1024 characters. */
function parseKey(raw: string): string {
  let key: string;
  try {
    key = decodeURIComponent(raw);
  } catch {
    throw new BadRequest(400, `key ${clip(raw)}: bad percent-encoding`);
  }
  if (key === "") throw new BadRequest(400, "key: empty; use /kv/{key}");
  if (key.length > KEY_LENGTH_MAX) {
    throw new BadRequest(
      400,
      `key: ${key.length} characters long, at most ${KEY_LENGTH_MAX} allowed`,
    );
  }
  return key;
}

function parseQuorum(query: string, name: "r" | "w", clusterSize: number): number | undefined {
  if (query === "") return undefined;
  let value: number | undefined;
  for (const part of query.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const param = eq < 0 ? part : part.slice(0, eq);
    const text = eq < 0 ? "" : part.slice(eq + 1);
    if (param !== name) {
      throw new BadRequest(400, `query parameter ${clip(param)} not allowed here: only ?${name}=N`);
    }
    if (value !== undefined) throw new BadRequest(400, `query parameter ${name} given twice`);
    if (!/^\d{1,4}$/.test(text) || Number(text) < 1 || Number(text) > clusterSize) {
      throw new BadRequest(
        400,
        `?${name}=${clip(text)}: expected an integer from 1 to the cluster size (${clusterSize})`,
      );
    }
    value = Number(text);
  }
  return value;
}

/** Parses a request body as JSON (an empty body is an error). */
export function parseJsonBody(body: Buffer): unknown {
  const text = body.toString("utf8");
  if (text.trim() === "") throw new BadRequest(400, "body: empty; expected a JSON object");
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BadRequest(
      400,
      `body: not valid JSON (${err instanceof Error ? err.message : String(err)})`,
    );
  }
}

/** PUT /kv/{key}: {"value": V, "context"?: "…"}. */
export function parsePutBody(body: unknown): { value: Json; context?: string } {
  const o = object(body, `{"value":…, "context":"…"}`);
  onlyFields(o, ["value", "context"]);
  if (!("value" in o)) throw new BadRequest(400, `body: missing field "value"`);
  if (jsonDepth(o.value) > VALUE_DEPTH_MAX) {
    throw new BadRequest(400, `body: "value" is nested more than ${VALUE_DEPTH_MAX} deep`);
  }
  if (o.context !== undefined && typeof o.context !== "string") {
    throw new BadRequest(
      400,
      `body: "context" must be a string (from a read), got ${kind(o.context)}`,
    );
  }
  const value = o.value as Json;
  return o.context === undefined ? { value } : { value, context: o.context };
}

/** POST /admin/clock: {"offsetMs": N}, |N| up to ten years. */
export function parseClockBody(body: unknown): number {
  const o = object(body, `{"offsetMs":N}`);
  onlyFields(o, ["offsetMs"]);
  const n = o.offsetMs;
  if (typeof n !== "number" || !Number.isFinite(n) || Math.abs(n) > 10 * 365 * 86_400_000) {
    throw new BadRequest(
      400,
      `body: "offsetMs" must be a number of milliseconds within ±10 years, got ${kind(n)}`,
    );
  }
  return n;
}

/** POST /admin/peers: {"peers": {"n2": "http://host:port", …}}; this node's own entry is ignored. */
export function parsePeersBody(body: unknown, self: NodeId): Record<NodeId, string> {
  const o = object(body, `{"peers":{"n2":"http://host:port",…}}`);
  onlyFields(o, ["peers"]);
  const peers = o.peers;
  if (typeof peers !== "object" || peers === null || Array.isArray(peers)) {
    throw new BadRequest(
      400,
      `body: "peers" must be an object of node id → URL, got ${kind(peers)}`,
    );
  }
  const result: Record<NodeId, string> = {};
  for (const [id, url] of Object.entries(peers)) {
    if (!NODE_ID.test(id))
      throw new BadRequest(
        400,
        `body: peer id ${clip(id)} is not a node id (letters, digits, _ . -)`,
      );
    const base = typeof url === "string" ? parsePeerUrl(url) : undefined;
    if (base === undefined) {
      throw new BadRequest(
        400,
        `body: peer ${id}: expected an http:// URL with host and port, got ${kind(url)}`,
      );
    }
    if (id !== self) result[id] = base;
  }
  return result;
}

/** POST /internal/messages: {"from": id, "msgs": [{"type": "…", …}, …]} (replica to replica). */
export function parseMessagesBody(body: unknown): { from: NodeId; msgs: Message[] } {
  const o = object(body, `{"from":"n2","msgs":[…]}`);
  onlyFields(o, ["from", "msgs"]);
  if (typeof o.from !== "string" || !NODE_ID.test(o.from)) {
    throw new BadRequest(400, `body: "from" must be a node id, got ${kind(o.from)}`);
  }
  if (!Array.isArray(o.msgs))
    throw new BadRequest(400, `body: "msgs" must be an array, got ${kind(o.msgs)}`);
  for (const [i, m] of o.msgs.entries()) {
    if (
      typeof m !== "object" ||
      m === null ||
      Array.isArray(m) ||
      typeof (m as { type?: unknown }).type !== "string"
    ) {
      throw new BadRequest(400, `body: msgs[${i}] must be an object with a string "type"`);
    }
  }
  return { from: o.from, msgs: o.msgs as Message[] };
}

function object(body: unknown, expected: string): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new BadRequest(400, `body: expected a JSON object ${expected}, got ${kind(body)}`);
  }
  return body as Record<string, unknown>;
}

function onlyFields(o: Record<string, unknown>, allowed: readonly string[]): void {
  for (const field of Object.keys(o)) {
    if (!allowed.includes(field)) {
      throw new BadRequest(
        400,
        `body: unknown field ${clip(JSON.stringify(field))}; allowed: ${allowed.join(", ")}`,
      );
    }
  }
}

function kind(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  return `${typeof v} ${clip(JSON.stringify(v))}`;
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
