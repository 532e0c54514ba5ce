// The store over HTTP, for `faultline serve`: an index page listing the runs (newest first, with
// verdict, build/strategy/workload and seed, linking to each report and folder), and the store's
// files as they are. Binds 127.0.0.1 only; a path that leaves the store (.., an encoded .., a
// symlink out) is refused with 404, a malformed one with 400. GET and HEAD only.
import { createReadStream } from "node:fs";
import { readdir, readFile, realpath, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, sep } from "node:path";
import type { Validity } from "../../checkers/checker.js";
import { escapeHtml } from "./render-report.js";
import { startedAtOf } from "./report-data.js";
import { REPORT_FILE } from "./write-report.js";

export interface RunEntry {
  /** Relative to the store, with "/": "cart-leaderless-lww/20261127T152912.419Z". */
  path: string;
  startedAt?: string;
  /** "none" when the run has no results.json (interrupted, or still running). */
  verdict: Validity | "none";
  build?: string;
  strategy?: string;
  workload?: string;
  nemesis?: string;
  seed?: number;
  hasReport: boolean;
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".jsonl": "text/plain; charset=utf-8",
  ".log": "text/plain; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".yaml": "text/plain; charset=utf-8",
  ".yml": "text/plain; charset=utf-8",
  ".edn": "text/plain; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

async function readJson(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    const value: unknown = JSON.parse(await readFile(path, "utf8"));
    return typeof value === "object" && value !== null
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (info) => info.isFile(),
    () => false,
  );
}

/** Every run of the store (a <test>/<timestamp>/ folder with a test.json), newest first. */
export async function listRuns(storeDir: string): Promise<RunEntry[]> {
  const runs: RunEntry[] = [];
  const tests = await readdir(storeDir, { withFileTypes: true }).catch(() => []);
  for (const test of tests) {
    if (!test.isDirectory()) continue; // `latest` is a symlink: its run is listed under its test.
    const folders = await readdir(join(storeDir, test.name), { withFileTypes: true }).catch(
      () => [],
    );
    for (const folder of folders) {
      if (!folder.isDirectory()) continue;
      const dir = join(storeDir, test.name, folder.name);
      const config = await readJson(join(dir, "test.json"));
      if (config === undefined) continue;
      const results = await readJson(join(dir, "results.json"));
      const path = `${test.name}/${folder.name}`;
      const startedAt = startedAtOf(path);
      const nemesis = config.nemesis as { kinds?: unknown } | undefined;
      const text = (value: unknown) => (typeof value === "string" ? value : undefined);
      const valid = results?.valid;
      runs.push({
        path,
        ...(startedAt !== undefined && { startedAt }),
        verdict: valid === true || valid === false || valid === "unknown" ? valid : "none",
        build: text(config.build),
        strategy: text(config.strategy),
        workload: text(config.workload),
        nemesis: Array.isArray(nemesis?.kinds)
          ? nemesis.kinds.length === 0
            ? "none"
            : nemesis.kinds.join(",")
          : undefined,
        seed: typeof config.seed === "number" ? config.seed : undefined,
        hasReport: await isFile(join(dir, REPORT_FILE)),
      });
    }
  }
  return runs.sort(
    (a, b) => (b.startedAt ?? "").localeCompare(a.startedAt ?? "") || b.path.localeCompare(a.path),
  );
}

/** The path's segments, each URL-encoded, joined by "/". */
function href(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

/** The index page for these runs (pure: the template is store-index.html). */
export function indexPage(template: string, storeLabel: string, runs: readonly RunEntry[]): string {
  const word = { true: "valid", false: "INVALID", unknown: "unknown", none: "no result" } as const;
  const css = { true: "valid", false: "invalid", unknown: "unknown", none: "none" } as const;
  const rows =
    runs.length === 0
      ? `<tr><td colspan="8" class="muted">No runs yet: <code>faultline run</code> stores them here.</td></tr>`
      : runs
          .map((run) => {
            const verdict = String(run.verdict) as keyof typeof word;
            const link = run.hasReport
              ? `<a href="${href(run.path)}/${REPORT_FILE}">${escapeHtml(run.path)}</a>`
              : `${escapeHtml(run.path)} <span class="muted">(no report)</span>`;
            const cells = [
              link,
              escapeHtml(run.startedAt?.replace("T", " ").replace(/Z$/, "") ?? ""),
              `<span class="pill ${css[verdict]}">${word[verdict]}</span>`,
              escapeHtml(`${run.build ?? "?"} / ${run.strategy ?? "?"}`),
              escapeHtml(run.workload ?? "?"),
              escapeHtml(run.nemesis ?? "?"),
              escapeHtml(run.seed === undefined ? "?" : String(run.seed)),
              `<a href="${href(run.path)}/">files</a>`,
            ];
            return `          <tr>${cells.map((cell) => `<td>${cell}</td>`).join("")}</tr>`;
          })
          .join("\n");
  const parts = template.split(/(\/\*@\w+\*\/)/);
  return parts
    .map((part) =>
      part === "/*@rows*/"
        ? rows
        : part === "/*@store*/"
          ? escapeHtml(`${storeLabel}: ${runs.length} run${runs.length === 1 ? "" : "s"}`)
          : part,
    )
    .join("");
}

/** A directory's entries as a page of links (folders first). */
function listingPage(urlPath: string, entries: { name: string; dir: boolean }[]): string {
  const items = entries
    .sort((a, b) => Number(b.dir) - Number(a.dir) || a.name.localeCompare(b.name))
    .map((e) => {
      const name = e.dir ? `${e.name}/` : e.name;
      return `<li><a href="${encodeURIComponent(e.name)}${e.dir ? "/" : ""}">${escapeHtml(name)}</a></li>`;
    })
    .join("\n");
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(urlPath)}</title>` +
    `<style>body{font:14px/1.5 system-ui,sans-serif;margin:16px 20px}a{color:#0969da}</style></head>` +
    `<body><h1 style="font-size:18px">${escapeHtml(urlPath)}</h1><p><a href="/">all runs</a> · <a href="../">up</a></p>` +
    `<ul>\n${items}\n</ul></body></html>`
  );
}

/**
 * The file under `root` a request path names, or why not: "bad" (400: not decodable, a NUL) or
 * "outside" (404: a ".." segment). Pure; symlinks are checked by the caller on the real path.
 */
export function storePath(root: string, urlPath: string): string | "bad" | "outside" {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return "bad";
  }
  if (decoded.includes("\0")) return "bad";
  const segments = decoded.split(/[/\\]+/).filter((s) => s !== "" && s !== ".");
  if (segments.some((s) => s === "..")) return "outside";
  return join(root, ...segments);
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, {
    "content-type": type,
    "content-length": Buffer.byteLength(body),
    "x-content-type-options": "nosniff",
    "cache-control": "no-store",
  });
  res.end(res.req.method === "HEAD" ? undefined : body);
}

const TEXT = "text/plain; charset=utf-8";
const HTML = "text/html; charset=utf-8";

async function handle(
  root: string,
  realRoot: string,
  template: string,
  req: IncomingMessage,
  res: ServerResponse,
  routes?: ExtraRoutes,
): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("allow", "GET, HEAD");
    return send(res, 405, TEXT, "only GET and HEAD\n");
  }
  const urlPath = (req.url ?? "/").split("?")[0]!.split("#")[0]!;
  if (routes !== undefined && (await routes(req, res, urlPath))) return;
  if (urlPath === "/" || urlPath === "/index.html") {
    return send(res, 200, HTML, indexPage(template, root, await listRuns(root)));
  }
  const path = storePath(root, urlPath);
  if (path === "bad") return send(res, 400, TEXT, "bad path\n");
  if (path === "outside") return send(res, 404, TEXT, "not found\n");
  const real = await realpath(path).catch(() => undefined);
  // A symlink may point anywhere: only what really lies inside the store is served.
  if (real === undefined || (real !== realRoot && !real.startsWith(realRoot + sep))) {
    return send(res, 404, TEXT, "not found\n");
  }
  const info = await stat(real);
  if (info.isDirectory()) {
    if (!urlPath.endsWith("/")) {
      res.writeHead(301, { location: `${urlPath}/` });
      res.end();
      return;
    }
    const entries = await readdir(real, { withFileTypes: true });
    const page = listingPage(
      decodeURIComponent(urlPath),
      entries.map((e) => ({ name: e.name, dir: e.isDirectory() || e.isSymbolicLink() })),
    );
    return send(res, 200, HTML, page);
  }
  if (!info.isFile()) return send(res, 404, TEXT, "not found\n");
  res.writeHead(200, {
    "content-type": CONTENT_TYPES[extname(real).toLowerCase()] ?? "application/octet-stream",
    "content-length": info.size,
    "x-content-type-options": "nosniff",
    "cache-control": "no-store",
  });
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  createReadStream(real)
    .on("error", () => res.destroy())
    .pipe(res);
}

export interface StoreServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** More GET routes (the trend pages of `serve --db`): true when one answered the request. */
export type ExtraRoutes = (
  req: IncomingMessage,
  res: ServerResponse,
  urlPath: string,
) => Promise<boolean>;

/** Serves `storeDir` on 127.0.0.1:`port` (0: a free port); resolves once listening. */
export async function serveStore(
  storeDir: string,
  port: number,
  routes?: ExtraRoutes,
): Promise<StoreServer> {
  const realRoot = await realpath(storeDir);
  const template = await readFile(new URL("./store-index.html", import.meta.url), "utf8");
  const server = createServer((req, res) => {
    handle(storeDir, realRoot, template, req, res, routes).catch((err: unknown) => {
      if (res.headersSent) res.destroy();
      else send(res, 500, TEXT, `internal error: ${err instanceof Error ? err.message : err}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${address.port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
