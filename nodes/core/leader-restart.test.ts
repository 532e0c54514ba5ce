// The leader build across restarts that lose the log's tail (fsync never) and over links that
// reorder messages: no version is given twice, so a context from a lost write is stale, and a
// follower never goes back to an older answer of the leader.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Json, Message, Strategy } from "./replica.js";
import { type Reply, SimNetwork, type SimOptions } from "./sim-network.js";

const sim = (strategy: Strategy, more: Partial<SimOptions> = {}) =>
  new SimNetwork({ build: "leader", strategy, checkReplay: true, ...more });

function values(reply: Reply): Json[] {
  if (!("values" in reply.body)) throw new Error(`expected values, got ${JSON.stringify(reply)}`);
  return [...reply.body.values].sort();
}

function context(reply: Reply): string {
  if (!("context" in reply.body))
    throw new Error(`expected a context, got ${JSON.stringify(reply)}`);
  return reply.body.context;
}

/**
 * The reviewer's case: k = a, then b based on a; X reads b; the leader restarts and loses b; c is
 * written based on a. Returns X's context (from the lost b) and the network.
 */
function lostWrite(strategy: Strategy, lose = 1, restartsBefore = 0) {
  const s = sim(strategy);
  expect(s.put("n1", "k", "a").status).toBe(200);
  for (let i = 0; i < restartsBefore; i++) s.restart("n1");
  expect(s.put("n1", "k", "b", context(s.get("n1", "k"))).status).toBe(200);
  const x = s.get("n1", "k");
  expect(values(x)).toEqual(["b"]);
  s.restart("n1", lose);
  expect(values(s.get("n1", "k"))).toEqual(["a"]);
  expect(s.put("n1", "k", "c", context(s.get("n1", "k"))).status).toBe(200);
  return { s, x: context(x) };
}

describe("leader build: a restart that lost the log's tail", () => {
  it("reject: a context of the lost write is stale (409), it does not overwrite the new one", () => {
    const { s, x } = lostWrite("reject");
    expect(s.put("n1", "k", "d", x)).toMatchObject({
      status: 409,
      body: { error: "stale-context", values: ["c"] },
    });
    expect(s.runUntil(() => s.agree(), 1_000)).toBe(true);
    expect(s.dump("n3").k?.values).toEqual(["c"]);
  });

  it("reject: a forwarded write with the lost context is stale too", () => {
    const { s, x } = lostWrite("reject");
    s.run(300);
    expect(s.put("n2", "k", "d", x)).toMatchObject({ status: 409, body: { values: ["c"] } });
  });

  it("reject: stale even when the tail also took the boot record (the start count repeats)", () => {
    // Log of n1 before the last restart: boot 1, a, boot 2, b. Losing 2 records repeats start 2.
    const { s, x } = lostWrite("reject", 2, 1);
    expect(s.put("n1", "k", "d", x)).toMatchObject({ status: 409, body: { values: ["c"] } });
  });

  it("siblings: a context of the lost write covers a, never the newer c", () => {
    const { s, x } = lostWrite("siblings");
    expect(s.put("n1", "k", "d", x).status).toBe(200);
    expect(values(s.get("n1", "k"))).toEqual(["c", "d"]);
    expect(s.runUntil(() => s.agree(), 1_000)).toBe(true);
    expect(s.dump("n2").k?.values.sort()).toEqual(["c", "d"]);
  });

  it("siblings: a read across epochs covers the values of every epoch it saw", () => {
    const s = sim("siblings");
    expect(s.put("n1", "k", "old").status).toBe(200);
    s.restart("n1");
    expect(s.put("n1", "k", "new").status).toBe(200); // no context: a sibling of "old"
    const both = s.get("n1", "k");
    expect(values(both)).toEqual(["new", "old"]);
    s.restart("n1");
    expect(s.put("n1", "k", "later").status).toBe(200);
    expect(s.put("n1", "k", "merged", context(both)).status).toBe(200);
    expect(values(s.get("n1", "k"))).toEqual(["later", "merged"]);
  });

  it("no two acknowledged writes ever get the same version, whatever the restarts lose", () => {
    type Op =
      | { kind: "put"; node: number; read: number }
      | { kind: "get"; node: number }
      | { kind: "restart"; node: number; lose: number }
      | { kind: "wait"; ms: number };
    const node = fc.nat(2);
    const op: fc.Arbitrary<Op> = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record({
          kind: fc.constant("put" as const),
          node,
          read: fc.integer({ min: -1, max: 6 }),
        }),
      },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant("get" as const), node }) },
      {
        weight: 2,
        arbitrary: fc.record({ kind: fc.constant("restart" as const), node, lose: fc.nat(4) }),
      },
      fc.record({ kind: fc.constant("wait" as const), ms: fc.integer({ min: 0, max: 150 }) }),
    );
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 30 }),
        fc.constantFrom<Strategy>("lww", "reject"),
        (ops, strategy) => {
          const s = sim(strategy, { checkReplay: false });
          const reads: number[] = [];
          const puts: number[] = [];
          for (const o of ops) {
            const id = s.ids[o.kind === "wait" ? 0 : o.node]!;
            if (o.kind === "put") {
              const from = reads.filter((r) => s.reply(r)?.status === 200)[o.read];
              const ctx = from === undefined ? undefined : context(s.reply(from)!);
              puts.push(s.submit(id, { kind: "put", key: "k", value: puts.length, context: ctx }));
            } else if (o.kind === "get") reads.push(s.submit(id, { kind: "get", key: "k" }));
            else if (o.kind === "restart") s.restart(id, o.lose);
            else s.run(o.ms);
          }
          s.run(300);
          // Under lww and reject a write's answer is the context of the version it got.
          const versions = puts
            .filter((req) => s.reply(req)?.status === 200)
            .map((req) => context(s.reply(req)!));
          expect(new Set(versions).size).toBe(versions.length);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("leader build: links that reorder messages", () => {
  it("a follower ignores a full catch-up older than one it adopted", () => {
    // The first answer to n2's pulls takes 150ms: the second (fuller) one overtakes it.
    let slowAtMs: number | undefined;
    const s = sim("lww", {
      latencyMs: (_from, to, msg) => {
        if (to !== "n2" || msg.type !== "catch-up" || slowAtMs !== undefined) return 1;
        slowAtMs = s.nowMs + 150;
        return 150;
      },
    });
    expect(s.put("n1", "a", 1).status).toBe(200);
    s.run(15); // n2 pulls at 10ms (a full catch-up, it has no epoch yet), answered at lsn 1
    expect(s.put("n1", "b", 2).status).toBe(200);
    s.run(100); // n2 pulls again at 110ms: a full catch-up at lsn 2, delivered at 112ms
    expect(slowAtMs).toBe(161);
    s.run(165 - s.nowMs); // the slow answer arrived at 161ms; n2's next pull is at 210ms
    expect(s.dump("n2")).toEqual(s.dump("n1"));
    expect(Object.keys(s.dump("n2"))).toEqual(["a", "b"]);
    const watermarks = s.logs
      .get("n2")!
      .filter((r) => (r as { t?: string }).t === "lsn")
      .map((r) => (r as { lsn: number }).lsn);
    expect(watermarks).toEqual([2]);
  });

  it("a follower keeps a key's newer state when an older push arrives after it", () => {
    let slowNext = false;
    const s = sim("lww", {
      latencyMs: (_from, to, msg: Message) => {
        if (to !== "n2" || msg.type !== "repl" || !slowNext) return 1;
        slowNext = false;
        return 50;
      },
    });
    s.run(20); // n2 adopts the leader's epoch
    slowNext = true;
    expect(s.put("n1", "k", "first").status).toBe(200);
    expect(s.put("n1", "k", "second").status).toBe(200);
    s.run(60); // the first push arrives last, before n2's next pull at 110ms
    expect(s.nowMs).toBeLessThan(110);
    expect(s.dump("n2").k?.values).toEqual(["second"]);
  });

  it("a push that overtakes a full catch-up survives the resync", () => {
    let slowAtMs: number | undefined;
    const s = sim("lww", {
      latencyMs: (_from, to, msg) => {
        if (to !== "n2" || msg.type !== "catch-up" || slowAtMs !== undefined) return 1;
        slowAtMs = s.nowMs + 30;
        return 30;
      },
    });
    expect(s.put("n1", "a", 1).status).toBe(200);
    s.run(15); // n2's first (full) catch-up at lsn 1 is on its way until 41ms
    s.run(10);
    expect(s.put("n1", "late", 2).status).toBe(200); // pushed to n2 at once
    s.run(20);
    expect(slowAtMs).toBe(41);
    expect(s.nowMs).toBeLessThan(110);
    expect(s.dump("n2")).toEqual(s.dump("n1"));
  });
});
