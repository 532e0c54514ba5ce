// The local runtime with real `faultline node`s (leaderless, lww): a cut link makes quorum writes
// that need it time out while others succeed, kill + restart keeps the node's data, pause stops
// it answering, a clock offset (through the faultline system's session) changes which LWW write
// wins, and stop leaves no pid alive.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SystemSession } from "../../systems/system.js";
import { isAlive } from "../run/faultline-process.js";
import { type LocalCluster, localRuntime } from "./local-runtime.js";
import { clusterSpec } from "./test-fixtures/cluster-spec.js";

const dir = mkdtempSync(join(tmpdir(), "faultline-local-runtime-e2e-"));
const spec = clusterSpec("local-runtime-e2e", dir, {
  name: "faultline",
  build: "leaderless",
  strategy: "lww",
  // Long enough that a busy machine's three nodes always make a quorum that has its links; only
  // the writes that need a cut link wait it out.
  requestTimeout: "3s",
});
let cluster: LocalCluster;
let session: SystemSession;

beforeAll(async () => {
  cluster = await localRuntime.start(spec);
  session = spec.system.connect(spec.options, cluster, { opTimeoutMs: 5000 });
});
afterAll(async () => {
  await session?.close();
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The node's base URL, where it serves now. */
function url(node: string): string {
  const { host, port } = cluster.address(node);
  return `http://${host}:${port}`;
}

const noSignal = new AbortController().signal;

async function put(node: string, key: string, value: unknown, w: number) {
  const res = await fetch(`${url(node)}/kv/${key}?w=${w}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ value }),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function read(node: string, key: string, r: number): Promise<unknown> {
  const res = await fetch(`${url(node)}/kv/${key}?r=${r}`, {
    signal: AbortSignal.timeout(10_000),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { values: unknown }).values;
}

async function health(node: string, timeoutMs = 5000): Promise<number> {
  const res = await fetch(`${url(node)}/health`, {
    signal: AbortSignal.timeout(timeoutMs),
  });
  return res.status;
}

describe("local runtime with faultline nodes", () => {
  it("starts every node on its own port, log and data directory", async () => {
    const urls = new Set(cluster.nodes.map(url));
    expect(urls.size).toBe(3);
    for (const id of cluster.nodes) {
      expect(await health(id)).toBe(200);
      expect(readFileSync(join(dir, "nodes", `${id}.log`), "utf8")).toContain(`listening ${id} `);
    }
  });

  it("a cut link times out the writes that need it; the others go through; heal restores it", async () => {
    expect((await put("n1", "cut", 1, 3)).status).toBe(200);
    await cluster.cutLinks([["n1", "n2"]]);
    try {
      // n2 hears nothing from n1: neither its writes nor its acks.
      for (const coordinator of ["n1", "n2"]) {
        const needsLink = await put(coordinator, "cut", 2, 3);
        expect(needsLink.status).toBe(504);
        expect(needsLink.body.error).toBe("timeout");
      }
      // A quorum of two (n1 + n3) does not need the link, nor does n3 hearing from everyone.
      expect((await put("n1", "cut", 3, 2)).status).toBe(200);
      expect((await put("n3", "cut", 4, 3)).status).toBe(200);
    } finally {
      await cluster.healLinks();
    }
    expect((await put("n1", "cut", 5, 3)).status).toBe(200);
    expect((await put("n2", "cut", 6, 3)).status).toBe(200);
  });

  it("kill is a SIGKILL; restart brings the node back on its data", async () => {
    expect((await put("n1", "durable", "kept", 3)).status).toBe(200);
    const pid = cluster.pid("n1")!;
    const address = cluster.address("n1");
    await cluster.kill("n1");
    expect(isAlive(pid)).toBe(false);
    expect(cluster.state("n1")).toBe("down");
    await expect(health("n1")).rejects.toThrow();
    await cluster.restart("n1");
    expect(cluster.state("n1")).toBe("running");
    expect(cluster.address("n1")).toEqual(address);
    expect(await read("n1", "durable", 1)).toEqual(["kept"]);
  });

  it("pause stops a node answering; resume brings it back", async () => {
    await cluster.pause("n2");
    expect(cluster.state("n2")).toBe("paused");
    await expect(health("n2", 300)).rejects.toThrow();
    await cluster.resume("n2");
    expect(cluster.state("n2")).toBe("running");
    expect(await health("n2")).toBe(200);
  });

  it("a clock offset decides which last write wins", async () => {
    // n1's clock an hour behind: its later write carries an older timestamp and loses.
    await session.setClockOffset!("n1", -3_600_000, noSignal);
    expect((await put("n2", "clock", "first", 3)).status).toBe(200);
    expect((await put("n1", "clock", "second", 3)).status).toBe(200);
    expect(await read("n3", "clock", 3)).toEqual(["first"]);
    await session.setClockOffset!("n1", 0, noSignal);
    expect((await put("n1", "clock", "third", 3)).status).toBe(200);
    expect(await read("n3", "clock", 3)).toEqual(["third"]);
  });

  it("stop ends every node, a paused one too", async () => {
    await cluster.pause("n3");
    const pids = cluster.nodes.map((id) => cluster.pid(id)!);
    expect(pids.every(isAlive)).toBe(true);
    await cluster.stop();
    expect(pids.filter(isAlive)).toEqual([]);
  });
});
