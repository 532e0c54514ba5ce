// The docker runtime against real node containers (the faultline system's docker launch):
// PUT/GET through address(), partitions that really cut links and heal, kill/restart keeping an
// acknowledged write (and the cuts), pause/resume, clock skew through the system's session, logs
// and removal at stop, and removal on the exit paths (Ctrl-C, SIGKILL + clean).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SystemSession } from "../../systems/system.js";
import { connectDocker, RUN_LABEL } from "./docker-engine.js";
import { dockerRuntime } from "./docker-runtime.js";
import { dockerGate } from "./docker-test-gate.js";
import type { Cluster, ClusterSpec } from "./runtime.js";
import { clusterSpec } from "./test-fixtures/cluster-spec.js";

const gate = await dockerGate("docker runtime");
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
// Made by the runs themselves, so skipped or filtered-out tests leave nothing behind.
const dir = join(tmpdir(), `faultline-docker-${process.pid}`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function spec(suffix: string, nodes: number, linkFault: ClusterSpec["linkFault"]): ClusterSpec {
  const name = `faultline-test-${suffix}-${process.pid}`;
  // Anti-entropy fast enough that a healed link shows within the test's patience.
  const system = {
    name: "faultline",
    build: "leaderless",
    strategy: "lww",
    nodes,
    antiEntropy: "200ms",
  } as const;
  return clusterSpec(name, join(dir, suffix), system, linkFault);
}

/** The port the faultline system's nodes serve on inside their containers. */
function nodePort(s: ClusterSpec): number {
  return s.system.launch.docker!(s.options, { seed: s.seed }).port;
}

const urlOf = (c: Cluster, n: string) => {
  const { host, port } = c.address(n);
  return `http://${host}:${port}`;
};

async function put(c: Cluster, n: string, key: string, value: unknown, w: number): Promise<number> {
  const res = await fetch(`${urlOf(c, n)}/kv/${key}?w=${w}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ value }),
    signal: AbortSignal.timeout(5_000),
  });
  await res.body?.cancel();
  return res.status;
}

/** The values node `n` holds itself (r=1: no peer is asked). */
async function local(c: Cluster, n: string, key: string): Promise<unknown[]> {
  const res = await fetch(`${urlOf(c, n)}/kv/${key}?r=1`, { signal: AbortSignal.timeout(5_000) });
  return ((await res.json()) as { values: unknown[] }).values;
}

async function eventually(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not within ${ms} ms: ${what}`);
}

async function labelled(run: string): Promise<{ containers: number; networks: number }> {
  const docker = (await connectDocker()).container.dockerode;
  const label = [`${RUN_LABEL}=${run}`];
  const containers = await docker.listContainers({ all: true, filters: { label } });
  const networks = await docker.listNetworks({ filters: { label } });
  return { containers: containers.length, networks: networks.length };
}

/** Opens a TCP connection from one node's container to another's node port, as a peer would
 * ("timeout" when no answer comes within 2 s: a cut link drops the packets). */
async function probe(s: ClusterSpec, from: string, to: string): Promise<string> {
  const client = await connectDocker();
  const docker = client.container.dockerode;
  const target = await docker.getContainer(`${s.name}-${to}`).inspect();
  const ip = target.NetworkSettings.Networks[s.name]?.IPAddress;
  const script =
    `const s = require("net").connect(${nodePort(s)}, "${ip}");` +
    `const t = setTimeout(() => { console.log("timeout"); process.exit(0); }, 2_000);` +
    `s.on("connect", () => { console.log("connected"); process.exit(0); });` +
    `s.on("error", (e) => { console.log(e.code); process.exit(0); });`;
  const result = await client.container.exec(docker.getContainer(`${s.name}-${from}`), [
    "node",
    "-e",
    script,
  ]);
  return result.stdout.trim();
}

describe.skipIf(!gate.available)(gate.title, () => {
  describe("a 3-node cluster", () => {
    const s = spec("three", 3, "blackhole");
    let c: Cluster;
    let session: SystemSession;
    beforeAll(async () => {
      c = await dockerRuntime.start(s);
      session = s.system.connect(s.options, c, { opTimeoutMs: 5_000 });
    }, 120_000);
    afterAll(async () => {
      await session?.close();
      await c?.stop();
    }, 60_000);

    it("runs one labelled container per node, answering through address()", async () => {
      expect(await labelled(s.name)).toEqual({ containers: 3, networks: 1 });
      for (const n of c.nodes) {
        expect(c.address(n).host).toBe("127.0.0.1");
        expect(c.state(n)).toBe("running");
      }
      expect(new Set(c.nodes.map((n) => c.address(n).port)).size).toBe(3);
      expect(await put(c, "n1", "hello", "world", 3)).toBe(200);
      for (const n of c.nodes) expect(await local(c, n, "hello")).toEqual(["world"]);
    });

    it("a cut link is cut in its direction only, on the wire", async () => {
      await c.cutLinks([["n1", "n2"]]);
      expect(await probe(s, "n1", "n2")).toBe("timeout");
      expect(await probe(s, "n2", "n1")).toBe("connected");
      expect(await probe(s, "n1", "n3")).toBe("connected");
      await c.healLinks();
      expect(await probe(s, "n1", "n2")).toBe("connected");
    }, 60_000);

    it("an isolated node fails writes that need it and misses replication until healed", async () => {
      await c.cutLinks([
        ["n1", "n2"],
        ["n2", "n1"],
        ["n3", "n2"],
        ["n2", "n3"],
      ]);
      expect(await put(c, "n1", "cut", 1, 3)).toBeGreaterThanOrEqual(500);
      expect(await put(c, "n1", "cut-w1", 1, 1)).toBe(200);
      await eventually(
        "n3 gets n1's write",
        async () => (await local(c, "n3", "cut-w1")).length > 0,
      );
      // Anti-entropy runs every 200 ms: a second without the value means n2 is really cut off.
      await new Promise((r) => setTimeout(r, 1_000));
      expect(await local(c, "n2", "cut-w1")).toEqual([]);

      await c.healLinks();
      await eventually(
        "n2 gets n1's write",
        async () => (await local(c, "n2", "cut-w1")).length > 0,
      );
      expect(await put(c, "n1", "healed", 1, 3)).toBe(200);
    }, 60_000);

    it("kill and restart keep an acknowledged write, and the cuts still hold", async () => {
      expect(await put(c, "n3", "durable", "kept", 1)).toBe(200);
      await c.cutLinks([
        ["n3", "n1"],
        ["n1", "n3"],
      ]);
      await expect(c.restart("n3")).rejects.toThrow(
        "node n3 is running: kill it before restarting",
      );
      await c.kill("n3");
      expect(c.state("n3")).toBe("down");
      await expect(fetch(`${urlOf(c, "n3")}/health`)).rejects.toThrow();
      await c.restart("n3");
      expect(c.state("n3")).toBe("running");
      expect(await local(c, "n3", "durable")).toEqual(["kept"]);
      // The restarted container has a new network namespace: the runtime re-applied its rules.
      expect(await put(c, "n3", "after-restart", 1, 3)).toBeGreaterThanOrEqual(500);
      await c.healLinks();
      expect(await put(c, "n3", "after-heal", 1, 3)).toBe(200);
    }, 60_000);

    it("a paused node answers nothing until resumed", async () => {
      await c.pause("n2");
      expect(c.state("n2")).toBe("paused");
      await expect(
        fetch(`${urlOf(c, "n2")}/health`, { signal: AbortSignal.timeout(1_000) }),
      ).rejects.toThrow();
      expect(await put(c, "n1", "paused", 1, 3)).toBeGreaterThanOrEqual(500);
      await c.resume("n2");
      expect(await put(c, "n1", "resumed", 1, 3)).toBe(200);
    }, 60_000);

    it("a clock an hour ahead wins last-write-wins over a later write", async () => {
      const signal = new AbortController().signal;
      await session.setClockOffset!("n1", 3_600_000, signal);
      expect(await put(c, "n1", "clock", "from-the-future", 3)).toBe(200);
      expect(await put(c, "n2", "clock", "later", 3)).toBe(200);
      expect(await local(c, "n3", "clock")).toEqual(["from-the-future"]);
      await session.setClockOffset!("n1", 0, signal);
    }, 30_000);

    it("overlapping faults (a cut during a pause, a heal during a kill) all take effect", async () => {
      await Promise.all([
        c.pause("n2"),
        c.cutLinks([
          ["n1", "n2"],
          ["n2", "n1"],
        ]),
      ]);
      await c.resume("n2");
      // n2 was frozen when the cut came: its own rules were added on resume.
      expect(await probe(s, "n2", "n1")).toBe("timeout");
      expect(await probe(s, "n1", "n2")).toBe("timeout");
      await Promise.all([c.kill("n3"), c.healLinks()]);
      expect(await probe(s, "n2", "n1")).toBe("connected");
      await c.restart("n3");
      expect(await put(c, "n1", "overlap", 1, 3)).toBe(200);
    }, 60_000);

    it("stop saves every node's log and removes the containers, paused and killed ones too", async () => {
      await c.pause("n2");
      await c.kill("n3");
      await c.stop();
      expect(await labelled(s.name)).toEqual({ containers: 0, networks: 0 });
      for (const n of c.nodes) {
        expect(readFileSync(join(s.runDir, "nodes", `${n}.log`), "utf8")).toContain(
          `listening ${n}`,
        );
      }
      await c.stop(); // idempotent
    }, 60_000);
  });

  it("reset links refuse connections instead of hanging", async () => {
    const s = spec("reset", 2, "reset");
    await using c = await dockerRuntime.start(s);
    await c.cutLinks([["n1", "n2"]]);
    expect(await probe(s, "n1", "n2")).toBe("ECONNREFUSED");
    expect(await put(c, "n1", "k", 1, 2)).toBeGreaterThanOrEqual(500);
    await c.healLinks();
    expect(await probe(s, "n1", "n2")).toBe("connected");
    expect(await put(c, "n1", "k", 2, 2)).toBe(200);
  }, 60_000);

  it("a node that cannot start fails start() with its own message and leaves nothing", async () => {
    const s = spec("bad", 2, "blackhole");
    // Past the schema (which would refuse it), so the node itself refuses it at start.
    const bad = { ...s, options: { ...s.options, strategy: "bogus" } };
    await expect(dockerRuntime.start(bad)).rejects.toThrow(
      /node n\d \(container .*\) did not start: .*--strategy "bogus" is not valid/,
    );
    expect(await labelled(s.name)).toEqual({ containers: 0, networks: 0 });
    expect(readFileSync(join(s.runDir, "nodes", "n1.log"), "utf8")).toContain("is not valid");
  }, 60_000);

  describe("exit paths", () => {
    function harness(suffix: string) {
      const s = spec(suffix, 1, "blackhole");
      const child = spawn(
        process.execPath,
        [
          join(ROOT, "bin/run-ts.js"),
          join(ROOT, "harness/runtime/docker-harness-child.ts"),
          s.name,
          s.runDir,
        ],
        { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
      );
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (out += d.toString()));
      const started = new Promise<void>((resolve, reject) => {
        child.stdout.on("data", () => out.includes("started") && resolve());
        child.on("exit", () => reject(new Error(`the harness exited before starting:\n${out}`)));
      });
      const exited = new Promise<number | null>((resolve) =>
        child.on("exit", (code) => resolve(code)),
      );
      return { s, child, started, exited };
    }

    it("Ctrl-C removes the run's containers and network and keeps the node logs", async () => {
      const h = harness("sigint");
      await h.started;
      expect(await labelled(h.s.name)).toEqual({ containers: 1, networks: 1 });
      h.child.kill("SIGINT");
      expect(await h.exited).toBe(130);
      expect(await labelled(h.s.name)).toEqual({ containers: 0, networks: 0 });
      expect(existsSync(join(h.s.runDir, "nodes", "n1.log"))).toBe(true);
    }, 90_000);

    it("after a SIGKILLed harness, `faultline clean --run` removes what it left", async () => {
      const h = harness("sigkill");
      await h.started;
      h.child.kill("SIGKILL");
      await h.exited;
      expect(await labelled(h.s.name)).toEqual({ containers: 1, networks: 1 });
      const clean = spawnSync(
        process.execPath,
        [join(ROOT, "bin/faultline.js"), "clean", "--run", h.s.name],
        { encoding: "utf8" },
      );
      expect(clean.status).toBe(0);
      expect(clean.stdout).toContain(`removed 1 container: ${h.s.name}-n1\n`);
      expect(clean.stdout).toContain(`removed 1 network: ${h.s.name}\n`);
      expect(await labelled(h.s.name)).toEqual({ containers: 0, networks: 0 });
    }, 90_000);
  });
});
