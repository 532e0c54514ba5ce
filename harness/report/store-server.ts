// The store over HTTP, for `faultline serve`: an index page of the runs (newest first, with
// verdict, system, workload and seed, linking to each report and folder; paged, filtered by test
// and verdict; the runs read through an mtime-keyed cache, store-runs.ts), and the store's files
// as they are. Binds 127.0.0.1 only; a path that leaves the store (.., an encoded .., a symlink
// out) is refused with 404, a malformed one or a bad query with 400. GET and HEAD only. A
// redirect goes only to a path built here from the request's own segments, never elsewhere.
import { createReadStream } from "node:fs";
import { readdir, readFile, realpath, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, sep } from "node:path";
import { escapeHtml } from "./render-report.js";
import { RUN_FILES } from "../store/run-store.js";
import { type RunEntry, StoreRuns } from "../store/store-runs.js";

export { listRuns, type RunEntry } from "../store/store-runs.js";

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

export const PAGE_SIZE = 50;
const VERDICTS = ["valid", "invalid", "unknown", "none"] as const;
type VerdictFilter = (typeof VERDICTS)[number];

/** The index's query: which test and verdict to show, and which page. */
export interface IndexQuery {
  test?: string;
  verdict?: VerdictFilter;
  page: number;
}

/** `?test=cart&verdict=invalid&page=2` → the query, or what is wrong with it. */
export function parseQuery(search: string): IndexQuery | { error: string } {
  const params = new URLSearchParams(search);
  const query: IndexQuery = { page: 1 };
  for (const [name, value] of params) {
    if (name === "test") {
      if (value !== "") query.test = value;
    } else if (name === "verdict") {
      if (value === "") continue;
      if (!(VERDICTS as readonly string[]).includes(value)) {
        return { error: `verdict=${value} is not one of ${VERDICTS.join(", ")}` };
      }
      query.verdict = value as VerdictFilter;
    } else if (name === "page") {
      if (!/^[1-9]\d{0,6}$/.test(value))
        return { error: `page=${value} is not a page number (1, 2, …)` };
      query.page = Number(value);
    } else {
      return { error: `unknown query parameter "${name}" (known: test, verdict, page)` };
    }
  }
  return query;
}

const VERDICT_OF: Record<string, VerdictFilter> = {
  true: "valid",
  false: "invalid",
  unknown: "unknown",
  none: "none",
};

/** The path's segments, each URL-encoded, joined by "/". */
function href(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

/** `/?…` with these settings (empty ones left out). */
function indexHref(query: IndexQuery): string {
  const params = new URLSearchParams();
  if (query.test !== undefined) params.set("test", query.test);
  if (query.verdict !== undefined) params.set("verdict", query.verdict);
  if (query.page > 1) params.set("page", String(query.page));
  const search = params.toString();
  return search === "" ? "/" : `/?${search}`;
}

function rowOf(run: RunEntry): string {
  const word = { true: "valid", false: "INVALID", unknown: "unknown", none: "no result" } as const;
  const css = { true: "valid", false: "invalid", unknown: "unknown", none: "none" } as const;
  const verdict = String(run.verdict) as keyof typeof word;
  const link = run.hasReport
    ? `<a href="${href(run.path)}/${RUN_FILES.report}">${escapeHtml(run.path)}</a>`
    : `${escapeHtml(run.path)} <span class="muted">(no report)</span>`;
  const cells = [
    link,
    escapeHtml(run.startedAt?.replace("T", " ").replace(/Z$/, "") ?? ""),
    `<span class="pill ${css[verdict]}">${word[verdict]}</span>`,
    escapeHtml(run.system ?? "?"),
    escapeHtml(run.workload ?? "?"),
    escapeHtml(run.nemesis ?? "?"),
    escapeHtml(run.seed === undefined ? "?" : String(run.seed)),
    `<a href="${href(run.path)}/">files</a>`,
  ];
  return `          <tr>${cells.map((cell) => `<td>${cell}</td>`).join("")}</tr>`;
}

function filterForm(tests: readonly string[], query: IndexQuery): string {
  const option = (value: string, label: string, selected: boolean) =>
    `<option value="${escapeHtml(value)}"${selected ? " selected" : ""}>${escapeHtml(label)}</option>`;
  const testOptions = [
    option("", "every test", query.test === undefined),
    ...tests.map((t) => option(t, t, t === query.test)),
  ].join("");
  const verdictOptions = [
    option("", "any verdict", query.verdict === undefined),
    ...VERDICTS.map((v) => option(v, v === "none" ? "no result" : v, v === query.verdict)),
  ].join("");
  return (
    `<form method="get" action="/" class="filter">` +
    `<label>test <select name="test">${testOptions}</select></label> ` +
    `<label>verdict <select name="verdict">${verdictOptions}</select></label> ` +
    `<button type="submit">show</button></form>`
  );
}

/** The index page: the runs that match the query, a page of them, the filter and the pages
 * (pure: the template is store-index.html). */
export function indexPage(
  template: string,
  storeLabel: string,
  runs: readonly RunEntry[],
  query: IndexQuery = { page: 1 },
): string {
  const tests = [...new Set(runs.map((run) => run.test))].sort();
  const matching = runs.filter(
    (run) =>
      (query.test === undefined || run.test === query.test) &&
      (query.verdict === undefined || VERDICT_OF[String(run.verdict)] === query.verdict),
  );
  const pages = Math.max(1, Math.ceil(matching.length / PAGE_SIZE));
  const page = Math.min(query.page, pages);
  const shown = matching.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
  const filtered = query.test !== undefined || query.verdict !== undefined;
  const rows =
    runs.length === 0
      ? `<tr><td colspan="8" class="muted">No runs yet: <code>faultline run</code> stores them here.</td></tr>`
      : shown.length === 0
        ? `<tr><td colspan="8" class="muted">No run matches: <a href="/">show every run</a>.</td></tr>`
        : shown.map(rowOf).join("\n");
  const from = shown.length === 0 ? 0 : (page - 1) * PAGE_SIZE + 1;
  const count = `${runs.length} run${runs.length === 1 ? "" : "s"}`;
  const summary = filtered
    ? `${storeLabel}: ${matching.length} of ${count} match; showing ${from}–${from + shown.length - Math.min(1, shown.length)}`
    : `${storeLabel}: ${count}; showing ${from}–${from + shown.length - Math.min(1, shown.length)}`;
  const link = (to: number, label: string) =>
    to < 1 || to > pages || to === page
      ? `<span class="muted">${label}</span>`
      : `<a href="${escapeHtml(indexHref({ ...query, page: to }))}">${label}</a>`;
  const pager = `<nav class="pages">${link(page - 1, "← newer")} · page ${page} of ${pages} · ${link(page + 1, "older →")}</nav>`;
  const texts: Record<string, string> = {
    "/*@rows*/": rows,
    "/*@store*/": escapeHtml(summary),
    "/*@filter*/": filterForm(tests, query),
    "/*@pages*/": pager,
  };
  return template
    .split(/(\/\*@\w+\*\/)/)
    .map((part) => texts[part] ?? part)
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
  const segments = pathSegments(urlPath);
  return typeof segments === "string" ? segments : join(root, ...segments);
}

/** A request path's segments, decoded, with "" and "." dropped; "bad" or "outside" as above. */
function pathSegments(urlPath: string): string[] | "bad" | "outside" {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return "bad";
  }
  if (decoded.includes("\0")) return "bad";
  const segments = decoded.split(/[/\\]+/).filter((s) => s !== "" && s !== ".");
  if (segments.some((s) => s === "..")) return "outside";
  return segments;
}

/** Where a folder's address without its slash redirects: the same segments, re-encoded, under
 * one leading "/" (so "//evil.example.com" and "/\\evil.example.com" stay on this server). */
export function folderLocation(urlPath: string): string | undefined {
  const segments = pathSegments(urlPath);
  if (typeof segments === "string") return undefined;
  return `/${segments.map(encodeURIComponent).join("/")}${segments.length > 0 ? "/" : ""}`;
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

interface Served {
  root: string;
  realRoot: string;
  template: string;
  runs: StoreRuns;
  /** More GET routes (serve --db's trend pages), asked first. */
  routes?: ExtraRoutes;
}

async function handle(served: Served, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { root, realRoot, template } = served;
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("allow", "GET, HEAD");
    return send(res, 405, TEXT, "only GET and HEAD\n");
  }
  const url = (req.url ?? "/").split("#")[0]!;
  const queryAt = url.indexOf("?");
  const urlPath = queryAt < 0 ? url : url.slice(0, queryAt);
  if (served.routes !== undefined && (await served.routes(req, res, urlPath))) return;
  if (urlPath === "/" || urlPath === "/index.html") {
    const query = parseQuery(queryAt < 0 ? "" : url.slice(queryAt + 1));
    if ("error" in query) return send(res, 400, TEXT, `bad query: ${query.error}\n`);
    return send(res, 200, HTML, indexPage(template, root, await served.runs.list(), query));
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
      res.writeHead(301, { location: folderLocation(urlPath) ?? "/" });
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
  const served: Served = {
    root: storeDir,
    realRoot: await realpath(storeDir),
    template: await readFile(new URL("./store-index.html", import.meta.url), "utf8"),
    runs: new StoreRuns(storeDir),
    ...(routes !== undefined && { routes }),
  };
  const server = createServer((req, res) => {
    handle(served, req, res).catch((err: unknown) => {
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
