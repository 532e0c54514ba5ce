// What the leader build accepts from peers and clients (issue 14, items 3 and 5): every peer
// message is parsed before it may touch state — malformed ones, and any from outside the
// membership, are dropped and counted and change nothing; and a forged context cannot poison a key:
// contexts never enter a key's state, so whatever a read returns is always a valid context.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CONTEXT_LENGTH_MAX, encodeContext } from "./context-codec.js";
import { parseLeaderMessage } from "./leader-messages.js";
import { type LeaderKey, leaderWrite } from "./leader-strategies.js";
import type { Json, Message } from "./replica.js";
import { replyContext as context, SimNetwork, replyValues as values } from "./sim-network.js";

const sim = () =>
  new SimNetwork({
    build: "leader",
    strategy: "siblings",
    config: { leader: "n1", acks: "quorum" },
  });

/** The messages n1 sent to n2 so far, as sent. */
function sentToN2(s: SimNetwork): Message[] {
  return s.trace
    .filter((t) => t.includes(' n1 {"kind":"send","to":"n2"'))
    .map((t) => (JSON.parse(t.slice(t.indexOf("{"))) as { msg: Message }).msg);
}

describe("leader build: peer messages", () => {
  it("parses every message a live cluster sends", () => {
    const s = sim();
    s.put("n2", "k", { cart: [1, 2] });
    s.get("n3", "k");
    const types = new Set<string>();
    for (const t of s.trace.filter((line) => line.includes('"kind":"send"'))) {
      const { msg } = JSON.parse(t.slice(t.indexOf("{"))) as { msg: Message };
      types.add(msg.type);
      expect(parseLeaderMessage(msg), t).toMatchObject({ ok: true });
    }
    expect([...types].sort()).toEqual([
      "append",
      "append-reply",
      "fwd",
      "fwd-get",
      "fwd-reply",
      "vote",
      "vote-reply",
    ]);
  });

  it.each([
    ["a missing field", { type: "vote", term: 1 }, "last"],
    ["an unknown field", { type: "vote-reply", term: 1, granted: true, extra: 1 }, "extra"],
    ["a negative term", { type: "vote", term: -1, last: [0, 0] }, "term"],
    ["a fractional index", { type: "vote", term: 1, last: [0.5, 0] }, "last"],
    ["a put with no key", { type: "fwd", id: "x", value: 1 }, "key"],
    ["an empty key", { type: "fwd", id: "x", key: "", value: 1 }, "key"],
    ["an unknown type", { type: "put", key: "k" }, "type"],
  ])("refuses %s", (_what, msg, where) => {
    const parsed = parseLeaderMessage(msg as Message);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.reason).toContain(where);
  });

  it("refuses appends whose entries are not self-consistent or out of order", () => {
    const s = sim();
    s.put("n1", "k", "v");
    const append = sentToN2(s)
      .reverse()
      .find(
        (m) =>
          m.type === "append" &&
          (m.entries as Json[]).some((e) => (e as { key: unknown }).key === "k"),
      )!;
    expect(parseLeaderMessage(append).ok).toBe(true);
    const entry = (append.entries as Json[]).at(-1) as unknown as {
      state: LeaderKey;
      stamp: string;
    };
    const withEntry = (e: Json) => ({ ...append, entries: [e] });
    const bad: [string, Message][] = [
      [
        "another index's version",
        withEntry({ ...entry, state: { ...entry.state, v: [entry.stamp, 99] } } as Json),
      ],
      ["a stamp of another term", withEntry({ ...entry, term: 7 } as unknown as Json)],
      ["a key without state", withEntry({ ...entry, state: null } as Json)],
      ["a prefix with no stamp", { ...append, prevStamp: null }],
      ["a value nested too deep", withEntry(deepValue(entry, 100))],
      ["a value from the future", withEntry(futureValue(entry))],
    ];
    for (const [what, msg] of bad) expect(parseLeaderMessage(msg).ok, what).toBe(false);
  });

  it("a mutated message is either valid or dropped and counted, never reaching state", () => {
    const s = sim();
    s.put("n1", "k", "v");
    const valid = sentToN2(s);
    const target = s.replica("n2");
    fc.assert(
      fc.property(
        fc.constantFrom(...valid),
        fc.constantFrom(
          "type",
          "term",
          "prev",
          "prevStamp",
          "entries",
          "commit",
          "round",
          "at",
          "id",
          "key",
          "value",
        ),
        fc.jsonValue(),
        (msg, field, junk) => {
          const mutated = { ...msg, [field]: junk } as Message;
          const before = {
            dump: JSON.stringify(target.dump()),
            dropped: target.health!().droppedMessages,
          };
          const effects = target.step(
            { kind: "receive", from: "n1", msg: mutated },
            { monoMs: s.nowMs, wallMs: 0 },
          );
          if (parseLeaderMessage(mutated).ok) return;
          expect(target.health!().droppedMessages).toBe(before.dropped + 1);
          expect(JSON.stringify(target.dump())).toBe(before.dump);
          expect(effects.filter((e) => e.kind !== "log")).toEqual([]);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("drops messages from unknown nodes and from itself, logging the first of them", () => {
    const s = sim();
    const valid = sentToN2(s).at(-1)!;
    for (const from of ["n9", "n2", "n1 "])
      s.replica("n2").step({ kind: "receive", from, msg: valid }, { monoMs: s.nowMs, wallMs: 0 });
    expect(s.replica("n2").health!().droppedMessages).toBe(3);
  });
});

describe("leader build: forged contexts (issue 14 item 3)", () => {
  const stamp = (node: string, i: number) => `${i}.${node}.1.${i.toString(36)}`;
  const forged = (node: string, count: number) =>
    encodeContext(
      "v",
      Object.fromEntries(Array.from({ length: count }, (_, i) => [stamp(node, i + 1), 5])),
    );

  it("refuses contexts naming leaderships of nodes outside the cluster", () => {
    const s = sim();
    for (let i = 0; i < 3; i++) {
      expect(s.put("n2", "k", i, forged("invented", 1_000))).toMatchObject({
        status: 400,
        body: { detail: expect.stringMatching(/no node of this cluster gave that version/) },
      });
    }
    expect(s.dump("n1")).toEqual({});
  });

  it("well-formed stamps of members cover nothing they did not write, and never grow the state", () => {
    const s = sim();
    expect(s.put("n2", "k", "a").status).toBe(200);
    for (let i = 0; i < 3; i++)
      expect(s.put("n2", "k", `f${i}`, forged("n3", 1_000)).status).toBe(200);
    const read = s.get("n1", "k");
    expect(values(read)).toEqual(["a", "f0", "f1", "f2"]);
    expect(context(read).length).toBeLessThan(200);
    expect(s.put("n3", "k", "merged", context(read)).status).toBe(200);
    expect(values(s.get("n1", "k"))).toEqual(["merged"]);
  });

  it("whatever a read returns is accepted back as a write's context", () => {
    const forgedContext = fc.oneof(
      fc.constant(undefined),
      fc
        .dictionary(fc.constantFrom("1.n1.1.a", "2.n2.1.b", "9.n3.4.zz", "1.n7.1.a"), fc.nat(40))
        .map((m) => encodeContext("v", m)),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(2), forgedContext), { maxLength: 12 }), (writes) => {
        const s = sim();
        for (const [i, [node, ctx]] of writes.entries()) s.put(s.ids[node]!, "k", i, ctx);
        const read = s.get("n2", "k");
        expect(s.put("n3", "k", "back", context(read)).status).toBe(200);
      }),
      { numRuns: 60 },
    );
  });

  it("refuses (400) a write whose siblings would need a context longer than a write accepts", () => {
    const vals: LeaderKey["vals"] = Array.from({ length: 3_000 }, (_, i) => [
      stamp("n1", i + 1),
      1,
      i,
    ]);
    const local: LeaderKey = { v: vals.at(-1)!.slice(0, 2) as [string, number], vals };
    const result = leaderWrite("siblings", local, undefined, "one more", [stamp("n2", 5_000), 7]);
    expect(result).toMatchObject({ ok: false, why: "context-too-long" });
    expect(!result.ok && result.why === "context-too-long" && result.length).toBeGreaterThan(
      CONTEXT_LENGTH_MAX,
    );
    const merged = leaderWrite("siblings", local, new Map(vals.map(([st]) => [st, 1])), "merged", [
      stamp("n2", 5_000),
      7,
    ]);
    expect(merged).toMatchObject({ ok: true });
  });
});

function deepValue(entry: { state: LeaderKey }, depth: number): Json {
  let value: Json = 1;
  for (let i = 0; i < depth; i++) value = [value];
  const vals = [...entry.state.vals];
  const [st, n] = vals.at(-1)!;
  vals[vals.length - 1] = [st, n, value];
  return { ...entry, state: { ...entry.state, vals } } as unknown as Json;
}

function futureValue(entry: { state: LeaderKey; stamp: string }): Json {
  const vals = [[entry.stamp, 999, "later"], ...entry.state.vals];
  return { ...entry, state: { ...entry.state, vals } } as unknown as Json;
}
