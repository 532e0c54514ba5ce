// Three real `faultline node` processes on 127.0.0.1 per build × strategy: concurrent writes to
// two nodes end as siblings (siblings), one winner (lww) or a 409 (reject) on every node; siblings
// merge by a write with their context; a stale context is refused under reject; dumps agree; and
// after kill -9 of an fsync "always" node and a restart on the same data, every acknowledged write
// reads back from its own log.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUILDS, STRATEGIES } from "../core/replica.js";
import {
  type ClusterSpec,
  eventually,
  killAll,
  restartNode,
  type SpawnedNode,
  spawnCluster,
} from "./spawned-node.js";
import { kv, request } from "./test-http-client.js";

interface Read {
  values: unknown[];
  context: string;
}

const combos = BUILDS.flatMap((build) => STRATEGIES.map((strategy) => ({ build, strategy })));

describe.each(combos)("a 3-node $build $strategy cluster", ({ build, strategy }) => {
  let dataRoot: string;
  let spec: ClusterSpec;
  const nodes: SpawnedNode[] = [];
  const url = (i: number) => nodes[i]!.url;

  beforeAll(async () => {
    dataRoot = await mkdtemp(join(tmpdir(), `faultline-e2e-${build}-${strategy}-`));
    spec = {
      ids: ["n1", "n2", "n3"],
      dataRoot,
      node: { build, strategy, fsync: "always", antiEntropyIntervalMs: 200, leader: "n1" },
    };
    nodes.push(...(await spawnCluster(spec)));
  });
  afterAll(async () => {
    await killAll(nodes);
    await rm(dataRoot, { recursive: true, force: true });
  });

  it("resolves two writes to one key on two nodes by its strategy, the same on every node", async () => {
    const first = await kv(url(0)).put("cart", ["a"]);
    expect(first.status, first.text).toBe(200);
    const second = await kv(url(1)).put("cart", ["b"]);
    if (strategy === "reject" && build === "leader") {
      // The leader already holds "a": a write without its version is stale.
      expect(second.status, second.text).toBe(409);
      expect(second.json).toMatchObject({ error: "stale-context", values: [["a"]] });
    } else if (strategy === "reject") {
      // n2 may not have seen "a" yet (it replicates after W acks): either answer is right.
      expect([200, 409], second.text).toContain(second.status);
    } else {
      expect(second.status, second.text).toBe(200);
    }

    const expected =
      strategy === "siblings"
        ? [["a"], ["b"]]
        : strategy === "lww" || second.status === 200
          ? [["b"]]
          : [["a"]];
    // The third node soon reads the outcome.
    await eventually(10_000, async () => {
      const read = (await kv(url(2)).get("cart")).json as Read;
      expect(sortValues(read.values)).toEqual(expected);
    });
  });

  // Strategy-specific tests are generated only for their strategy, so none passes without
  // asserting (the other combinations simply do not have them).
  if (strategy === "siblings") {
    it("replaces both siblings everywhere by a write with their read's context", async () => {
      const fromThird = (await kv(url(2)).get("cart")).json as Read;
      expect(sortValues(fromThird.values)).toEqual([["a"], ["b"]]);
      const merged = await request(url(2), "PUT", "/kv/cart", {
        body: JSON.stringify({ value: ["a", "b"], context: fromThird.context }),
      });
      expect(merged.status, merged.text).toBe(200);
      for (let i = 0; i < 3; i++) {
        await eventually(10_000, async () => {
          expect(((await kv(url(i)).get("cart", 1)).json as Read).values).toEqual([["a", "b"]]);
        });
      }
    });
  }

  if (strategy === "reject") {
    it("refuses a write with a stale context (409), accepts a current one", async () => {
      const c = kv(url(0));
      const read = (await c.get("account", 1)).json as Read;
      expect((await c.put("account", 100, read.context)).status).toBe(200);
      const stale = await c.put("account", 50, read.context);
      expect(stale.status, stale.text).toBe(409);
      expect(stale.json).toMatchObject({ error: "stale-context", values: [100] });
      const current = (stale.json as Read).context;
      expect((await c.put("account", 50, current)).status).toBe(200);
    });
  }

  it("converges: the dumps of all nodes agree", async () => {
    await eventually(10_000, async () => {
      const dumps = await Promise.all(
        nodes.map(
          async (n) => (await request(n.url, "GET", "/admin/dump")).json as { keys: object },
        ),
      );
      expect(Object.keys(dumps[0]!.keys).length).toBeGreaterThan(0);
      expect(dumps[1]!.keys).toEqual(dumps[0]!.keys);
      expect(dumps[2]!.keys).toEqual(dumps[0]!.keys);
    });
  });

  it("keeps every acknowledged write of an fsync-always node across kill -9 and restart", async () => {
    // The leader build acknowledges at the leader (n1) first; leaderless writes land on n1 too.
    const victim = nodes[0]!;
    const client = kv(victim.url);
    const acked = new Map<string, number>();
    let killed = false;
    // 16 writers; the node is SIGKILLed the moment the 30th acknowledgement arrives, with
    // writes still in flight (an acknowledged write whose record sat in memory would be lost).
    const writer = async (first: number): Promise<void> => {
      for (let i = first; !killed; i += 16) {
        const answer = await client.put(`durable-${i}`, i).catch(() => undefined);
        if (answer === undefined) return; // cut off by the kill: not acknowledged
        if (answer.status !== 200) continue;
        acked.set(`durable-${i}`, i);
        if (acked.size >= 30 && !killed) {
          killed = true;
          victim.child.kill("SIGKILL");
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, (_, w) => writer(w)));
    await victim.kill9();
    expect(acked.size).toBeGreaterThanOrEqual(30);
    // Restarted without peers, so what it reads back can only come from its own log.
    const restarted = await restartNode(spec, victim, []);
    nodes[0] = restarted;
    expect(restarted.stderr()).toMatch(/recovered \d+ records/);
    for (const [key, value] of acked) {
      const read = (await kv(restarted.url).get(key, 1)).json as Read;
      expect(read.values, `${key} after restart`).toContain(value);
    }
  });
});

function sortValues(values: unknown[]): unknown[] {
  return [...values].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}
