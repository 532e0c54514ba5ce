// The node as a process, through both entries (`faultline node` and the standalone node-main.ts):
// --help, bad flags → exit 254 naming the flag, a clean stop on SIGTERM (log flushed) and on EOF
// of stdin with --exit-with-parent, and a clear refusal to start on a damaged log (mid-file, or a
// rotten complete last record).
import { spawnSync } from "node:child_process";
import { appendFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeDefaults, type NodeOptions } from "../node-options.js";
import { frameRecord } from "./append-log.js";
import { logPath } from "./node-server.js";
import { entryArgs, type NodeEntry, type SpawnedNode, spawnNode } from "./spawned-node.js";
import { kv } from "./test-http-client.js";

let dir: string;
const started: SpawnedNode[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "faultline-node-cmd-"));
});
afterAll(async () => {
  await Promise.all(started.map((n) => n.kill9()));
  await rm(dir, { recursive: true, force: true });
});

function options(id: string): NodeOptions {
  return {
    ...nodeDefaults,
    id,
    listen: { host: "127.0.0.1", port: 0 },
    build: "leaderless",
    strategy: "siblings",
    peers: {},
    dataDir: join(dir, id),
    w: 1,
    r: 1,
  };
}

function run(entry: NodeEntry, args: string[]) {
  return spawnSync(process.execPath, [...entryArgs(entry), ...args], {
    encoding: "utf8",
    timeout: 20_000,
  });
}

describe.each(["cli", "main"] as const)("the node process (%s entry)", (entry) => {
  it("prints its flags with --help and exits 0", () => {
    const out = run(entry, ["--help"]);
    expect(out.status).toBe(0);
    for (const flag of [
      "--id",
      "--listen",
      "--peers",
      "--data-dir",
      "--fsync",
      "--anti-entropy-ms",
      "--exit-with-parent",
    ]) {
      expect(out.stdout).toContain(flag);
    }
  });

  it("exits 254 naming a bad flag, its value and what is allowed", () => {
    const base = [
      "--id",
      "n1",
      "--listen",
      "127.0.0.1:0",
      "--build",
      "leaderless",
      "--data-dir",
      dir,
    ];
    const out = run(entry, [...base, "--strategy", "crdt"]);
    expect(out.status).toBe(254);
    expect(out.stderr).toContain(
      '--strategy "crdt" is not valid: expected lww | reject | siblings',
    );
    const missing = run(entry, base);
    expect(missing.status).toBe(254);
    expect(missing.stderr).toContain("--strategy");
  });

  it("stops cleanly on SIGTERM with its writes on disk", async () => {
    const o = { ...options(`term-${entry}`), fsync: "never" as const };
    const node = await spawnNode(o, entry);
    started.push(node);
    expect((await kv(node.url).put("k", "v")).status).toBe(200);
    // fsync "never" keeps the record in memory for a while: a clean stop must still write it.
    expect(await node.stop()).toBe(0);
    expect(node.stderr()).toMatch(/stopping \(SIGTERM\)[\s\S]*stopped/);
    const again = await spawnNode(o, entry);
    started.push(again);
    expect((await kv(again.url).get("k")).json).toMatchObject({ values: ["v"] });
  });

  it("exits with --exit-with-parent when stdin reaches EOF", async () => {
    const node = await spawnNode(options(`orphan-${entry}`), entry);
    started.push(node);
    const exited = new Promise<number | null>((resolve) => node.child.once("exit", resolve));
    node.child.stdin!.end();
    expect(await exited).toBe(0);
    expect(node.stderr()).toContain("stdin closed");
  });
});

/** Starts node `id`, writes one key, stops it; returns its options and log path. */
async function nodeWithLog(id: string): Promise<{ o: NodeOptions; path: string }> {
  const o = options(id);
  const first = await spawnNode(o, "main");
  started.push(first);
  await kv(first.url).put("k", 1);
  expect(await first.stop()).toBe(0);
  return { o, path: logPath(o.dataDir, o.id) };
}

function restart(o: NodeOptions) {
  return run("main", [
    ...["--id", o.id, "--listen", "127.0.0.1:0", "--build", o.build, "--strategy", o.strategy],
    ...["--data-dir", o.dataDir],
  ]);
}

it("refuses to start on a log damaged before its last record, naming file and offset", async () => {
  const { o, path } = await nodeWithLog("damaged");
  await appendFile(path, `00000000 {"garbage":true}\n${frameRecord({ t: "boot", n: 9 })}`);
  const out = restart(o);
  expect(out.status).toBe(1);
  expect(out.stderr).toContain(`cannot start: ${path}: corrupt record at byte offset`);
});

it("refuses to start when a byte of its complete last record rotted, naming file and offset", async () => {
  const { o, path } = await nodeWithLog("rotten");
  const data = await readFile(path);
  const lastStart = data.lastIndexOf(0x0a, data.length - 2) + 1;
  // A byte inside the last record's JSON (after its 9-byte header), its newline kept.
  const at = lastStart + 12;
  data[at] = data[at]! ^ 0x01;
  await writeFile(path, data);
  const out = restart(o);
  expect(out.status).toBe(1);
  expect(out.stderr).toContain(
    `cannot start: ${path}: corrupt record at byte offset ${lastStart} (line `,
  );
  expect(out.stderr).toContain("checksum mismatch");
  expect(out.stderr).not.toContain("dropped a torn");
});
