// The PostgreSQL findings end to end, as a user runs them: `faultline run examples/postgres-….yaml`
// (a child process, the local runtime, real servers: a primary and two streaming standbys), each
// a shorter run of its example with the verdict the example promises, and what its history
// shows; a bad postgres option exits 254 naming the field and the flag; Ctrl-C — mid-run, or while
// a failover's rejoin runs — leaves a readable history, no server process and no socket.
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import {
  ctrlCWhen,
  faultline,
  type FinishedProcess,
  processesUsing,
  readHistory,
  readStoredRun,
  type StoredRun,
} from "./faultline-process.js";
import { latestLink } from "../store/run-store.js";

const EXAMPLES = fileURLToPath(new URL("../../examples/", import.meta.url));
// Under /tmp: the servers run as the postgres user when the tests run as root, and must reach
// their folders (a private home would not let them).
const store = mkdtempSync(join(tmpdir(), "faultline-pg-findings-"));
chmodSync(store, 0o755);
afterAll(() => rmSync(store, { recursive: true, force: true }));

/** A run of examples/NAME.yaml with FLAGS (a shorter time limit), its own store folder. */
async function runExample(name: string, flags: string[]): Promise<FinishedProcess> {
  const file = join(EXAMPLES, `${name}.yaml`);
  return faultline(["run", file, "--seed", "7", "--store", join(store, name), ...flags]);
}

/** What the run stored, after checking that it left no server behind. */
function finished(out: FinishedProcess, name: string): StoredRun {
  expect(processesUsing(join(store, name))).toEqual([]);
  expect(socketsUnder(join(store, name))).toEqual([]);
  return readStoredRun(out);
}

type Counts = Record<string, number>;
const counts = (run: StoredRun, checker: string) => (run.results[checker]?.counts ?? {}) as Counts;

/** Unix sockets left anywhere under `dir`. */
function socketsUnder(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    if (entry.isSocket() || (entry.isFile() && /^\.s\.PGSQL/.test(entry.name))) found.push(path);
  }
  return found;
}

const nemesisOps = (run: StoredRun, f: string) =>
  run.history.filter((op) => op.process === "nemesis" && op.f === f && op.type === "ok");

// Each run starts a cluster (initdb, two base backups), runs, heals, reads and checks.
const RUN_TIMEOUT_MS = 180_000;

describe("PostgreSQL findings (local runtime, real servers)", () => {
  it(
    "1. async replication + failover loses acknowledged writes: lost-writes INVALID, exit 1",
    async () => {
      const name = "postgres-async-failover-loses-writes";
      // Two failovers: each loses the commits the killed primary had not streamed yet.
      const out = await runExample(name, ["--time-limit", "12", "--nemesis-interval", "3"]);
      expect(out.stdout).toMatch(/lost-writes\s+INVALID/);
      expect(out.code).toBe(1);
      const run = finished(out, name);
      expect(counts(run, "lost-writes").lost).toBeGreaterThan(0);
      const failovers = nemesisOps(run, "failover");
      expect(failovers.length).toBeGreaterThanOrEqual(1);
      const steps = (failovers[0]!.value as { steps: { step: string }[] }).steps.map((s) => s.step);
      expect(steps).toEqual(["fence", "survey", "pick", "promote", "repoint"]);
      const rejoins = nemesisOps(run, "rejoin");
      expect(rejoins.length).toBeGreaterThanOrEqual(1);
      expect(JSON.stringify(rejoins[0]!.value)).toMatch(/"step":"streaming"/);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    "2. remote-apply + failover to the most advanced standby loses none: valid, exit 0",
    async () => {
      const name = "postgres-remote-apply-failover-keeps-writes";
      const out = await runExample(name, ["--time-limit", "12", "--nemesis-interval", "3"]);
      expect(out.stdout).toMatch(/lost-writes\s+valid/);
      expect(out.code).toBe(0);
      const run = finished(out, name);
      expect(nemesisOps(run, "failover").length).toBeGreaterThanOrEqual(1);
      expect(counts(run, "lost-writes").acknowledged).toBeGreaterThan(20);
      expect(counts(run, "lost-writes").lost).toBe(0);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    "3a. a read-modify-write cart at read committed loses items with no fault: INVALID, exit 1",
    async () => {
      const name = "postgres-cart-read-committed-loses-items";
      const out = await runExample(name, ["--time-limit", "6"]);
      expect(out.stdout).toMatch(/lost-writes\s+INVALID/);
      expect(out.code).toBe(1);
      const run = finished(out, name);
      expect(counts(run, "lost-writes").lost).toBeGreaterThan(0);
      // No fault at all: the final heal is the only nemesis op.
      const faults = run.history.filter((op) => op.process === "nemesis" && op.f !== "heal-all");
      expect(faults).toEqual([]);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    "3b. the same cart at serializable retries its 40001s and keeps every item: valid, exit 0",
    async () => {
      const name = "postgres-cart-serializable-keeps-items";
      const out = await runExample(name, ["--time-limit", "6"]);
      expect(out.stdout).toMatch(/lost-writes\s+valid/);
      expect(out.code).toBe(0);
      const run = finished(out, name);
      // Races did happen: some attempts were refused as serialization failures and retried.
      const retried = run.history.filter(
        (op) => op.type === "ok" && op.f === "add" && Number(op.attempts) > 1,
      );
      expect(retried.length).toBeGreaterThan(0);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    "4a. reads on the standbys with a session claim: stale reads reported, exit 1",
    async () => {
      const name = "postgres-reads-any-stale-reads";
      const out = await runExample(name, ["--time-limit", "8"]);
      expect(out.stdout).toMatch(/stale-reads\s+INVALID/);
      expect(out.stdout).toMatch(/lost-writes\s+valid/);
      expect(out.code).toBe(1);
      const run = finished(out, name);
      const stale = counts(run, "stale-reads");
      expect((stale["read-your-writes"] ?? 0) + (stale["monotonic-reads"] ?? 0)).toBeGreaterThan(0);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    "4b. every read on the primary: no stale read, exit 0",
    async () => {
      const name = "postgres-reads-primary-no-stale-reads";
      const out = await runExample(name, ["--time-limit", "8"]);
      expect(out.stdout).toMatch(/stale-reads\s+valid/);
      expect(out.code).toBe(0);
      finished(out, name);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    "5. a serializable register with reads on the primary is linearizable: exit 0",
    async () => {
      const name = "postgres-register-serializable-linearizable";
      const out = await runExample(name, ["--time-limit", "8"]);
      expect(out.stdout).toMatch(/linearizable\s+valid/);
      expect(out.code).toBe(0);
      const run = finished(out, name);
      expect(run.results.linearizable).toMatchObject({ model: "cas-register" });
      expect(Number(run.results.linearizable?.ops)).toBeGreaterThan(20);
    },
    RUN_TIMEOUT_MS,
  );

  it("a bad postgres option exits 254 naming the field and the flag", async () => {
    const out = await faultline([
      ...["run", "--system", "postgres", "--replication", "semi"],
      ...["--store", join(store, "bad")],
    ]);
    expect(out.code).toBe(254);
    expect(out.stderr).toMatch(/--replication: system\.replication = "semi": expected one of/);
    expect(out.stderr).not.toMatch(/at .*\.ts:\d+/);
  }, 60_000);
});

describe("Ctrl-C during a PostgreSQL run", () => {
  /** Runs the async failover example for up to a minute and Ctrl-Cs it once `ready` holds. */
  async function interrupted(dir: string, ready: (runDir: string) => boolean) {
    const file = join(EXAMPLES, "postgres-async-failover-loses-writes.yaml");
    const out = await faultline(
      ["run", file, "--time-limit", "60", "--nemesis-interval", "2", "--store", dir],
      ctrlCWhen(() => ready(latestLink(dir))),
    );
    expect(out.code).toBe(130);
    expect(out.stdout).toContain("interrupted");
    const history = readHistory(latestLink(dir));
    expect(history.some((op) => op.f === "final-read")).toBe(false);
    expect(processesUsing(dir)).toEqual([]);
    expect(socketsUnder(dir)).toEqual([]);
    return history;
  }

  const historyHas = (runDir: string, test: (line: string) => boolean) => {
    try {
      return readHistory(runDir).some((op) => test(JSON.stringify(op)));
    } catch {
      return false;
    }
  };

  it(
    "mid-run leaves a readable history, no server and no socket",
    async () => {
      const dir = join(store, "interrupt");
      const history = await interrupted(dir, (runDir) =>
        historyHas(runDir, (op) => op.includes('"type":"ok"') && op.includes('"f":"add"')),
      );
      expect(history.some((op) => op.type === "ok" && op.f === "add")).toBe(true);
      expect(statSync(join(latestLink(dir), "nodes", "n1.log")).size).toBeGreaterThan(0);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    "while a failover's rejoin runs leaves no server and no socket either",
    async () => {
      const dir = join(store, "interrupt-rejoin");
      const history = await interrupted(dir, (runDir) =>
        historyHas(runDir, (op) => op.includes('"f":"rejoin"') && op.includes('"type":"invoke"')),
      );
      expect(history.some((op) => op.f === "rejoin" && op.type === "invoke")).toBe(true);
    },
    RUN_TIMEOUT_MS,
  );
});
