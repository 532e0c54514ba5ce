// The leader build on the simulated network, case by case: elections and failover, the three
// acks settings (what a failover loses under "one", keeps under "quorum"), truncation with its
// `discarded` log lines, forwarding and the 503 leader hint, the read paths (r=1 local, read-index
// through the leader), membership before peers are known, and the strategies with their contexts.
import { describe, expect, it } from "vitest";
import type { Json, NodeId, ReplicaConfig, Strategy } from "./replica.js";
import {
  replyContext as context,
  SimNetwork,
  type SimOptions,
  replyValues as values,
} from "./sim-network.js";

const sim = (
  strategy: Strategy,
  config: Partial<ReplicaConfig> = {},
  more: Partial<SimOptions> = {},
) => new SimNetwork({ build: "leader", strategy, config: { leader: "n1", ...config }, ...more });

/** Every node's own values of `key` (r = 1 reads, as the harness's final reads). */
function localValues(s: SimNetwork, key: string): Json[][] {
  return s.ids.map((id) => values(s.get(id, key, 1)));
}

function others(s: SimNetwork, node: NodeId): NodeId[] {
  return s.ids.filter((id) => id !== node);
}

/** Runs until a leader other than `old` leads and every live node but `old` follows it. */
function failover(s: SimNetwork, old: NodeId): NodeId {
  const follows = (id: NodeId, leader: NodeId) =>
    id === old || s.isDown(id) || s.replica(id).health?.().leader === leader;
  const done = () => {
    const leader = s.leader();
    return leader !== undefined && leader !== old && s.ids.every((id) => follows(id, leader));
  };
  expect(s.runUntil(done, 2_000)).toBe(true);
  return s.leader()!;
}

const discarded = (s: SimNetwork, node: NodeId) =>
  s.lines
    .get(node)!
    .filter((l) => l.startsWith("discarded "))
    .map((l) => JSON.parse(l.slice(10)));

describe("leader build: elections", () => {
  it("elects one leader that every node knows, the preferred one first", () => {
    const s = sim("lww");
    expect(s.leader()).toBe("n1");
    expect(s.ids.map((id) => s.replica(id).role())).toEqual(["leader", "follower", "follower"]);
    for (const id of s.ids)
      expect(s.replica(id).health?.()).toMatchObject({ term: 1, leader: "n1" });
    expect(s.lines.get("n1")).toEqual(["leader of term 1 (votes n1,n2)"]);
  });

  it("without a preferred leader, the randomized timeouts elect one", () => {
    const s = new SimNetwork({ build: "leader", strategy: "lww" });
    expect(s.leader()).toBeDefined();
    expect([...s.leadersByTerm.values()].every((l) => l.size === 1)).toBe(true);
  });

  it("elects a new leader in a higher term when the leader dies; it takes writes", () => {
    const s = sim("lww", { acks: "quorum" });
    expect(s.put("n2", "k", "before").status).toBe(200);
    s.crash("n1");
    const next = failover(s, "n1");
    expect(s.replica(next).health?.().term).toBeGreaterThan(1);
    const follower = others(s, "n1").find((id) => id !== next)!;
    expect(s.put(follower, "k", "after").status).toBe(200);
    s.restart("n1");
    expect(s.runUntil(() => s.agree(), 1_000)).toBe(true);
    expect(s.replica("n1").role()).toBe("follower");
    expect(localValues(s, "k")).toEqual([["after"], ["after"], ["after"]]);
  });

  it("a leader cut from the majority steps down within its lease and then refuses writes", () => {
    const s = sim("lww", { acks: "one" });
    s.partition(["n1"], ["n2", "n3"]);
    expect(s.put("n1", "k", "in-lease").status).toBe(200); // acks "one": its own log suffices
    s.run(110); // the lease is one election timeout (100ms in the simulator)
    expect(s.replica("n1").role()).not.toBe("leader");
    expect(s.lines.get("n1")!.at(-1)).toMatch(/^stepped down from leading term 1: no majority/);
    const refused = s.put("n1", "k", "after-lease");
    expect(refused).toMatchObject({ status: 503, body: { error: "unavailable" } });
    expect(s.dump("n1").k?.values).toEqual(["in-lease"]);
  });

  it('"quorum": a node whose log lacks acknowledged writes never wins an election', () => {
    const s = sim("lww", { acks: "quorum" });
    s.partition(["n3"], ["n1", "n2"]);
    for (const v of [1, 2, 3]) expect(s.put("n1", "k", v).status).toBe(200);
    s.run(500); // n3 stands again and again, alone, in ever higher terms
    expect(s.replica("n3").health!().term).toBeGreaterThan(2);
    s.heal();
    // Its higher term deposes n1, but its shorter log gets no vote from n1 or n2.
    s.run(1_000);
    expect(s.runUntil(() => s.led(), 2_000)).toBe(true);
    const n3Led = [...s.leadersByTerm.values()].some((leaders) => leaders.has("n3"));
    expect(n3Led).toBe(false);
    expect(localValues(s, "k")).toEqual([[3], [3], [3]]);
  });
});

describe("leader build: acks and failover", () => {
  it('"one": a failover loses acknowledged writes; the loser logs each discarded write', () => {
    const s = sim("lww", { acks: "one" });
    expect(s.put("n1", "kept", 0).status).toBe(200);
    s.run(50);
    s.partition(["n1"], ["n2", "n3"]);
    expect(s.put("n1", "a", "from-old-leader").status).toBe(200);
    const next = failover(s, "n1");
    expect(s.put(next, "b", "from-new-leader").status).toBe(200);
    s.heal();
    expect(s.runUntil(() => s.agree() && s.led(), 3_000)).toBe(true);
    // Whoever leads after the heal, the other side's acknowledged write is gone everywhere.
    const survivors = [s.dump("n2").a, s.dump("n2").b].filter((k) => k !== undefined);
    expect(survivors).toHaveLength(1);
    const lost = s.ids.flatMap((id) => discarded(s, id)).map((d) => d.value);
    expect(lost.length).toBeGreaterThan(0);
    expect(["from-old-leader", "from-new-leader"]).toEqual(expect.arrayContaining(lost));
    expect(s.dump("n3").kept?.values).toEqual([0]);
  });

  it('"quorum": acknowledged writes survive the failover; the cut-off leader only times out', () => {
    const s = sim("lww", { acks: "quorum" }, { checkReplay: true });
    expect(s.put("n2", "k", "acknowledged").status).toBe(200);
    s.partition(["n1"], ["n2", "n3"]);
    // The old leader appends it but no majority holds it: indeterminate, never 200.
    expect(s.put("n1", "k", "unacknowledged")).toMatchObject({ status: 504 });
    const next = failover(s, "n1");
    expect(s.put(next, "j", "new").status).toBe(200);
    s.heal();
    expect(s.runUntil(() => s.agree(), 2_000)).toBe(true);
    expect(localValues(s, "k")).toEqual([["acknowledged"], ["acknowledged"], ["acknowledged"]]);
    expect(discarded(s, "n1")).toEqual([
      expect.objectContaining({ key: "k", value: "unacknowledged", term: 1 }),
    ]);
    expect(s.dump("n1").j?.values).toEqual(["new"]);
  });

  it('"all": answers once every follower holds the write, 504 when one does not, 503 once it is silent', () => {
    const s = sim("lww", { acks: "all" });
    expect(s.put("n2", "k", 1).status).toBe(200);
    expect(localValues(s, "k")).toEqual([[1], [1], [1]]);
    s.partition(["n3"], ["n1", "n2"]);
    expect(s.put("n1", "k", 2)).toMatchObject({ status: 504, body: { error: "timeout" } });
    s.run(250); // n3 silent for more than the request timeout: the leader knows
    expect(s.put("n2", "k", 3)).toMatchObject({ status: 503, body: { error: "unavailable" } });
    expect(s.dump("n1").k?.values).toEqual([2]);
    s.heal();
    expect(s.runUntil(() => s.led(), 2_000)).toBe(true);
    s.run(100);
    expect(s.put("n2", "k", 4).status).toBe(200);
    expect(localValues(s, "k")).toEqual([[4], [4], [4]]);
  });

  it("a follower with a longer, conflicting log truncates it to the leader's", () => {
    const s = sim("siblings", { acks: "quorum" });
    s.partition(["n1"], ["n2", "n3"]);
    for (const v of ["x", "y"]) s.submit("n1", { kind: "put", key: `k-${v}`, value: v });
    failover(s, "n1");
    s.heal();
    expect(s.runUntil(() => s.agree(), 2_000)).toBe(true);
    const logs = s.ids.map((id) => JSON.stringify(leaderLog(s, id)));
    expect(new Set(logs).size).toBe(1);
    expect(discarded(s, "n1").map((d) => d.key)).toEqual(["k-x", "k-y"]);
    expect(s.dump("n1")).toEqual({});
  });
});

describe("leader build: clients", () => {
  it("a follower forwards writes and reads to the leader", () => {
    const s = sim("lww", { acks: "quorum" });
    expect(s.put("n3", "k", "v").status).toBe(200);
    expect(values(s.get("n2", "k"))).toEqual(["v"]);
  });

  it("knowing no leader, a node answers 503 with the last leader it knew as the hint", () => {
    const s = sim("lww");
    s.partition(["n3"], ["n1", "n2"]);
    s.run(250); // n3 stands for election alone
    expect(s.replica("n3").role()).toBe("candidate");
    expect(s.put("n3", "k", 1)).toEqual({
      status: 503,
      body: {
        error: "unavailable",
        detail: expect.stringMatching(/knows no leader/),
        leader: "n1",
      },
    });
    expect(s.get("n3", "k")).toMatchObject({ status: 503, body: { leader: "n1" } });
  });

  it("r=1 reads a follower's own log (possibly stale); without r, through the leader", () => {
    const s = sim("lww", { acks: "quorum" });
    expect(s.put("n1", "k", "v1").status).toBe(200);
    s.run(50);
    s.cutOneWay("n1", "n3");
    expect(s.put("n1", "k", "v2").status).toBe(200); // n2 acknowledges it, n3 never sees it
    expect(values(s.get("n3", "k", 1))).toEqual(["v1"]);
    s.heal();
    expect(s.runUntil(() => s.led(), 2_000)).toBe(true);
    expect(values(s.get("n3", "k"))).toEqual(["v2"]);
    expect(s.runUntil(() => values(s.get("n3", "k", 1)).includes("v2"), 500)).toBe(true);
  });

  it('"quorum": a deposed leader never serves a stale read (read-index)', () => {
    const s = sim("lww", { acks: "quorum" });
    expect(s.put("n1", "k", "old").status).toBe(200);
    s.partition(["n1"], ["n2", "n3"]);
    const stale = s.submit("n1", { kind: "get", key: "k" });
    const next = failover(s, "n1");
    expect(s.put(next, "k", "new").status).toBe(200);
    expect(s.runUntil(() => s.reply(stale) !== undefined, 1_000)).toBe(true);
    expect(s.reply(stale)).toMatchObject({ status: 503, body: { error: "unavailable" } });
    expect(values(s.get(next, "k"))).toEqual(["new"]);
  });

  it('"one": the leader reads its own log, with no confirmation round', () => {
    const s = sim("lww", { acks: "one" });
    s.put("n1", "k", "v");
    const before = s.trace.length;
    expect(values(s.get("n1", "k"))).toEqual(["v"]);
    expect(s.trace.slice(before).filter((t) => t.includes('"send"'))).toEqual([]);
  });

  it("refuses w (writes are acknowledged by acks) and any r other than 1, with a clear 400", () => {
    const s = sim("lww");
    expect(s.put("n1", "k", 1, undefined, 2)).toMatchObject({
      status: 400,
      body: { detail: expect.stringMatching(/w=2 is a leaderless quorum/) },
    });
    expect(s.get("n2", "k", 2)).toMatchObject({
      status: 400,
      body: { detail: expect.stringMatching(/r=2: the leader build reads through the leader/) },
    });
    expect(s.dump("n1")).toEqual({});
  });
});

describe("leader build: membership", () => {
  it("a node that knows no peer waits: no election, 503 without a hint, r=1 still local", () => {
    const s = sim("lww", {}, { alone: true });
    s.run(1_000);
    expect(s.ids.map((id) => s.replica(id).role())).toEqual(["follower", "follower", "follower"]);
    expect(s.put("n1", "k", 1)).toEqual({
      status: 503,
      body: { error: "unavailable", detail: expect.stringMatching(/does not know its cluster/) },
    });
    expect(values(s.get("n1", "k", 1))).toEqual([]);
    expect(s.leadersByTerm.size).toBe(0);
  });

  it("a peers input of itself alone makes it a cluster of one, which it remembers", () => {
    const s = sim("siblings", {}, { alone: true, nodeCount: 1 });
    s.setPeers("n1", ["n1"]);
    expect(s.runUntil(() => s.leader() === "n1", 500)).toBe(true);
    expect(s.put("n1", "k", 1).status).toBe(200);
    expect(values(s.get("n1", "k"))).toEqual([1]);
    s.restart("n1"); // still started with no peers: its log remembers its membership
    expect(s.runUntil(() => s.leader() === "n1", 500)).toBe(true);
    expect(s.put("n1", "k", 2).status).toBe(200);
  });

  it("config.alone (--peers none) leads at once, with no peers input", () => {
    const s = new SimNetwork({
      build: "leader",
      strategy: "lww",
      nodeCount: 1,
      config: { alone: true },
    });
    expect(s.leader()).toBe("n1");
    expect(s.put("n1", "k", 1).status).toBe(200);
  });

  it("messages from outside the membership are dropped and counted, never applied", () => {
    const s = sim("lww");
    const before = JSON.stringify(s.dump("n2"));
    const effects = s
      .replica("n2")
      .step(
        { kind: "receive", from: "n9", msg: { type: "fwd", id: "x", key: "k", value: 1 } },
        { monoMs: s.nowMs, wallMs: 0 },
      );
    expect(effects.filter((e) => e.kind !== "log")).toEqual([]);
    expect(s.replica("n2").health?.().droppedMessages).toBe(1);
    expect(JSON.stringify(s.dump("n2"))).toBe(before);
  });
});

describe("leader build: strategies", () => {
  it("reject: a write must carry the current version", () => {
    const s = sim("reject");
    expect(s.put("n2", "k", 1).status).toBe(200);
    const read = s.get("n1", "k");
    expect(s.put("n3", "k", 2)).toMatchObject({
      status: 409,
      body: { error: "stale-context", values: [1] },
    });
    expect(s.put("n3", "k", 2, context(read)).status).toBe(200);
    const stale = s.put("n2", "k", 3, context(read));
    expect(stale).toMatchObject({ status: 409, body: { values: [2] } });
    expect(s.put("n2", "k", 3, context(stale)).status).toBe(200);
    // A key's first write needs no context, or the context of the empty read.
    expect(s.put("n2", "fresh", 1, context(s.get("n2", "fresh"))).status).toBe(200);
  });

  it("siblings: keeps the writes a context did not see, replaces those it did", () => {
    const s = sim("siblings");
    const empty = context(s.get("n1", "k"));
    s.put("n2", "k", "a", empty);
    s.put("n3", "k", "b", empty);
    const both = s.get("n1", "k");
    expect(values(both)).toEqual(["a", "b"]);
    s.put("n2", "k", "c", empty);
    s.put("n1", "k", "ab", context(both));
    expect(s.runUntil(() => s.agree(), 1_000)).toBe(true);
    expect(localValues(s, "k")).toEqual([
      ["ab", "c"],
      ["ab", "c"],
      ["ab", "c"],
    ]);
  });

  it("lww: the last write the leader ordered wins", () => {
    const s = sim("lww");
    s.put("n2", "k", "first");
    s.put("n3", "k", "second");
    expect(s.runUntil(() => s.agree(), 1_000)).toBe(true);
    expect(localValues(s, "k")).toEqual([["second"], ["second"], ["second"]]);
  });

  /** A client reads "x" from n1's own log while n1 is cut off; the failover discards "x". */
  function readDiscarded(strategy: Strategy) {
    const s = sim(strategy, { acks: "quorum" });
    expect(s.put("n1", "k", "base").status).toBe(200);
    s.partition(["n1"], ["n2", "n3"]);
    s.submit("n1", { kind: "put", key: "k", value: "x", context: context(s.get("n1", "k", 1)) });
    const x = s.get("n1", "k", 1);
    expect(values(x)).toEqual(["x"]);
    failover(s, "n1");
    s.heal();
    expect(s.runUntil(() => s.agree() && s.led(), 2_000)).toBe(true);
    expect(localValues(s, "k")[0]).toEqual(["base"]);
    return { s, x: context(x) };
  }

  it("reject: a context naming a discarded version is stale (409), never current", () => {
    const { s, x } = readDiscarded("reject");
    expect(s.put("n2", "k", "y", x)).toMatchObject({
      status: 409,
      body: { error: "stale-context", values: ["base"] },
    });
  });

  it("siblings: a context naming a discarded version covers what its leadership wrote before it", () => {
    const { s, x } = readDiscarded("siblings");
    expect(s.put("n3", "k", "other").status).toBe(200); // no context: a sibling of "base"
    expect(s.put("n2", "k", "y", x).status).toBe(200);
    // "base" (same leadership as "x", earlier) is covered; "other" (a later leadership) is kept.
    expect(values(s.get("n1", "k"))).toEqual(["other", "y"]);
  });
});

/** A node's log as the tests compare it: index, term, stamp and key per entry. */
function leaderLog(s: SimNetwork, id: NodeId) {
  return (s.replica(id) as unknown as { logEntries(): unknown[] }).logEntries();
}
