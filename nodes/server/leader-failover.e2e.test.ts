// Real leader-build `faultline node` processes on 127.0.0.1: GET /health names role, term and
// leader; kill -9 of the leader elects a new one in a higher term, which takes writes (forwarded by
// a follower); with no leader to be had, a node answers 503 with the last leader as a hint; and
// under acks "one" a leader cut off from its peers acknowledges a write that the failover discards,
// which the node logs as `discarded {…}` on stderr.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  awaitLeader,
  eventually,
  type ClusterSpec,
  health,
  killAll,
  restartNode,
  type SpawnedNode,
  spawnCluster,
} from "./spawned-node.js";
import { kv, request } from "./test-http-client.js";

let dataRoot: string;
let nodes: SpawnedNode[] = [];

beforeEach(async () => {
  dataRoot = await mkdtemp(join(tmpdir(), "faultline-failover-"));
});
afterEach(async () => {
  await killAll(nodes);
  nodes = [];
  await rm(dataRoot, { recursive: true, force: true });
});

// An election timeout well above a loaded machine's stalls: with 300 ms, one stall of the test
// or a node deposed the leader mid-test (a spurious election, a cut-off leader stepping down
// before the write it should acknowledge).
function spec(acks: "one" | "quorum"): ClusterSpec {
  return {
    ids: ["n1", "n2", "n3"],
    dataRoot,
    node: { build: "leader", strategy: "lww", acks, electionTimeoutMs: 1500, leader: "n1" },
  };
}

describe("leader build: failover of real nodes", () => {
  it("reports role, term and leader; after kill -9 of the leader a new one takes writes", async () => {
    const s = spec("quorum");
    nodes = await spawnCluster(s);
    const first = await awaitLeader(nodes);
    const { term } = (await health(first))!;
    const healths = await Promise.all(nodes.map(health));
    expect(healths).toEqual(
      nodes.map((n) => ({
        node: n.id,
        role: n === first ? "leader" : "follower",
        term,
        leader: first.id,
        droppedMessages: 0,
      })),
    );
    expect((await kv(nodes[1]!.url).put("k", "before")).status).toBe(200);

    await first.kill9();
    const survivors = nodes.filter((n) => n !== first);
    const next = await awaitLeader(survivors, { afterTerm: term });
    const follower = survivors.find((n) => n !== next)!;
    const write = await kv(follower.url).put("k", "after");
    expect(write.status, write.text).toBe(200);
    expect((await kv(follower.url).get("k")).json).toMatchObject({ values: ["after"] });

    // The old leader comes back as a follower and catches up from the new leader.
    const back = await restartNode(s, first, survivors);
    nodes[nodes.indexOf(first)] = back;
    await eventually(15_000, async () => {
      expect((await kv(back.url).get("k", 1)).json).toMatchObject({ values: ["after"] });
    });
    expect((await health(back))?.leader).toBe(next.id);
  });

  it("with no leader to be had, answers 503 naming the last leader it knew", async () => {
    nodes = await spawnCluster(spec("quorum"));
    const leader = await awaitLeader(nodes);
    const [alone, other] = nodes.filter((n) => n !== leader) as [SpawnedNode, SpawnedNode];
    await Promise.all([leader.kill9(), other.kill9()]);
    await eventually(15_000, async () => expect((await health(alone))?.role).toBe("candidate"));
    const put = await kv(alone.url).put("k", 1);
    expect(put.status).toBe(503);
    expect(put.json).toMatchObject({ error: "unavailable", leader: leader.id });
  });

  it('acks "one": a cut-off leader acknowledges a write the failover discards, and logs it', async () => {
    nodes = await spawnCluster(spec("one"));
    const old = await awaitLeader(nodes);
    const { term } = (await health(old))!;
    const others = nodes.filter((n) => n !== old);
    // Cut the leader off: its peers' addresses now lead nowhere (port 1); they still reach it.
    const nowhere = Object.fromEntries(others.map((n) => [n.id, "http://127.0.0.1:1"]));
    const cut = await request(old.url, "POST", "/admin/peers", {
      body: JSON.stringify({ peers: nowhere }),
    });
    expect(cut.status).toBe(200);
    const lost = await kv(old.url).put("k", "lost");
    expect(lost.status, lost.text).toBe(200);
    await awaitLeader(others, { afterTerm: term });
    // The new leader's appends reach the old one, which truncates its log to the new leader's.
    const line = new RegExp(` discarded \\{"key":"k","value":"lost","term":${term},"index":\\d+,`);
    await eventually(15_000, async () => expect(old.stderr()).toMatch(line));
    const peers = Object.fromEntries(others.map((n) => [n.id, n.url]));
    await request(old.url, "POST", "/admin/peers", { body: JSON.stringify({ peers }) });
    await eventually(15_000, async () => {
      for (const n of nodes)
        expect((await kv(n.url).get("k", 1)).json).toMatchObject({ values: [] });
    });
  });
});
