// The local runtime executing a launch that asks for more than our node does — PostgreSQL's: a
// setup before each node's first start (initdb; base backups only once the primary runs), each
// server signalled with every process it forked (kill leaves no backend, pause stops them all), the
// postgres user as owner when the tests run as root, jobs on a down node (a fresh base backup),
// the link proxies as the addresses the nodes keep, sockets removed on stop; and a SIGKILLed
// harness with a paused server leaves no process of any group behind (the watchdog).
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probe, walReceiver } from "../../systems/postgres/postgres-admin.js";
import { localOwner } from "../../systems/postgres/postgres-binaries.js";
import { eventually } from "../../systems/postgres/test-support.js";
import {
  leftSegmentId,
  leftSocketFiles,
  releaseLeftovers,
  sharedSegmentIds,
} from "../../systems/postgres/postgres-leftovers.js";
import { isAlive } from "../run/faultline-process.js";
import { type LocalCluster, localRuntime } from "./local-runtime.js";
import { treeMembers } from "./process-tree.js";
import { clusterSpec } from "./test-fixtures/cluster-spec.js";

const RUN_TS = fileURLToPath(new URL("../../bin/run-ts.js", import.meta.url));
const HARNESS = fileURLToPath(new URL("./test-fixtures/harness-child.ts", import.meta.url));

/** A run folder the server's user can reach (mkdtemp makes it 0700). */
function runFolder(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

const dir = runFolder("faultline-local-pg-");
let cluster: LocalCluster;

beforeAll(async () => {
  cluster = await localRuntime.start(
    clusterSpec("local-pg", dir, { name: "postgres", standbys: 2 }),
  );
}, 120_000);
afterAll(async () => {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const log = (node: string) => readFileSync(join(dir, "nodes", `${node}.log`), "utf8");
const answers = async (node: string) => (await probe(cluster.address(node), 1_000)) !== undefined;
/** Every process of a node's server: the postmaster and what it forked. */
const group = (node: string) => treeMembers(cluster.pid(node)!);

describe("the local runtime with PostgreSQL's launch", () => {
  it("sets the primary up with initdb and each standby with a base backup of the running primary", async () => {
    expect(log("n1")).toMatch(/--- initdb: /);
    for (const standby of ["n2", "n3"]) {
      expect(log(standby)).toMatch(/--- pg_basebackup: /);
      expect(log(standby)).not.toMatch(/--- initdb/);
      // Its primary is the link proxy n2 → n1, so that a partition cuts replication.
      // (Its WAL receiver connects after the server answers SQL, so the first look may be early.)
      const proxy = cluster.peer(standby, "n1");
      await eventually(`${standby} streams`, async () => {
        const receiver = await walReceiver(cluster.address(standby));
        return receiver?.status === "streaming";
      });
      expect(await walReceiver(cluster.address(standby))).toMatchObject({ senderPort: proxy.port });
    }
    expect((await probe(cluster.address("n1")))?.inRecovery).toBe(false);
    expect((await probe(cluster.address("n2")))?.inRecovery).toBe(true);
  });

  it("gives the data folders to the server's user, 0700, under reachable parents", () => {
    const owner = localOwner();
    const data = statSync(join(dir, "data", "n1"));
    expect(data.mode & 0o777).toBe(0o700);
    if (owner !== undefined) expect(data.uid).toBe(owner.uid);
    expect(statSync(join(dir, "data")).mode & 0o005).toBe(0o005);
  });

  it("kill leaves no process the server forked; restart serves again", async () => {
    const leader = cluster.pid("n3")!;
    const members = group("n3");
    expect(members.length).toBeGreaterThan(3);
    await cluster.kill("n3");
    expect(cluster.state("n3")).toBe("down");
    expect(treeMembers(leader)).toEqual([]);
    expect(members.filter((m) => isAlive(m.pid))).toEqual([]);
    await cluster.restart("n3");
    expect(await answers("n3")).toBe(true);
  });

  it("pause stops every process of the server; resume brings it back", async () => {
    await cluster.pause("n2");
    expect(group("n2").every((m) => m.state === "T")).toBe(true);
    expect(await answers("n2")).toBe(false);
    await cluster.resume("n2");
    await eventually("n2 answers again", () => answers("n2"));
    expect(group("n2").some((m) => m.state === "T")).toBe(false);
  });

  it("runs a job on a down node only, as at setup: a fresh base backup brings n3 back", async () => {
    const never = new AbortController().signal;
    await expect(cluster.runJob("n3", "base-backup", { source: "n1" }, never)).rejects.toThrow(
      /n3 is running: kill it first/,
    );
    await cluster.kill("n3");
    await expect(cluster.runJob("n3", "defragment", {}, never)).rejects.toThrow(
      /no job "defragment" \(it has: rewind, base-backup\)/,
    );
    await cluster.runJob("n3", "base-backup", { source: "n1" }, never);
    expect(log("n3")).toMatch(/--- remove the old data/);
    await cluster.restart("n3");
    await eventually("n3 streams from n1 again", async () => {
      const receiver = await walReceiver(cluster.address("n3")).catch(() => undefined);
      return receiver?.status === "streaming";
    });
  }, 120_000);

  it("stop ends every server and removes the sockets' folder; a kill leaves nothing in memory", async () => {
    // A SIGKILLed server would keep its System V segment and its socket files (named in
    // postmaster.pid) until someone removed them: the kill releases them once every process of
    // the server is gone.
    const segment = leftSegmentId(join(dir, "data", "n2"));
    expect(segment).toBeTypeOf("number");
    expect(sharedSegmentIds()).toContain(segment);
    const socketFiles = leftSocketFiles(join(dir, "data", "n2"));
    expect(socketFiles).toHaveLength(2);
    expect(socketFiles.every(existsSync)).toBe(true);
    await cluster.kill("n2");
    expect(sharedSegmentIds()).not.toContain(segment);
    expect(socketFiles.some(existsSync)).toBe(false);
    const leaders = ["n1", "n3"].map((node) => cluster.pid(node)!);
    const sockets = join(dir, "sockets");
    expect(existsSync(sockets)).toBe(true);
    await cluster.stop();
    for (const leader of leaders) expect(treeMembers(leader)).toEqual([]);
    expect(existsSync(sockets)).toBe(false);
    expect(log("n1")).toMatch(/received fast shutdown request/);
  });
});

describe("a SIGKILLed harness with a paused PostgreSQL server", () => {
  const harnessDir = runFolder("faultline-local-pg-kill-");
  afterAll(() => {
    // The SIGKILLed harness released nothing: its servers' shared memory is ours to remove.
    for (const node of ["n1", "n2", "n3"]) releaseLeftovers(join(harnessDir, "data", node));
    rmSync(harnessDir, { recursive: true, force: true });
  });

  it("leaves no process of any server behind, nor its shared memory", async () => {
    const child = spawn(process.execPath, [RUN_TS, HARNESS, harnessDir, "pause", "postgres"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const members: number[] = [];
    try {
      await eventually(
        `the harness's cluster (${output})`,
        () => output.includes("ready {"),
        120_000,
      );
      const line = output.split("\n").find((l) => l.startsWith("ready "))!;
      const leaders = Object.values(
        JSON.parse(line.slice("ready ".length)) as Record<string, number>,
      );
      for (const leader of leaders) members.push(...treeMembers(leader).map((m) => m.pid));
      const segments = ["n1", "n2", "n3"].map((n) => leftSegmentId(join(harnessDir, "data", n)));
      expect(segments.every(Number.isInteger)).toBe(true);
      const paused = treeMembers(leaders[0]!);
      expect(paused.length).toBeGreaterThan(3);
      expect(paused.every((m) => m.state === "T")).toBe(true);
      child.kill("SIGKILL");
      await exited;
      await eventually("every server process is gone", () => members.every((pid) => !isAlive(pid)));
      // Each server shut down at once on its parent-death signal (SIGQUIT; the paused one once
      // the watchdog continued it), which removes its segment and postmaster.pid.
      expect(sharedSegmentIds().filter((id) => segments.includes(id))).toEqual([]);
      for (const node of ["n1", "n2", "n3"]) {
        expect(existsSync(join(harnessDir, "data", node, "postmaster.pid"))).toBe(false);
      }
    } finally {
      child.kill("SIGKILL");
      for (const pid of members.filter(isAlive)) process.kill(pid, "SIGKILL");
    }
  }, 180_000);
});
