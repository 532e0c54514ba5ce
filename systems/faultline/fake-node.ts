// A fake of a `faultline node`'s client API for the faultline client's tests: an in-memory HTTP
// server on 127.0.0.1 with one version per key. Its fault model is scripted, not random: `reply`
// can answer the next requests with a chosen status (409, 503, 504) or never answer at all.
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeNode {
  readonly url: string;
  /** key → current value and version (the context is the version as a string). */
  readonly store: Map<string, { value: unknown; version: number }>;
  /** Answers the next matching requests with this status (or hangs for "hang"). */
  script(method: "GET" | "PUT", answers: readonly (number | "hang")[]): void;
  /** Every request seen: method, key, and the PUT body. */
  readonly requests: {
    method: string;
    key: string;
    /** The ?r= of a GET, if any. */
    r?: string;
    body?: { value: unknown; context?: string };
  }[];
  close(): Promise<void>;
}

const bodies: Record<number, unknown> = {
  400: { error: "bad-request", detail: "scripted" },
  409: { error: "stale-context", values: [], context: "0" },
  503: { error: "unavailable", detail: "scripted" },
  504: { error: "timeout", detail: "scripted" },
};

/** A fake node; with `reject`, a PUT whose context is not the current version answers 409.
 * Fake nodes given the same `store` share it: a cluster that always agrees. */
export async function startFakeNode(
  options: { reject?: boolean; store?: Map<string, { value: unknown; version: number }> } = {},
): Promise<FakeNode> {
  const store = options.store ?? new Map<string, { value: unknown; version: number }>();
  const scripts: Record<string, (number | "hang")[]> = { GET: [], PUT: [] };
  const requests: FakeNode["requests"] = [];
  const hanging: http.ServerResponse[] = [];

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://x");
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      };
      if (url.pathname === "/admin/dump") {
        const keys = Object.fromEntries(
          [...store].map(([k, v]) => [k, { values: [v.value], context: String(v.version) }]),
        );
        return reply(200, { node: "fake", keys });
      }
      const key = decodeURIComponent(url.pathname.replace(/^\/kv\//, ""));
      const method = req.method ?? "GET";
      const body =
        method === "PUT"
          ? (JSON.parse(Buffer.concat(chunks).toString()) as { value: unknown; context?: string })
          : undefined;
      const r = url.searchParams.get("r") ?? undefined;
      requests.push({ method, key, ...(r !== undefined && { r }), ...(body && { body }) });
      const scripted = scripts[method]?.shift();
      if (scripted === "hang") return void hanging.push(res);
      if (scripted !== undefined) return reply(scripted, bodies[scripted] ?? { error: "scripted" });
      const current = store.get(key);
      if (method === "GET") {
        return reply(200, {
          values: current === undefined ? [] : [current.value],
          context: String(current?.version ?? 0),
        });
      }
      if (options.reject && (body?.context ?? "0") !== String(current?.version ?? 0)) {
        return reply(409, {
          error: "stale-context",
          values: current === undefined ? [] : [current.value],
          context: String(current?.version ?? 0),
        });
      }
      const version = (current?.version ?? 0) + 1;
      store.set(key, { value: body?.value, version });
      reply(200, { context: String(version) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    store,
    requests,
    script: (method, answers) => scripts[method]?.push(...answers),
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
