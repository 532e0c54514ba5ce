import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { utimesSync } from "node:fs";
import {
  folderLocation,
  indexPage,
  listRuns,
  PAGE_SIZE,
  parseQuery,
  type StoreServer,
  serveStore,
  storePath,
} from "./store-server.js";

const root = mkdtempSync(join(tmpdir(), "faultline-serve-"));
const store = join(root, "store");
let served: StoreServer;

function run(test: string, stamp: string, verdict: unknown, report: boolean) {
  const dir = join(store, test, stamp);
  mkdirSync(join(dir, "nodes"), { recursive: true });
  writeFileSync(
    join(dir, "test.json"),
    JSON.stringify({
      name: test,
      build: "leaderless",
      strategy: "lww",
      workload: "cart",
      nemesis: { kinds: ["partition"] },
      seed: 7,
    }),
  );
  if (verdict !== undefined)
    writeFileSync(join(dir, "results.json"), JSON.stringify({ valid: verdict, results: {} }));
  if (report) writeFileSync(join(dir, "report.html"), "<html>the report</html>");
  writeFileSync(join(dir, "nodes", "n1.log"), "n1 log line\n");
  return dir;
}

/** A raw GET: the path goes out exactly as written (fetch would normalize the dots away). */
function get(
  path: string,
): Promise<{ status: number; type: string; body: string; location?: string }> {
  const { port } = new URL(served.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: "GET" }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers["content-type"]),
          body,
          ...(res.headers.location !== undefined && { location: res.headers.location }),
        }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

beforeAll(async () => {
  run("cart-a", "20260101T000000.000Z", false, true);
  run("cart-b", "20260102T000000.000Z", true, true);
  run("cart-a", "20260103T000000.000Z", undefined, false); // interrupted: no result
  writeFileSync(join(root, "secret.txt"), "outside the store\n");
  symlinkSync(join(root, "secret.txt"), join(store, "escape.txt"));
  symlinkSync("cart-b/20260102T000000.000Z", join(store, "latest"));
  mkdirSync(join(store, "evil.example.com", "20260104T000000.000Z"), { recursive: true });
  served = await serveStore(store, 0);
});

afterAll(async () => {
  await served?.close();
  rmSync(root, { recursive: true, force: true });
});

describe("serveStore", () => {
  it("binds 127.0.0.1 only", () => {
    const address = served.server.address();
    expect(typeof address === "object" && address?.address).toBe("127.0.0.1");
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it("lists the runs newest first, with verdict and settings, linking their reports", async () => {
    const { status, type, body } = await get("/");
    expect(status).toBe(200);
    expect(type).toContain("text/html");
    const rows = body.split("<tr>").slice(2);
    expect(rows.map((row) => /(cart-[ab]\/\d{8}T\d{6}\.\d{3}Z)/.exec(row)?.[1])).toEqual([
      "cart-a/20260103T000000.000Z",
      "cart-b/20260102T000000.000Z",
      "cart-a/20260101T000000.000Z",
    ]);
    expect(rows[0]).toContain("no result");
    expect(rows[0]).toContain("(no report)");
    expect(rows[1]).toContain(">valid<");
    expect(rows[1]).toContain('href="cart-b/20260102T000000.000Z/report.html"');
    expect(rows[2]).toContain(">INVALID<");
    expect(rows[2]).toContain("<td>leaderless / lww</td><td>cart</td><td>partition</td><td>7</td>");
  });

  it("filters by test and verdict, and refuses a bad query naming it", async () => {
    const invalid = await get("/?verdict=invalid");
    expect(invalid.body).toContain("cart-a/20260101T000000.000Z");
    expect(invalid.body).not.toContain("cart-b/20260102T000000.000Z/report.html");
    expect(invalid.body).toContain("1 of 3 runs match");
    const cartB = await get("/?test=cart-b");
    expect(cartB.body).toContain("cart-b/20260102T000000.000Z/report.html");
    expect(cartB.body).not.toContain(">cart-a/20260101T000000.000Z<");
    expect(cartB.body).toContain('<option value="cart-b" selected>cart-b</option>');
    const bad = await get("/?verdict=maybe");
    expect(bad).toMatchObject({ status: 400 });
    expect(bad.body).toContain("verdict=maybe is not one of valid, invalid, unknown, none");
  });

  it("sees a run's new verdict: the cache is keyed by the files' mtimes", async () => {
    const dir = join(store, "cart-a", "20260103T000000.000Z");
    expect((await get("/?verdict=none")).body).toContain("cart-a/20260103T000000.000Z");
    writeFileSync(join(dir, "results.json"), JSON.stringify({ valid: "unknown", results: {} }));
    const later = new Date(Date.now() + 5000);
    utimesSync(join(dir, "results.json"), later, later);
    const after = await get("/?verdict=unknown");
    expect(after.body).toContain("cart-a/20260103T000000.000Z");
    expect((await get("/?verdict=none")).body).toContain("No run matches");
  });

  it("redirects a folder to itself with a slash, never to another host", async () => {
    expect(await get("/cart-a/20260101T000000.000Z")).toMatchObject({
      status: 301,
      location: "/cart-a/20260101T000000.000Z/",
    });
    for (const path of ["//evil.example.com", "/\\evil.example.com", "/%2F%2Fevil.example.com"]) {
      const response = await get(path);
      expect([path, response.status, response.location]).toEqual([path, 301, "/evil.example.com/"]);
    }
  });

  it("serves a run's files, through the latest link too", async () => {
    const report = await get("/cart-b/20260102T000000.000Z/report.html");
    expect(report).toMatchObject({ status: 200, body: "<html>the report</html>" });
    expect(report.type).toContain("text/html");
    const log = await get("/latest/nodes/n1.log");
    expect(log).toMatchObject({ status: 200, body: "n1 log line\n" });
    expect(log.type).toContain("text/plain");
    const listing = await get("/cart-a/20260101T000000.000Z/");
    expect(listing.body).toContain('<a href="nodes/">nodes/</a>');
    expect((await get("/cart-a/20260101T000000.000Z")).status).toBe(301);
    expect((await get("/cart-a/none.json")).status).toBe(404);
  });

  it("refuses every path that leaves the store", async () => {
    for (const path of [
      "/../secret.txt",
      "/cart-a/../../secret.txt",
      "/%2e%2e/secret.txt",
      "/cart-a/%2E%2E%2F..%2Fsecret.txt",
      "/..%5csecret.txt",
      "/escape.txt",
    ]) {
      const response = await get(path);
      expect([path, response.status]).toEqual([path, 404]);
      expect(response.body).not.toContain("outside the store");
    }
    expect((await get("/%E0%A4%A")).status).toBe(400);
    expect((await get("/a%00b")).status).toBe(400);
  });
});

describe("storePath and indexPage", () => {
  it("maps a path under the root and flags what leaves it", () => {
    expect(storePath("/s", "/a/b%20c/./d")).toBe("/s/a/b c/d");
    expect(storePath("/s", "/a/../b")).toBe("outside");
    expect(storePath("/s", "/%zz")).toBe("bad");
  });

  it("pages the runs, newest first, linking the pages around", () => {
    const runs = Array.from({ length: PAGE_SIZE + 5 }, (_, i) => ({
      path: `t/2026010${Math.floor(i / 10)}T0000${String(i % 10).padStart(2, "0")}.000Z`,
      test: "t",
      verdict: true as const,
      hasReport: true,
    }));
    const template = "/*@store*/|/*@pages*/|/*@rows*/";
    const first = indexPage(template, "s", runs, { page: 1 });
    expect(first.split("<tr>").length - 1).toBe(PAGE_SIZE);
    expect(first).toContain(`s: ${PAGE_SIZE + 5} runs; showing 1–${PAGE_SIZE}`);
    expect(first).toContain('<a href="/?page=2">older →</a>');
    const second = indexPage(template, "s", runs, { page: 2 });
    expect(second.split("<tr>").length - 1).toBe(5);
    expect(second).toContain('<a href="/">← newer</a>');
    expect(parseQuery("page=0")).toEqual({ error: "page=0 is not a page number (1, 2, …)" });
    expect(parseQuery("test=a&verdict=valid&page=3")).toEqual({
      test: "a",
      verdict: "valid",
      page: 3,
    });
    expect(parseQuery("x=1")).toMatchObject({ error: expect.stringContaining('"x"') });
  });

  it("builds a folder's redirect from its own segments only", () => {
    expect(folderLocation("//evil.example.com")).toBe("/evil.example.com/");
    expect(folderLocation("/a b/c")).toBe("/a%20b/c/");
    expect(folderLocation("/%zz")).toBeUndefined();
  });

  it("escapes what it shows and says when the store is empty", async () => {
    const page = indexPage("/*@store*/|/*@rows*/", "<store>", []);
    expect(page).toContain("&lt;store&gt;: 0 runs; showing 0–0|");
    expect(page).toContain("No runs yet");
    expect(await listRuns(join(root, "missing"))).toEqual([]);
  });
});
