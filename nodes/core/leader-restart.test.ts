// The leader build across restarts that lose the log's tail (fsync never) and over links that
// reorder messages: no version is given twice (a version carries its leadership's stamp, which a
// restart never repeats, even when it repeats a term), so a context from a lost write is stale; and
// a reordered, older append never truncates or loses what a newer one brought.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeLeaderContext } from "./leader-strategies.js";
import type { Message, Strategy } from "./replica.js";
import { replyContext as context, SimNetwork, replyValues as values } from "./sim-network.js";

/** A cluster of one (as `--peers none`), checking after every step that its log replays. */
const single = (strategy: Strategy) =>
  new SimNetwork({
    build: "leader",
    strategy,
    nodeCount: 1,
    config: { alone: true },
    checkReplay: true,
  });

/**
 * The reviewer's case: k = a, then b based on a; X reads b; the node restarts and loses b; c is
 * written based on a. Returns X's context (from the lost b) and the network.
 */
function lostWrite(strategy: Strategy, lose = 1, restartsBefore = 0) {
  const s = single(strategy);
  expect(s.put("n1", "k", "a").status).toBe(200);
  for (let i = 0; i < restartsBefore; i++) restartAndLead(s);
  expect(s.put("n1", "k", "b", context(s.get("n1", "k"))).status).toBe(200);
  const x = s.get("n1", "k");
  expect(values(x)).toEqual(["b"]);
  restartAndLead(s, lose);
  expect(values(s.get("n1", "k"))).toEqual(["a"]);
  expect(s.put("n1", "k", "c", context(s.get("n1", "k"))).status).toBe(200);
  return { s, x: context(x) };
}

function stampsOf(text: string): string[] {
  const decoded = decodeLeaderContext(text);
  if (!decoded.ok) throw new Error(decoded.detail);
  return [...decoded.value.keys()];
}

function restartAndLead(s: SimNetwork, lose = 0): void {
  s.restart("n1", lose);
  expect(s.runUntil(() => s.leader() === "n1", 500)).toBe(true);
}

describe("leader build: a restart that lost the log's tail", () => {
  it("reject: a context of the lost write is stale (409), it does not overwrite the new one", () => {
    const { s, x } = lostWrite("reject");
    expect(s.put("n1", "k", "d", x)).toMatchObject({
      status: 409,
      body: { error: "stale-context", values: ["c"] },
    });
    expect(s.dump("n1").k?.values).toEqual(["c"]);
  });

  it("reject: stale even when the tail took the boot and term records (term and start count repeat)", () => {
    // Log before the last restart: boot 1, term 1, no-op, a, boot 2, term 2, no-op, b.
    const { s, x } = lostWrite("reject", 4, 1);
    expect(s.put("n1", "k", "d", x)).toMatchObject({ status: 409, body: { values: ["c"] } });
    // c's leadership has b's term and start count, not its stamp (the start's wall clock differs).
    const bStamp = stampsOf(x)[0]!;
    const cStamp = stampsOf(context(s.get("n1", "k")))[0]!;
    expect(cStamp.split(".").slice(0, 3)).toEqual(bStamp.split(".").slice(0, 3));
    expect(cStamp).not.toBe(bStamp);
  });

  it("siblings: a context of the lost write covers a, never the newer c", () => {
    const { s, x } = lostWrite("siblings");
    expect(s.put("n1", "k", "d", x).status).toBe(200);
    expect(values(s.get("n1", "k"))).toEqual(["c", "d"]);
  });

  it("siblings: a read across leaderships covers the values of every one it saw", () => {
    const s = single("siblings");
    expect(s.put("n1", "k", "old").status).toBe(200);
    restartAndLead(s);
    expect(s.put("n1", "k", "new").status).toBe(200); // no context: a sibling of "old"
    const both = s.get("n1", "k");
    expect(values(both)).toEqual(["new", "old"]);
    restartAndLead(s);
    expect(s.put("n1", "k", "later").status).toBe(200);
    expect(s.put("n1", "k", "merged", context(both)).status).toBe(200);
    expect(values(s.get("n1", "k"))).toEqual(["later", "merged"]);
  });

  it("reject: in a cluster, a forwarded write with the context of a write lost everywhere is stale", () => {
    const s = new SimNetwork({ build: "leader", strategy: "reject", config: { leader: "n1" } });
    expect(s.put("n1", "k", "a").status).toBe(200);
    s.run(20);
    s.partition(["n1"], ["n2", "n3"]);
    // acks "one" (the simulator's default): acknowledged by n1's own log, which then loses it.
    expect(s.put("n1", "k", "b", context(s.get("n1", "k", 1))).status).toBe(200);
    const x = context(s.get("n1", "k", 1));
    s.restart("n1", 1);
    s.heal();
    expect(s.runUntil(() => s.led() && s.agree(), 2_000)).toBe(true);
    expect(values(s.get("n2", "k"))).toEqual(["a"]);
    expect(s.put("n2", "k", "d", x)).toMatchObject({ status: 409, body: { values: ["a"] } });
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
        arbitrary: fc.record({ kind: fc.constant("restart" as const), node, lose: fc.nat(6) }),
      },
      fc.record({ kind: fc.constant("wait" as const), ms: fc.integer({ min: 0, max: 300 }) }),
    );
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 30, size: "max" }),
        fc.constantFrom<Strategy>("lww", "reject"),
        (ops, strategy) => {
          const s = new SimNetwork({ build: "leader", strategy });
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
  it("an older append that arrives after newer ones neither truncates nor loses entries", () => {
    // The first append to n2 that carries a write takes 40ms; every other message takes 1ms.
    let slowed = false;
    const s = new SimNetwork({
      build: "leader",
      strategy: "lww",
      config: { leader: "n1", acks: "quorum" },
      checkReplay: true,
      latencyMs: (_from, to, msg: Message) => {
        const entries = msg.type === "append" && Array.isArray(msg.entries) ? msg.entries : [];
        const write = entries.some((e) => (e as { key?: unknown }).key !== null);
        if (to !== "n2" || !write || slowed) return 1;
        slowed = true;
        return 40;
      },
    });
    expect(s.put("n1", "a", 1).status).toBe(200); // n3 acknowledges; n2's copy is on its way
    expect(s.put("n1", "b", 2).status).toBe(200);
    s.run(10);
    // n2 refused "b" (it lacks "a"); the leader resent both before the slow one came.
    expect(Object.keys(s.dump("n2"))).toEqual(["a", "b"]);
    s.run(40); // the slow append of "a" alone arrives now
    expect(slowed).toBe(true);
    expect(Object.keys(s.dump("n2"))).toEqual(["a", "b"]);
    const entries = s.logs.get("n2")!.filter((r) => (r as { t?: string }).t === "entry");
    expect(entries).toHaveLength(3); // the no-op, a, b: each written once, none truncated
    expect(s.lines.get("n2")).toEqual([]);
  });
});
