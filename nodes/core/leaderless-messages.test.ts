// Peer messages of the leaderless build are validated like client requests: every malformed
// message, every message from a stranger and every state naming an invented replica is refused
// with a detail naming the field, and nothing of it reaches state; what replicas really send
// passes (replica.test.ts checks `refused` after its convergence properties).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { keyProblem } from "./api-limits.js";
import { ACTORS_MAX, COUNTER_MAX } from "./causal-bounds.js";
import { BUCKET_COUNT } from "./digest-buckets.js";
import { LEADERLESS_MESSAGE_TYPES } from "./leaderless-messages.js";
import { STRATEGIES, type Message, type Replica, type Strategy } from "./replica.js";
import { SimNetwork } from "./sim-network.js";

const CLOCK = { monoMs: 1, wallMs: 1_700_000_000_000 };
const N2 = "n2.1.abc";

/** n1 of a 3-node leaderless cluster on `strategy`, booted. */
function replica(strategy: Strategy): Replica {
  const s = new SimNetwork({ build: "leaderless", strategy, config: { w: 1, r: 1 } });
  s.run(20);
  return s.replica("n1");
}

/** A well-formed state of one key written by `actor`, per strategy. */
function stateBy(strategy: Strategy, actor: string, value: unknown = "v"): unknown {
  if (strategy === "siblings") return [[actor, 1, [value]]];
  if (strategy === "lww") return [CLOCK.wallMs, actor, value];
  return { vv: { [actor]: 1 }, ms: CLOCK.wallMs, node: actor, value };
}

/** `detail`: the exact text, or an asymmetric matcher (expect.stringContaining). */
function expectRefused(r: Replica, from: string, msg: unknown, detail: unknown): void {
  const before = JSON.stringify(r.dump());
  const problem = r.checkMessage!(from, msg as Message);
  expect(problem, JSON.stringify(msg)).toEqual(detail);
  // Stepped anyway (a shell that did not ask), it changes nothing and answers nothing.
  const effects = r.step({ kind: "receive", from, msg: msg as Message }, CLOCK);
  expect(effects).toEqual([]);
  expect(JSON.stringify(r.dump())).toBe(before);
}

describe.each(STRATEGIES)("leaderless %s: peer messages", (strategy) => {
  const good = stateBy(strategy, N2);

  it("accepts the messages replicas send", () => {
    const r = replica(strategy);
    const digest = { k: 1 };
    for (const msg of [
      { type: "put", id: `${N2}/1`, key: "k", state: good },
      { type: "put-ack", id: `${N2}/1` },
      { type: "get", id: `${N2}/2`, key: "k" },
      { type: "get-reply", id: `${N2}/3`, state: null },
      { type: "ae-summary", buckets: Array(BUCKET_COUNT).fill(0) },
      { type: "ae-digest", buckets: [0, 5], digest },
      { type: "ae-reply", states: { k: good }, want: ["k"] },
      { type: "states", states: { k: good } },
    ]) {
      expect(r.checkMessage!("n2", msg as Message), msg.type).toBeUndefined();
    }
  });

  it.each([
    ["put with no key", { type: "put", id: "i", state: good }, '"key": a key must be a string'],
    ["put with an empty key", { type: "put", id: "i", key: "", state: good }, "must not be empty"],
    ["put with a long key", { type: "put", id: "i", key: "k".repeat(1025), state: good }, "1024"],
    ["put with no state", { type: "put", id: "i", key: "k" }, 'missing field "state"'],
    ["put with no id", { type: "put", key: "k", state: good }, '"id" must be a string'],
    [
      "put with an extra field",
      { type: "put", id: "i", key: "k", state: good, x: 1 },
      'unknown field "x"',
    ],
    ["an unknown type", { type: "launch" }, 'unknown message type "launch"'],
    ["get with a numeric key", { type: "get", id: "i", key: 7 }, "a key must be a string"],
    ["a short summary", { type: "ae-summary", buckets: [1, 2] }, `${BUCKET_COUNT} non-negative`],
    ["a digest of a bucket twice", { type: "ae-digest", buckets: [3, 3], digest: {} }, "distinct"],
    [
      "a digest with a string hash",
      { type: "ae-digest", buckets: [], digest: { k: "x" } },
      "fingerprint",
    ],
    ["ae-reply without want", { type: "ae-reply", states: {} }, '"want" must be an array'],
    ["states as an array", { type: "states", states: [good] }, '"states" must be an object'],
    ["a malformed state", { type: "states", states: { k: { nope: 1 } } }, /"state" of key "k": /],
  ])("refuses %s, naming the field, and keeps it out of state", (_what, msg, detail) => {
    const matcher =
      detail instanceof RegExp ? expect.stringMatching(detail) : expect.stringContaining(detail);
    expectRefused(replica(strategy), "n2", msg, matcher);
  });

  it("refuses a state naming an invented replica", () => {
    for (const actor of ["evil", "n9.1.abc", "n2"]) {
      expectRefused(
        replica(strategy),
        "n2",
        { type: "put", id: "i", key: "k", state: stateBy(strategy, actor) },
        expect.stringContaining(`actor "${actor}" is no start of a node of this cluster`),
      );
    }
  });

  it("refuses a message from a node outside the cluster, or from itself", () => {
    for (const from of ["n9", "n1"]) {
      expectRefused(
        replica(strategy),
        from,
        { type: "put", id: "i", key: "k", state: good },
        `from "${from}": not a peer of n1 (n2, n3)`,
      );
    }
  });

  it("refuses a state with a value nested deeper than the API allows", () => {
    const deep = JSON.parse(`${"[".repeat(70)}${"]".repeat(70)}`);
    expectRefused(
      replica(strategy),
      "n2",
      { type: "states", states: { k: stateBy(strategy, N2, deep) } },
      expect.stringContaining("nested more than 64 deep"),
    );
  });

  it("checkMessage and step agree on any message: refused ones change nothing", () => {
    const r = replica(strategy);
    const field = fc.oneof(fc.jsonValue(), fc.constant(good), fc.constant("k"));
    const message = fc.record(
      {
        type: fc.constantFrom(...LEADERLESS_MESSAGE_TYPES, "launch"),
        id: fc.oneof(fc.string(), fc.jsonValue()),
        key: field,
        state: field,
        states: fc.oneof(fc.jsonValue(), fc.dictionary(fc.string(), field, { maxKeys: 3 })),
        want: fc.oneof(fc.jsonValue(), fc.array(fc.string())),
        digest: fc.jsonValue(),
        buckets: fc.oneof(fc.jsonValue(), fc.array(fc.nat(BUCKET_COUNT + 2), { maxLength: 5 })),
      },
      { requiredKeys: ["type"] },
    );
    fc.assert(
      fc.property(message, fc.constantFrom("n2", "n3", "n4"), (msg, from) => {
        const before = JSON.stringify(r.dump());
        const problem = r.checkMessage!(from, msg as Message);
        const effects = r.step({ kind: "receive", from, msg: msg as Message }, CLOCK);
        if (problem !== undefined) {
          expect(effects).toEqual([]);
          expect(JSON.stringify(r.dump())).toBe(before);
        }
        // Whatever got in is a key the API allows, and a put that passed is in state.
        for (const key of Object.keys(r.dump())) expect(keyProblem(key)).toBeUndefined();
        if (problem === undefined && msg.type === "put")
          expect(r.dump()).toHaveProperty([msg.key as string]);
      }),
      { numRuns: 300 },
    );
  });
});

describe("leaderless: bounds of peer states", () => {
  it("refuses a siblings state naming more actors than a context may", () => {
    const state = Array.from({ length: ACTORS_MAX + 1 }, (_, i) => [`n2.${i + 1}.abc`, 1, []]);
    state.sort(([a], [b]) => ((a as string) < (b as string) ? -1 : 1));
    expectRefused(
      replica("siblings"),
      "n2",
      { type: "states", states: { k: state } },
      expect.stringContaining(`at most ${ACTORS_MAX} allowed`),
    );
  });

  it("refuses a counter past COUNTER_MAX", () => {
    expectRefused(
      replica("siblings"),
      "n2",
      { type: "states", states: { k: [[N2, COUNTER_MAX + 1, ["v"]]] } },
      expect.stringContaining(`at most ${COUNTER_MAX}`),
    );
  });
});
