// End to end: the trend store on a real PostgreSQL (started here from the installed binaries, in
// a temporary folder, on a free port): faultline creates and migrates its schema, two nights of a
// suite go in — the second with a planted regression — and `faultline compare --db` and the
// trend page of `faultline serve --db` both show it. Skips with a message without PostgreSQL,
// unless CI=true (then the binaries must be there).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { faultline } from "../run/faultline-process.js";
import type { SuiteSummary } from "../suite/suite-summary.js";
import { finishedRun, suite, summaryOf } from "../suite/test-fixtures/results.js";
import { type PostgresServer, postgresBinDir, startPostgres } from "./postgres-test-server.js";
import { openTrendStore } from "./trend-store.js";

vi.mock("../runtime/runtimes.js", () => ({ runtimes: { local: {}, docker: {} } }));

const available = postgresBinDir() !== undefined;
const required = process.env.CI === "true";
if (!available && !required) {
  console.warn(
    "SKIPPING trend store tests: no PostgreSQL binaries (apt-get install -y postgresql)",
  );
}

const SUITE = suite(`name: nightly
seeds: [1, 2]
axes:
  build:
    - { name: lww, expect: { lost-writes: invalid } }
    - { name: reject }
`);

/** One night of the suite: lww loses writes as it should; reject loses `rejectLost` items. */
function night(day: number, commit: string, rejectLost: number): SuiteSummary {
  const at = new Date(Date.UTC(2026, 11, day, 2));
  const summary = summaryOf(
    SUITE,
    (cell) =>
      cell.seeds.map((seed) => ({
        ...finishedRun(
          seed,
          { lost: cell.id === "lww" ? 5 : rejectLost },
          `${cell.id}/${day}-${seed}`,
        ),
        startedAt: new Date(at.getTime() + seed * 60_000).toISOString(),
      })),
    at,
  );
  return { ...summary, git: { commit, dirty: false } };
}

describe.skipIf(!available && !required)("the trend store (PostgreSQL)", () => {
  let server: PostgresServer;
  const store = mkdtempSync(join(tmpdir(), "faultline-trends-"));
  beforeAll(async () => {
    server = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(store, { recursive: true, force: true });
  });

  it("creates its schema once, and refuses one a newer faultline migrated", async () => {
    const sql = postgres(server.url, { max: 1, onnotice: () => {} });
    try {
      await (await openTrendStore(server.url)).close();
      await (await openTrendStore(server.url)).close();
      const versions = await sql`select version, name from faultline.migrations order by version`;
      expect(versions.map((r) => r.version)).toEqual([1]);
      await sql`insert into faultline.migrations (version, name) values (99, 'from the future')`;
      await expect(openTrendStore(server.url)).rejects.toThrow(
        /trend schema is at version 99, this faultline knows up to 1/,
      );
      await sql`delete from faultline.migrations where version = 99`;
    } finally {
      await sql.end();
    }
  });

  it("refuses a database it cannot reach, naming the URL without its password", async () => {
    const url = "postgres://someone:secret@127.0.0.1:1/nowhere";
    await expect(openTrendStore(url)).rejects.toThrow(
      /--db postgres:\/\/someone:\*\*\*@127\.0\.0\.1:1\/nowhere/,
    );
  });

  it("keeps two nights; compare --db and the trend page show the planted regression", async () => {
    await using trends = await openTrendStore(server.url);
    await trends.recordSuite(night(3, "aaaaaaaaaaaa1111", 0), join(store, "n3"));
    await trends.recordSuite(night(4, "bbbbbbbbbbbb2222", 3), join(store, "n4"));
    const rows = await trends.cellRuns("nightly");
    expect(rows.map((r) => [r.cell, r.seed, r.valid, r.metrics["lost-writes.lost"]])).toEqual([
      ["lww", 1, false, 5],
      ["lww", 2, false, 5],
      ["lww", 1, false, 5],
      ["lww", 2, false, 5],
      ["reject", 1, true, 0],
      ["reject", 2, true, 0],
      ["reject", 1, false, 3],
      ["reject", 2, false, 3],
    ]);

    const compared = await faultline(["compare", "--db", server.url, "--suite", "nightly"]);
    expect(compared.code).toBe(1);
    expect(compared.stdout).toContain("REGRESSION  reject: lost-writes valid → invalid");
    expect(compared.stdout).toContain("REGRESSION  reject: R2 yes → no");
    expect(compared.stdout).toMatch(
      /commit aaaaaaaaaaaa\)\n\s+to nightly 2026-12-04T02:00:00\.000Z \(commit bbbbbbbbbbbb\)/,
    );

    const page = await trendPage(store, server.url, "/trends/nightly");
    const reject = page.slice(page.indexOf('id="reject"'));
    expect(reject).toContain("last change: valid → INVALID");
    expect(reject).toContain("commit <code>aaaaaaaaaaaa</code>");
    expect(reject).toContain("commit <code>bbbbbbbbbbbb</code>");
    expect(reject).toContain("git log aaaaaaaaaaaa..bbbbbbbbbbbb");
    expect(reject).toContain("flake rate 33% (2 of 4 runs invalid)");
    expect(reject).toMatch(/lost-writes\.lost <span class="muted">last 3, max 3<\/span>/);
    expect(page.slice(page.indexOf('id="lww"'), page.indexOf('id="reject"'))).toContain(
      "the verdict never changed",
    );
    expect(await trendPage(store, server.url, "/trends")).toContain('href="/trends/nightly"');
  }, 60_000);

  it("records a lone `faultline run --db` as a run without a suite", async () => {
    const out = await faultline([
      ...["run", "--nodes", "1", "--strategy", "siblings", "--time-limit", "2", "--seed", "5"],
      ...["--store", join(store, "runs"), "--db", server.url],
    ]);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain("trends: recorded in postgres://faultline@127.0.0.1:");
    await using trends = await openTrendStore(server.url);
    const rows = await trends.cellRuns(undefined);
    expect(rows.map((r) => [r.cell, r.seed, r.valid])).toEqual([
      ["cart-leaderless-siblings", 5, true],
    ]);
    expect(rows[0]!.requirements?.R2.value).toBe("yes");
    const page = await trendPage(store, server.url, "/trends/-runs");
    expect(page).toContain('id="cart-leaderless-siblings"');
  }, 60_000);
});

/** GETs a page from `faultline serve --db` (a child process, stopped after). */
async function trendPage(store: string, url: string, path: string): Promise<string> {
  let body = "";
  const out = await faultline(
    ["serve", "--store", store, "--port", "0", "--db", url],
    (stdout, child) => {
      const served = /serving .* at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout);
      if (served === null || body !== "") return;
      body = "fetching";
      fetch(new URL(path, served[1]))
        .then((res) => res.text())
        .then((text) => {
          body = text;
        })
        .catch((err: unknown) => {
          body = `fetch failed: ${String(err)}`;
        })
        .finally(() => child.kill("SIGTERM"));
    },
  );
  expect(out.stderr).toBe("");
  return body;
}
