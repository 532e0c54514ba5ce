// Forged contexts cannot poison a key (leaderless siblings and reject, whose contexts carry
// version vectors): invented replica ids are refused, well-formed but invented starts of known
// nodes and huge counters are kept within causal-bounds.ts, and whatever a read returns is always
// accepted back as a write's context, on every node, whatever was forged before.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ACTORS_MAX, COUNTER_MAX } from "./causal-bounds.js";
import { CONTEXT_LENGTH_MAX, encodeContext } from "./context-codec.js";
import { STAMP_AHEAD_MS_MAX } from "./leaderless-strategies.js";
import type { Json } from "./replica.js";
import { type Reply, SimNetwork } from "./sim-network.js";
import type { VersionVector } from "./version-vector.js";

type VvStrategy = "siblings" | "reject";
const VV_STRATEGIES: readonly VvStrategy[] = ["siblings", "reject"];

const sim = (strategy: VvStrategy) =>
  new SimNetwork({ build: "leaderless", strategy, config: { w: 1, r: 1 } });

/** A context as a client could forge it: a version vector (and, for reject, a stamp). */
function forge(strategy: VvStrategy, vv: VersionVector, ms = 0): string {
  return strategy === "siblings" ? encodeContext("dvv", vv) : encodeContext("vv", [vv, ms]);
}

/** The version vector inside a read's context. */
function vectorOf(context: string): VersionVector {
  const [tag, body] = JSON.parse(Buffer.from(context, "base64url").toString("utf8"));
  return (tag === "dvv" ? body : body[0]) as VersionVector;
}

function contextOf(reply: Reply): string {
  if (reply.status !== 200 || !("context" in reply.body)) {
    throw new Error(`expected a read, got ${JSON.stringify(reply)}`);
  }
  return reply.body.context;
}

function vector(actors: readonly string[], counter: number): VersionVector {
  return Object.fromEntries(actors.map((a) => [a, counter]));
}

/** The read of `key` at `node` is accepted as a context by a write at every node. */
function expectReadContextAccepted(s: SimNetwork, node: string, key: string, value: Json): void {
  const context = contextOf(s.get(node, key));
  expect(context.length).toBeLessThanOrEqual(CONTEXT_LENGTH_MAX);
  expect(Object.keys(vectorOf(context)).length).toBeLessThanOrEqual(ACTORS_MAX);
  for (const at of s.ids) {
    const reply = s.put(at, key, value, context);
    expect(reply.status, `${at}: ${JSON.stringify(reply.body)}`).not.toBe(400);
  }
}

describe.each(VV_STRATEGIES)("leaderless %s: forged contexts", (strategy) => {
  it("refuses contexts naming 2,500 invented replica ids; the key stays writable", () => {
    const s = sim(strategy);
    s.put("n1", "k", "first");
    for (let round = 0; round < 3; round++) {
      const ids = Array.from({ length: 2_500 }, (_, i) => `replica-${round}-${i}`);
      const reply = s.put("n1", "k", `forged-${round}`, forge(strategy, vector(ids, 1)));
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({ error: "bad-request" });
    }
    // A handful of invented ids is refused too, naming the first one.
    const few = s.put("n1", "k", "x", forge(strategy, { "replica-7": 1 }));
    expect(few.body).toMatchObject({
      detail: expect.stringContaining('actor "replica-7" is no start of a node of this cluster'),
    });
    expect(s.dump("n1").k?.values).toEqual(["first"]);
    expectReadContextAccepted(s, "n1", "k", "after");
  });

  it("keeps invented starts of known nodes within bounds; a read's context is accepted", () => {
    const s = sim(strategy);
    const base = contextOf(s.get("n1", "k"));
    for (let round = 0; round < 3; round++) {
      const starts = Array.from(
        { length: 250 },
        (_, i) => `n${1 + (i % 3)}.${round * 250 + i}.abc`,
      );
      const vv = { ...vectorOf(base), ...vector(starts, 5) };
      expect(s.put("n1", "k", `v${round}`, forge(strategy, vv)).status).not.toBe(400);
    }
    const tooMany = Array.from({ length: ACTORS_MAX + 1 }, (_, i) => `n2.${i}.abc`);
    expect(s.put("n1", "k", "x", forge(strategy, vector(tooMany, 1))).body).toMatchObject({
      detail: expect.stringContaining(`names ${ACTORS_MAX + 1} actors, at most ${ACTORS_MAX}`),
    });
    if (strategy === "siblings") expect(s.dump("n1").k?.values.sort()).toEqual(["v0", "v1", "v2"]);
    expectReadContextAccepted(s, "n1", "k", "merged");
  });

  it("refuses counters past COUNTER_MAX; a writer whose counter a context exhausted goes on", () => {
    const s = sim(strategy);
    s.put("n2", "k", "a");
    s.run(50);
    const read = contextOf(s.get("n1", "k"));
    const [n2Actor] = Object.keys(vectorOf(read));
    expect(n2Actor).toMatch(/^n2\./);
    const over = s.put("n1", "k", "x", forge(strategy, { [n2Actor!]: COUNTER_MAX + 1 }));
    expect(over.body).toMatchObject({ detail: expect.stringContaining(`at most ${COUNTER_MAX}`) });
    // n2's own counter pushed to the limit at n1: n2's next write needs a fresh actor.
    expect(s.put("n1", "k", "b", forge(strategy, { [n2Actor!]: COUNTER_MAX })).status).toBe(200);
    s.run(50);
    const inflated = contextOf(s.get("n2", "k"));
    expect(s.put("n2", "k", "c", inflated).status).toBe(200);
    s.run(50);
    expect(s.dump("n1").k?.values).toEqual(["c"]);
    expectReadContextAccepted(s, "n3", "k", "d");
  });

  it("any mix of forged and real contexts leaves every read's context acceptable", () => {
    type Op =
      | { kind: "put"; node: number; read: number }
      | { kind: "forge"; node: number; read: number; starts: string[]; counter: number }
      | { kind: "inflate"; node: number; read: number; counter: number }
      | { kind: "get"; node: number }
      | { kind: "partition"; alone: number }
      | { kind: "heal" }
      | { kind: "restart"; node: number }
      | { kind: "wait"; ms: number };
    const node = fc.nat(2);
    const counter = fc.oneof(
      fc.integer({ min: 0, max: 50 }),
      fc.constantFrom(COUNTER_MAX, COUNTER_MAX - 1),
    );
    const start = fc
      .tuple(fc.constantFrom("n1", "n2", "n3"), fc.nat(9), fc.nat(36 ** 4))
      .map(([n, count, t]) => `${n}.${count}.${t.toString(36)}`);
    const op: fc.Arbitrary<Op> = fc.oneof(
      {
        weight: 3,
        arbitrary: fc.record({ kind: fc.constant("put" as const), node, read: fc.nat(20) }),
      },
      {
        weight: 2,
        arbitrary: fc.record({
          kind: fc.constant("forge" as const),
          node,
          read: fc.nat(20),
          starts: fc.array(start, { minLength: 60, maxLength: ACTORS_MAX }),
          counter,
        }),
      },
      fc.record({ kind: fc.constant("inflate" as const), node, read: fc.nat(20), counter }),
      { weight: 2, arbitrary: fc.record({ kind: fc.constant("get" as const), node }) },
      fc.record({ kind: fc.constant("partition" as const), alone: node }),
      fc.record({ kind: fc.constant("heal" as const) }),
      fc.record({ kind: fc.constant("restart" as const), node }),
      fc.record({ kind: fc.constant("wait" as const), ms: fc.integer({ min: 0, max: 200 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 20 }), (ops) => {
        const s = sim(strategy);
        const reads: string[] = [];
        for (const [i, o] of ops.entries()) {
          const id = s.ids["node" in o ? o.node : 0]!;
          const readCtx = (n: number) => (reads.length === 0 ? undefined : reads[n % reads.length]);
          if (o.kind === "put") {
            const ctx = readCtx(o.read);
            const reply = s.put(id, "k", i, ctx);
            // A context a read returned is never refused.
            if (ctx !== undefined) expect(reply.status, JSON.stringify(reply.body)).not.toBe(400);
          } else if (o.kind === "forge") {
            // Invented starts on top of a real read's vector: reject takes it if the read is
            // current, so the invented entries get into its state too.
            const ctx = readCtx(o.read);
            const real = ctx === undefined ? {} : vectorOf(ctx);
            s.put(id, "k", i, forge(strategy, { ...vector(o.starts, o.counter), ...real }, i));
          } else if (o.kind === "inflate") {
            const ctx = readCtx(o.read);
            const vv = ctx === undefined ? {} : vector(Object.keys(vectorOf(ctx)), o.counter);
            s.put(id, "k", i, forge(strategy, vv, CLOCK_FAR_AHEAD_MS));
          } else if (o.kind === "get") {
            const reply = s.get(id, "k");
            if (reply.status === 200) reads.push(contextOf(reply));
          } else if (o.kind === "partition") {
            s.partition(
              [s.ids[o.alone]!],
              s.ids.filter((_, j) => j !== o.alone),
            );
          } else if (o.kind === "heal") s.heal();
          else if (o.kind === "restart") s.restart(id);
          else s.run(o.ms);
        }
        s.heal();
        expect(s.runUntil(() => s.agree(), 5_000)).toBe(true);
        expect(s.refused).toEqual([]);
        for (const id of s.ids) expectReadContextAccepted(s, id, "k", `final-${id}`);
      }),
      { numRuns: 40 },
    );
  });
});

/** A stamp a forged reject context may carry: far beyond any clock. */
const CLOCK_FAR_AHEAD_MS = 1e300;

describe("leaderless reject: a forged stamp far in the future", () => {
  it("moves the key's stamp at most STAMP_AHEAD_MS_MAX ahead, so later writes still win", () => {
    const s = new SimNetwork({ build: "leaderless", strategy: "reject", config: { w: 3, r: 3 } });
    expect(s.put("n1", "k", "v0").status).toBe(200);
    const [actor] = Object.keys(vectorOf(contextOf(s.get("n1", "k"))));
    const vv = { [actor!]: 1 };
    expect(s.put("n1", "k", "forged", forge("reject", vv, CLOCK_FAR_AHEAD_MS)).status).toBe(200);
    const read = contextOf(s.get("n2", "k"));
    const [, [, ms]] = JSON.parse(Buffer.from(read, "base64url").toString("utf8"));
    expect(ms).toBeLessThanOrEqual(1_700_000_000_000 + s.nowMs + STAMP_AHEAD_MS_MAX + 1);
    expect(s.put("n2", "k", "later", read).status).toBe(200);
    expect(s.dump("n3").k?.values).toEqual(["later"]);
  });
});
