// A small keep-alive HTTP client for the node's tests and benchmark: one request in, status +
// headers + parsed JSON out (raw text kept when the body is not JSON). Never throws on an HTTP
// error status; rejects only when the connection fails or `timeoutMs` passes.
import http from "node:http";

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: unknown;
}

export const keepAliveAgent = (): http.Agent => new http.Agent({ keepAlive: true, maxSockets: 64 });

export function request(
  baseUrl: string,
  method: string,
  path: string,
  options: {
    body?: string | Buffer;
    headers?: http.OutgoingHttpHeaders;
    agent?: http.Agent;
    timeoutMs?: number;
  } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      baseUrl + path,
      {
        method,
        agent: options.agent ?? false,
        headers: {
          ...(options.body === undefined
            ? {}
            : {
                "content-type": "application/json",
                "content-length": Buffer.byteLength(options.body),
              }),
          ...options.headers,
        },
        timeout: options.timeoutMs ?? 5000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on("timeout", () =>
      req.destroy(new Error(`${method} ${path}: no answer in ${options.timeoutMs ?? 5000} ms`)),
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

/** GET/PUT /kv/{key} helpers over one agent. */
export function kv(baseUrl: string, agent?: http.Agent) {
  const path = (key: string, q = "") => `/kv/${encodeURIComponent(key)}${q}`;
  return {
    get: (key: string, r?: number) =>
      request(baseUrl, "GET", path(key, r ? `?r=${r}` : ""), agent ? { agent } : {}),
    put: (key: string, value: unknown, context?: string, w?: number) =>
      request(baseUrl, "PUT", path(key, w ? `?w=${w}` : ""), {
        body: JSON.stringify(context === undefined ? { value } : { value, context }),
        ...(agent ? { agent } : {}),
      }),
  };
}
