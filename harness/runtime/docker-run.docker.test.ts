// `faultline run --runtime docker` as a user runs it (a child process, real node containers): one
// short run per build with the verdict the strategy deserves, one container per node while it runs
// and none afterwards, and a Ctrl-C mid-run that leaves no container behind.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { connectDocker, RUN_LABEL } from "./docker-engine.js";
import { dockerGate } from "./docker-test-gate.js";

const gate = await dockerGate("faultline run --runtime docker");
const BIN = fileURLToPath(new URL("../../bin/faultline.js", import.meta.url));
// Made by the runs themselves, so skipped or filtered-out tests leave nothing behind.
const store = join(tmpdir(), `faultline-docker-run-${process.pid}`);
afterAll(() => rmSync(store, { recursive: true, force: true }));

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The most containers of the run seen at once while it ran. */
  containersSeen: number;
}

/** Containers whose run label starts with `prefix` (the test name; the run adds a timestamp). */
async function containersOf(prefix: string): Promise<string[]> {
  const docker = (await connectDocker()).container.dockerode;
  const all = await docker.listContainers({ all: true, filters: { label: [RUN_LABEL] } });
  return all.filter((c) => c.Labels[RUN_LABEL]?.startsWith(prefix)).map((c) => c.Names[0] ?? c.Id);
}

async function faultline(
  name: string,
  args: string[],
  onStdout?: (text: string, child: ChildProcess) => void,
): Promise<Finished> {
  const child = spawn(
    process.execPath,
    [BIN, "run", "--runtime", "docker", "--name", name, "--store", join(store, name), ...args],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  let containersSeen = 0;
  let running = true;
  const watch = (async () => {
    while (running) {
      containersSeen = Math.max(containersSeen, (await containersOf(name)).length);
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    onStdout?.(stdout, child);
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  running = false;
  await watch;
  return { code, stdout, stderr, containersSeen };
}

function runDirOf(out: Finished): string {
  const match = /^run: (.+)$/m.exec(out.stdout);
  if (match === null) throw new Error(`no run directory in:\n${out.stdout}\n${out.stderr}`);
  return match[1]!;
}

const common = [
  "--workload",
  "cart",
  "--time-limit",
  "8",
  "--nemesis-interval",
  "2",
  "--seed",
  "7",
];

describe.skipIf(!gate.available)(gate.title, () => {
  it("leaderless lww cart under partitions loses acknowledged items: exit 1", async () => {
    const name = `docker-e2e-lww-${process.pid}`;
    const out = await faultline(name, [
      "--build",
      "leaderless",
      "--strategy",
      "lww",
      "--nemesis",
      "partition",
      ...common,
    ]);
    expect(out.stdout).toMatch(/lost-writes\s+INVALID/);
    expect(out.code).toBe(1);
    const results = JSON.parse(readFileSync(join(runDirOf(out), "results.json"), "utf8"));
    expect(results.results["lost-writes"].counts.lost).toBeGreaterThan(0);
    expect(out.containersSeen).toBe(3);
    expect(await containersOf(name)).toEqual([]);
  }, 120_000);

  it("leaderless siblings cart under partitions keeps every item: exit 0", async () => {
    const name = `docker-e2e-siblings-${process.pid}`;
    const out = await faultline(name, [
      "--build",
      "leaderless",
      "--strategy",
      "siblings",
      "--nemesis",
      "partition",
      ...common,
    ]);
    expect(out.stdout).toMatch(/lost-writes\s+valid/);
    expect(out.code).toBe(0);
    const log = readFileSync(join(runDirOf(out), "nodes", "n3.log"), "utf8");
    expect(log).toContain("listening n3");
    expect(await containersOf(name)).toEqual([]);
  }, 120_000);

  it("leader reject cart under partitions and kills: exit 0", async () => {
    const name = `docker-e2e-leader-${process.pid}`;
    const out = await faultline(name, [
      "--build",
      "leader",
      "--strategy",
      "reject",
      "--nemesis",
      "partition,kill",
      ...common,
    ]);
    expect(out.stdout).toMatch(/lost-writes\s+valid/);
    expect(out.code).toBe(0);
    const history = readFileSync(join(runDirOf(out), "history.jsonl"), "utf8");
    expect(history).toMatch(/"process":"nemesis","type":"(ok|info)","f":"kill"/);
    expect(await containersOf(name)).toEqual([]);
  }, 120_000);

  it("a Ctrl-C mid-run exits 130 and leaves no container", async () => {
    const name = `docker-e2e-interrupt-${process.pid}`;
    let sent = false;
    const out = await faultline(
      name,
      [
        "--build",
        "leaderless",
        "--strategy",
        "siblings",
        "--nemesis",
        "partition",
        "--time-limit",
        "60",
      ],
      (stdout, child) => {
        if (sent || !stdout.includes("seed ")) return;
        sent = true;
        // After the cluster is up and the clients are going.
        setTimeout(() => child.kill("SIGINT"), 8_000);
      },
    );
    expect(out.code).toBe(130);
    expect(out.stdout).toContain("interrupted");
    expect(out.containersSeen).toBe(3);
    expect(await containersOf(name)).toEqual([]);
  }, 120_000);
});
