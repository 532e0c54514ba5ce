import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { indexPage, listRuns, type StoreServer, serveStore, storePath } from "./store-server.js";

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
function get(path: string): Promise<{ status: number; type: string; body: string }> {
  const { port } = new URL(served.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: "GET" }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"]), body }),
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

  it("escapes what it shows and says when the store is empty", async () => {
    const page = indexPage("/*@store*/|/*@rows*/", "<store>", []);
    expect(page).toContain("&lt;store&gt;: 0 runs|");
    expect(page).toContain("No runs yet");
    expect(await listRuns(join(root, "missing"))).toEqual([]);
  });
});
