// The harness's own calls to a faultline node: /health, /admin/clock, /admin/peers. Each uses a
// fresh connection (no keep-alive pool): a node killed and restarted on the same port must never
// be asked through a stale pooled socket. Every call has a timeout: a paused node never answers.
import { request } from "node:http";

export interface AdminResponse {
  status: number;
  body: string;
}

/** One request; rejects on a connection error or after `timeoutMs` without a full answer. */
function adminRequest(
  url: string,
  method: "GET" | "POST",
  body: unknown,
  timeoutMs: number,
): Promise<AdminResponse> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(url, {
      method,
      agent: false,
      headers: payload === undefined ? {} : { "content-type": "application/json" },
    });
    const timer = setTimeout(() => {
      req.destroy(new Error(`${method} ${url}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    req.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") });
      });
    });
    req.end(payload);
  });
}

/** True when the node answers GET /health with 200 within `timeoutMs`. */
export async function isHealthy(baseUrl: string, timeoutMs: number): Promise<boolean> {
  try {
    const res = await adminRequest(`${baseUrl}/health`, "GET", undefined, timeoutMs);
    return res.status === 200;
  } catch {
    return false;
  }
}

/** POST /admin/clock; throws with the node's answer unless it is a 2xx. */
export async function postClockOffset(
  baseUrl: string,
  offsetMs: number,
  timeoutMs: number,
): Promise<void> {
  const res = await adminRequest(`${baseUrl}/admin/clock`, "POST", { offsetMs }, timeoutMs);
  if (res.status < 200 || res.status > 299) {
    throw new Error(
      `POST ${baseUrl}/admin/clock answered ${res.status}: ${res.body.slice(0, 200)}`,
    );
  }
}

export interface NodeHealth {
  node: string;
  role: string;
  /** Leader build: the node's term and the leader it knows. */
  term?: number;
  leader?: string | null;
}

/** GET /health, or undefined when the node does not answer in time. */
export async function nodeHealth(
  baseUrl: string,
  signal: AbortSignal,
): Promise<NodeHealth | undefined> {
  if (signal.aborted) return undefined;
  try {
    const res = await adminRequest(`${baseUrl}/health`, "GET", undefined, 1000);
    const body = JSON.parse(res.body) as Record<string, unknown>;
    if (res.status !== 200 || typeof body.node !== "string" || typeof body.role !== "string")
      return undefined;
    return {
      node: body.node,
      role: body.role,
      ...(typeof body.term === "number" && { term: body.term }),
      ...(typeof body.leader === "string" && { leader: body.leader }),
    };
  } catch {
    return undefined;
  }
}

/** POST /admin/peers (the whole peer set); throws with the node's answer unless it is a 2xx. */
export async function postPeers(
  baseUrl: string,
  peers: Record<string, string>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  if (signal?.aborted) throw new Error(`POST ${baseUrl}/admin/peers: interrupted`);
  const res = await adminRequest(`${baseUrl}/admin/peers`, "POST", { peers }, timeoutMs);
  if (res.status < 200 || res.status > 299) {
    throw new Error(
      `POST ${baseUrl}/admin/peers answered ${res.status}: ${res.body.slice(0, 200)}`,
    );
  }
}
