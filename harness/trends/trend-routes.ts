// The /trends routes `faultline serve --db URL` adds to the store's server: GET /trends (the
// recorded suites) and /trends/<suite> (its cells over time), read from the trend store on every
// request. A route it does not know is left to the store's server (answers false).
import type { IncomingMessage, ServerResponse } from "node:http";
import { cellTrends } from "./trend-data.js";
import { LONE_RUNS, suiteTrendPage, trendIndexPage } from "./trend-page.js";
import { databaseUrl } from "./database-url.js";
import { openTrendStore, type TrendStore } from "./trend-store.js";

export type Routes = (
  req: IncomingMessage,
  res: ServerResponse,
  urlPath: string,
) => Promise<boolean>;

export function trendRoutes(store: TrendStore): Routes {
  return async (_req, res, urlPath) => {
    const match = /^\/trends(?:\/([^/]+))?\/?$/.exec(urlPath);
    if (match === null) return false;
    let html: string;
    if (match[1] === undefined) {
      html = trendIndexPage(await store.suites());
    } else {
      let segment: string;
      try {
        segment = decodeURIComponent(match[1]);
      } catch {
        return false;
      }
      const suite = segment === LONE_RUNS ? undefined : segment;
      html = suiteTrendPage(suite, cellTrends(await store.cellRuns(suite)));
    }
    res.writeHead(200, {
      "content-type": "text/html; charset=utf-8",
      "content-length": Buffer.byteLength(html),
      "cache-control": "no-store",
    });
    res.end(res.req.method === "HEAD" ? undefined : html);
    return true;
  };
}

/** The trend routes of the database the flag (or FAULTLINE_DATABASE_URL) names, if any. */
export async function openTrendsFor(
  flag: string | undefined,
): Promise<{ routes: Routes; close(): Promise<void> } | undefined> {
  const url = databaseUrl(flag);
  if (url === undefined) return undefined;
  const store = await openTrendStore(url);
  return { routes: trendRoutes(store), close: () => store.close() };
}
