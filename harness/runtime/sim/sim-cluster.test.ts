// The simulated cluster's fault model, on a tiny key-value node of the test's own (so only the
// shell, the network and the clock are under test): trip delays, kills that lose the unwritten log
// tail under write-behind and keep the written part, resets and refusals, pauses that hold every
// input until resume, black-holed links that deliver after the heal and reset links that lose,
// clock offsets that a restart resets, and the node logs it leaves.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { SimLaunch, SimNode, SimResponse } from "../../../systems/system.js";
import { memory } from "../../../systems/memory/memory-system.js";
import { SimCluster } from "./sim-cluster.js";

const dir = mkdtempSync(join(tmpdir(), "sim-cluster-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** put [k, v] persists and answers; get k answers the value; send [to, msg] sends; hang never
 * answers. Messages received and the wall clock's lead at the last step are kept for the test. */
type Request =
  | { put: [string, unknown] }
  | { get: string }
  | { send: [string, unknown] }
  | { hang: true };

interface TinyNode extends SimNode {
  values: Map<string, unknown>;
  received: { from: string; msg: unknown; atMs: number }[];
  /** wallMs − monoMs at the last step: the wall clock's lead. */
  wallLeadMs: number;
}

function tinyLaunch(writeBehindMs: number): SimLaunch<TinyNode> {
  return {
    tickIntervalMs: 10,
    writeBehindMs,
    plantedBugs: {},
    node(_id, _nodes, recovered) {
      const values = new Map(recovered as [string, unknown][]);
      const node: TinyNode = {
        values,
        received: [],
        wallLeadMs: 0,
        step(input, clock) {
          node.wallLeadMs = clock.wallMs - clock.monoMs;
          if (input.kind === "receive") {
            node.received.push({ from: input.from, msg: input.msg, atMs: clock.monoMs });
            return [];
          }
          if (input.kind === "tick") return [];
          const request = input.request as Request;
          const reply = (value: unknown) => ({ kind: "reply" as const, req: input.req, value });
          if ("put" in request) {
            values.set(...request.put);
            return [{ kind: "persist", record: request.put }, reply("ok")];
          }
          if ("get" in request) return [reply(values.get(request.get) ?? null)];
          if ("send" in request) {
            const [to, msg] = request.send;
            return [{ kind: "send", to, msg }, reply("sent")];
          }
          return [];
        },
      };
      return node;
    },
    connect: () => {
      throw new Error("not used");
    },
  };
}

let clusters = 0;
function cluster(
  options: { writeBehindMs?: number; linkFault?: "blackhole" | "reset"; seed?: number } = {},
) {
  const runDir = join(dir, `run${clusters++}`);
  mkdirSync(join(runDir, "nodes"), { recursive: true });
  const spec = {
    name: "tiny",
    runDir,
    system: memory,
    options: { name: "memory" },
    seed: options.seed ?? 1,
    nodeIds: ["n1", "n2", "n3"],
    linkFault: options.linkFault ?? "blackhole",
  };
  const settings = { latencyMs: 1, jitterMs: 2, restartMs: 300 };
  const c = new SimCluster(spec, tinyLaunch(options.writeBehindMs ?? 0), settings);
  c.startAll();
  return c;
}

const call = (c: SimCluster, node: string, request: Request, timeoutMs = 1_000) =>
  c.request(node, request, { timeoutMs });
const value = (response: SimResponse) =>
  response.ok ? (response.reply as unknown as { value: unknown }).value : response.error;
const tiny = (c: SimCluster, node: string) => c.running(node) as TinyNode;

describe("SimCluster", () => {
  it("answers a request after two trips of latency + jitter, the same for the same seed", async () => {
    const times = async (seed: number) => {
      const c = cluster({ seed });
      const seen: number[] = [];
      for (let i = 0; i < 20; i++) {
        const startMs = c.clock.nowMs();
        expect(value(await call(c, "n1", { get: "k" }))).toBe(null);
        seen.push(c.clock.nowMs() - startMs);
      }
      await c.stop();
      return seen;
    };
    const first = await times(5);
    for (const ms of first) {
      expect(ms).toBeGreaterThanOrEqual(2);
      expect(ms).toBeLessThan(6);
    }
    expect(new Set(first).size).toBeGreaterThan(10);
    expect(await times(5)).toEqual(first);
    expect(await times(6)).not.toEqual(first);
  });

  it("under write-behind, a kill loses what was not written yet and keeps what was", async () => {
    const c = cluster({ writeBehindMs: 200 });
    expect(value(await call(c, "n1", { put: ["written", 1] }))).toBe("ok");
    await c.clock.sleep(250);
    expect(value(await call(c, "n1", { put: ["unwritten", 2] }))).toBe("ok");
    await c.kill("n1");
    expect(c.state("n1")).toBe("down");
    await c.restart("n1");
    expect(value(await call(c, "n1", { get: "written" }))).toBe(1);
    expect(value(await call(c, "n1", { get: "unwritten" }))).toBe(null);
    await c.stop();
    expect(readFileSync(join(c.spec.runDir, "nodes", "n1.log"), "utf8")).toMatch(
      /killed \(SIGKILL\): 1 unwritten log records lost/,
    );
  });

  it("with every record written at once (fsync always), a kill loses nothing", async () => {
    const c = cluster({ writeBehindMs: 0 });
    await call(c, "n2", { put: ["k", 7] });
    await c.kill("n2");
    await c.restart("n2");
    expect(value(await call(c, "n2", { get: "k" }))).toBe(7);
    await c.stop();
  });

  it("resets the requests a kill interrupts, refuses those to a down node, restarts after a while", async () => {
    const c = cluster();
    const hanging = call(c, "n3", { hang: true });
    await c.clock.sleep(10);
    await c.kill("n3");
    expect(await hanging).toEqual({ ok: false, error: "connection-reset" });
    expect(await call(c, "n3", { get: "k" })).toEqual({ ok: false, error: "connection-refused" });
    const startMs = c.clock.nowMs();
    await c.restart("n3");
    expect(c.clock.nowMs() - startMs).toBeCloseTo(300, 6);
    expect(value(await call(c, "n3", { get: "k" }))).toBe(null);
    await expect(c.restart("n3")).rejects.toThrow(/running: kill it before restarting/);
    await c.stop();
  });

  it("holds a paused node's requests and messages, and handles them in order at resume", async () => {
    const c = cluster();
    await c.pause("n1");
    const timedOut = call(c, "n1", { put: ["k", 1] }, 100);
    await call(c, "n2", { send: ["n1", "hello"] });
    expect(await timedOut).toEqual({ ok: false, error: "client-timeout" });
    expect(c.running("n1")).toBeUndefined();
    await c.clock.sleep(500);
    await c.resume("n1");
    // The put that timed out for its client was applied at resume: indeterminate, as for real.
    expect(value(await call(c, "n1", { get: "k" }))).toBe(1);
    expect(tiny(c, "n1").received.map((r) => r.msg)).toEqual(["hello"]);
    await c.stop();
  });

  it("delivers what a black-holed link carried after the heal, and loses it on a reset link", async () => {
    for (const linkFault of ["blackhole", "reset"] as const) {
      const c = cluster({ linkFault });
      await c.cutLinks([["n1", "n2"]]);
      await call(c, "n1", { send: ["n2", "across"] });
      await call(c, "n2", { send: ["n1", "back"] });
      await c.clock.sleep(100);
      expect(tiny(c, "n1").received.map((r) => r.msg)).toEqual(["back"]);
      expect(tiny(c, "n2").received).toEqual([]);
      const healedMs = c.clock.nowMs();
      await c.healLinks();
      await c.clock.sleep(100);
      const late = tiny(c, "n2").received;
      if (linkFault === "blackhole") {
        expect(late.map((r) => r.msg)).toEqual(["across"]);
        expect(late[0]!.atMs).toBeGreaterThan(healedMs);
      } else {
        expect(late).toEqual([]);
        expect(c.network.lostPosts).toBe(1);
      }
      await c.stop();
    }
  });

  it("shifts a node's wall clock until it restarts, and refuses to shift a down node", async () => {
    const c = cluster();
    await call(c, "n1", { get: "k" });
    const before = tiny(c, "n1").wallLeadMs;
    c.setClockOffset("n1", 5_000);
    await call(c, "n1", { get: "k" });
    expect(tiny(c, "n1").wallLeadMs).toBe(before + 5_000);
    await c.kill("n1");
    expect(() => c.setClockOffset("n1", 1)).toThrow(/n1 is down/);
    await c.restart("n1");
    await call(c, "n1", { get: "k" });
    expect(tiny(c, "n1").wallLeadMs).toBe(before);
    await c.stop();
  });
});
