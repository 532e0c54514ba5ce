// The local runtime's process management and link proxies against stand-in nodes (a tiny plain
// JS server, test-fixtures/stand-in-node.mjs) of a stand-in system declared here: the runtime
// launches what the system's local launch says, on a port it chose, and waits for the system's
// ready probe. Fast, and independent of the real node; local-runtime.e2e.test.ts runs the same
// kind of checks against `faultline node`.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { LocalNodeSpec, NodeAddress, ProcessCommand, System } from "../../systems/system.js";
import { isAlive } from "../run/faultline-process.js";
import { trackedChildren } from "./child-processes.js";
import { createLocalRuntime, type LocalCluster } from "./local-runtime.js";
import type { Cluster, ClusterSpec } from "./runtime.js";

const STAND_IN = fileURLToPath(new URL("./test-fixtures/stand-in-node.mjs", import.meta.url));

const baseUrl = ({ host, port }: NodeAddress) => `http://${host}:${port}`;

function standInCommand(node: LocalNodeSpec): ProcessCommand {
  const peers = Object.entries(node.peers).map(([peer, address]) => `${peer}=${baseUrl(address)}`);
  return {
    file: process.execPath,
    args: [
      STAND_IN,
      ...["--id", node.id, "--listen", `127.0.0.1:${node.port}`, "--data-dir", node.dataDir],
      ...(peers.length > 0 ? ["--peers", peers.join(",")] : []),
      "--exit-with-parent",
    ],
  };
}

/** Every address the stand-in system's ready probe was asked about. */
const probed: NodeAddress[] = [];

/** The stand-in nodes as a system: its local launch, its ready probe, a clock capability. */
const standIn: System<{ name: "stand-in" }> = {
  name: "stand-in",
  summary: "the local runtime's stand-in nodes",
  schema: z.strictObject({ name: z.literal("stand-in") }),
  flags: [],
  nodeIds: () => ["n1", "n2", "n3"],
  traits: () => ({ conflicts: "lww" }),
  capabilities: () => ["clock"],
  describe: () => "stand-in",
  label: () => "stand-in",
  settings: () => [],
  launch: { local: () => ({ command: standInCommand }) },
  async ready(address, signal) {
    probed.push(address);
    try {
      const res = await fetch(`${baseUrl(address)}/health`, {
        signal: AbortSignal.any([signal, AbortSignal.timeout(1000)]),
      });
      return res.status === 200;
    } catch {
      return false;
    }
  },
  connect: (_options, cluster) => ({
    client: () => {
      throw new Error("the stand-in system has no clients");
    },
    dump: async () => ({}),
    async setClockOffset(node, offsetMs) {
      const res = await fetch(`${baseUrl(cluster.address(node))}/admin/clock`, {
        method: "POST",
        body: JSON.stringify({ offsetMs }),
      });
      if (res.status !== 200) throw new Error(`POST /admin/clock answered ${res.status}`);
    },
    close: async () => {},
  }),
  errors: {},
};

function spec(runDir: string, linkFault: ClusterSpec["linkFault"] = "blackhole"): ClusterSpec {
  const options = { name: "stand-in" } as const;
  return {
    name: "stand-in",
    runDir,
    system: standIn,
    options,
    seed: 0,
    nodeIds: standIn.nodeIds(options),
    linkFault,
  };
}

/** Where a node serves now, as a base URL. */
const urlOf = (cluster: Cluster, node: string) => baseUrl(cluster.address(node));

async function get(url: string, timeoutMs = 10_000): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, body: await res.json() };
}

const dirs: string[] = [];
function runDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "faultline-local-runtime-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("local runtime with stand-in nodes (black-hole links)", () => {
  const runtime = createLocalRuntime({ startTimeoutMs: 10_000, stopGraceMs: 1000 });
  let cluster: LocalCluster;
  let dir: string;
  beforeAll(async () => {
    dir = runDir();
    cluster = await runtime.start(spec(dir));
  });
  afterAll(() => cluster?.stop());

  it("starts every node with its own log, and peers reach each other through the proxies", async () => {
    const ports = new Set(cluster.nodes.map((id) => cluster.address(id).port));
    expect(ports.size).toBe(3);
    for (const id of cluster.nodes) {
      // Launched on the port the runtime chose; ready once the system's probe said so there.
      expect(cluster.address(id).host).toBe("127.0.0.1");
      expect(probed).toContainEqual(cluster.address(id));
      expect(cluster.state(id)).toBe("running");
      expect(await get(`${urlOf(cluster, id)}/health`)).toEqual({
        status: 200,
        body: { node: id, role: "peer" },
      });
      expect(readFileSync(join(dir, "nodes", `${id}.log`), "utf8")).toContain(`listening ${id} `);
    }
    expect((await get(`${urlOf(cluster, "n1")}/peer/n2`)).body).toEqual({
      node: "n2",
      role: "peer",
    });
  });

  it("a cut link hangs the traffic over it only, in its direction only, until healed", async () => {
    await cluster.cutLinks([["n1", "n2"]]);
    expect(cluster.cutLinkList()).toEqual([["n1", "n2"]]);
    const cut = await get(`${urlOf(cluster, "n1")}/peer/n2?timeoutMs=300`);
    expect(cut.status).toBe(504);
    expect(JSON.stringify(cut.body)).toMatch(/TimeoutError|aborted/i);
    expect((await get(`${urlOf(cluster, "n2")}/peer/n1`)).status).toBe(200);
    expect((await get(`${urlOf(cluster, "n1")}/peer/n3`)).status).toBe(200);
    // Clients talk to the nodes directly: a cut link does not touch them.
    expect((await get(`${urlOf(cluster, "n2")}/health`)).status).toBe(200);
    await cluster.healLinks();
    expect(cluster.cutLinkList()).toEqual([]);
    expect((await get(`${urlOf(cluster, "n1")}/peer/n2`)).status).toBe(200);
  });

  it("kill is a SIGKILL; restart comes back on the same port and data", async () => {
    const url = urlOf(cluster, "n1");
    const put = await fetch(`${url}/kv/a`, { method: "PUT", body: JSON.stringify({ value: 42 }) });
    expect(put.status).toBe(200);
    const pid = cluster.pid("n1")!;
    await cluster.kill("n1");
    expect(isAlive(pid)).toBe(false);
    expect(cluster.state("n1")).toBe("down");
    expect(trackedChildren()).not.toContain(pid);
    expect((await get(`${urlOf(cluster, "n2")}/peer/n1?timeoutMs=500`)).status).toBe(504);
    await expect(cluster.pause("n1")).rejects.toThrow(/n1 is down/);
    await cluster.restart("n1");
    expect(urlOf(cluster, "n1")).toBe(url);
    expect(cluster.pid("n1")).not.toBe(pid);
    expect((await get(`${url}/kv/a`)).body).toEqual({ values: [42], context: "" });
    expect((await get(`${urlOf(cluster, "n2")}/peer/n1`)).status).toBe(200);
    await expect(cluster.restart("n1")).rejects.toThrow(/n1 is running/);
  });

  it("a restart whose port was taken meanwhile comes up on another one, behind the same proxies", async () => {
    const oldUrl = urlOf(cluster, "n2");
    await cluster.kill("n2");
    const squatter = createServer();
    await new Promise<void>((resolve) =>
      squatter.listen(Number(new URL(oldUrl).port), "127.0.0.1", resolve),
    );
    try {
      await cluster.restart("n2");
    } finally {
      squatter.close();
    }
    expect(urlOf(cluster, "n2")).not.toBe(oldUrl);
    expect((await get(`${urlOf(cluster, "n2")}/health`)).status).toBe(200);
    expect((await get(`${urlOf(cluster, "n1")}/peer/n2`)).body).toEqual({
      node: "n2",
      role: "peer",
    });
  });

  it("pause stops a node answering; resume brings it back", async () => {
    await cluster.pause("n2");
    expect(cluster.state("n2")).toBe("paused");
    await expect(get(`${urlOf(cluster, "n2")}/health`, 300)).rejects.toThrow();
    await cluster.resume("n2");
    expect((await get(`${urlOf(cluster, "n2")}/health`)).status).toBe(200);
  });

  it("sets a node's clock offset through the system's session (the stand-in's /admin/clock)", async () => {
    const session = standIn.connect({ name: "stand-in" }, cluster, { opTimeoutMs: 1000 });
    await session.setClockOffset!("n3", -1500, new AbortController().signal);
    expect((await get(`${urlOf(cluster, "n3")}/admin/clock`)).body).toEqual({ offsetMs: -1500 });
  });

  it("names an unknown node", async () => {
    await expect(cluster.kill("n9")).rejects.toThrow(
      'unknown node "n9" (the cluster has n1, n2, n3)',
    );
    await expect(cluster.cutLinks([["n1", "n9"]])).rejects.toThrow(/unknown node "n9"/);
  });

  it("stop ends every node, paused ones too, and is idempotent", async () => {
    await cluster.pause("n3");
    const pids = cluster.nodes.map((id) => cluster.pid(id)!);
    expect(pids.every(isAlive)).toBe(true);
    await cluster.stop();
    await cluster.stop();
    expect(pids.filter(isAlive)).toEqual([]);
    for (const pid of pids) expect(trackedChildren()).not.toContain(pid);
    expect(readFileSync(join(dir, "nodes", "n1.log"), "utf8")).toContain("n1 SIGTERM");
  });
});

describe("local runtime with stand-in nodes (reset links)", () => {
  it("a cut link fails requests over it fast instead of hanging", async () => {
    const runtime = createLocalRuntime({ startTimeoutMs: 10_000, stopGraceMs: 1000 });
    await using cluster = await runtime.start(spec(runDir(), "reset"));
    await cluster.cutLinks([["n1", "n2"]]);
    const cut = await get(`${urlOf(cluster, "n1")}/peer/n2?timeoutMs=5000`, 8000);
    expect(cut.status).toBe(504);
    // It failed on the reset connection, not on its 5 s timeout (a condition a loaded machine
    // cannot blur, as it could a measured time).
    expect(JSON.stringify(cut.body)).not.toMatch(/TimeoutError|aborted/i);
    await cluster.healLinks();
    expect((await get(`${urlOf(cluster, "n1")}/peer/n2`)).status).toBe(200);
  });
});

describe("local runtime start failures", () => {
  it("names the node that died and quotes its log, and leaves no node running", async () => {
    const before = trackedChildren();
    const runtime = createLocalRuntime({
      startTimeoutMs: 10_000,
      command: (options) =>
        options.id === "n2"
          ? {
              file: process.execPath,
              args: ["-e", "console.error('n2 cannot open its log'); process.exit(3)"],
            }
          : standInCommand(options),
    });
    const dir = runDir();
    const failure = runtime.start(spec(dir));
    await expect(failure).rejects.toThrow(/node n2 exited \(code 3\) before it was ready/);
    await expect(failure).rejects.toThrow(/n2 cannot open its log/);
    await expect(failure).rejects.toThrow(join(dir, "nodes", "n2.log"));
    expect(trackedChildren()).toEqual(before);
  });

  it("names a node that never becomes ready, and kills it", async () => {
    const before = trackedChildren();
    const runtime = createLocalRuntime({
      startTimeoutMs: 1500,
      command: () => ({ file: process.execPath, args: ["-e", "setInterval(() => {}, 1000)"] }),
    });
    await expect(runtime.start({ ...spec(runDir()), nodeIds: ["n1"] })).rejects.toThrow(
      /node n1 was not ready on 127\.0\.0\.1:\d+ within 1500 ms/,
    );
    expect(trackedChildren()).toEqual(before);
  });

  it("refuses a system that cannot run locally, naming the runtimes it has", async () => {
    const unlaunchable: System<{ name: "stand-in" }> = { ...standIn, launch: {} };
    await expect(
      createLocalRuntime().start({ ...spec(runDir()), system: unlaunchable }),
    ).rejects.toThrow("system stand-in has no local launch (it has: none)");
  });
});
