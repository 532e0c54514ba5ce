// One suite over every build × strategy, on the simulated network.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeContext } from "./context-codec.js";
import { createReplica } from "./create-replica.js";
import { BUILDS, type Build, type Json, STRATEGIES, type Strategy } from "./replica.js";
import { type Reply, SimNetwork, type SimOptions } from "./sim-network.js";

const sim = (
  build: Build,
  strategy: Strategy,
  config: SimOptions["config"] = {},
  more: Partial<SimOptions> = {},
) => new SimNetwork({ build, strategy, config, ...more });

function values(reply: Reply): Json[] {
  if (!("values" in reply.body)) throw new Error(`expected values, got ${JSON.stringify(reply)}`);
  return [...reply.body.values].sort();
}

function context(reply: Reply): string {
  if (!("context" in reply.body))
    throw new Error(`expected a context, got ${JSON.stringify(reply)}`);
  return reply.body.context;
}

/** Every node's own values of `key` (r = 1 reads, as the harness's final reads). */
function localValues(s: SimNetwork, key: string): Json[][] {
  return s.ids.map((id) => values(s.get(id, key, 1)));
}

for (const build of BUILDS) {
  describe(build, () => {
    for (const strategy of STRATEGIES) {
      describe(strategy, () => {
        it("reads its own acknowledged write and converges on every node", () => {
          const s = sim(build, strategy);
          expect(s.put("n2", "k", 1).status).toBe(200);
          expect(values(s.get("n2", "k"))).toEqual([1]);
          expect(s.runUntil(() => s.agree(), 2_000)).toBe(true);
          expect(localValues(s, "k")).toEqual([[1], [1], [1]]);
        });

        it("answers 400 to malformed contexts, never throws", () => {
          const s = sim(build, strategy);
          const bad = [
            "not base64!",
            "",
            Buffer.from("{").toString("base64url"),
            encodeContext("nope", 1),
            encodeContext(
              build === "leader"
                ? "v"
                : strategy === "siblings"
                  ? "dvv"
                  : strategy === "lww"
                    ? "lww"
                    : "vv",
              "garbage",
            ),
          ];
          for (const c of bad) {
            const reply = s.put("n1", "k", 1, c);
            expect(reply.status, c).toBe(400);
            expect(reply.body).toMatchObject({
              error: "bad-request",
              detail: expect.stringMatching(/context/),
            });
          }
          expect(s.dump("n1")).toEqual({});
        });

        it("joins the cluster when it learns its peers after start", () => {
          const s = sim(build, strategy, { w: 1, r: 1 }, { alone: true });
          // Alone, a leaderless node takes writes; a leader-build node that knows no peer does not
          // lead (it would, alone, on its own term) until it learns its membership: 503 until then.
          if (build === "leaderless") expect(s.put("n2", "k", 1).status).toBe(200);
          else expect(s.put("n2", "k", 1).status).toBe(503);
          s.run(300);
          expect(s.replica("n2").role()).toBe(build === "leader" ? "follower" : "peer");
          expect(s.dump("n1")).toEqual({});
          for (const id of s.ids) s.setPeers(id, s.ids);
          if (build === "leader") expect(s.runUntil(() => s.led(), 2_000)).toBe(true);
          expect(s.put("n3", "k2", 2).status).toBe(200);
          expect(s.runUntil(() => s.agree(), 2_000)).toBe(true);
          expect(s.dump("n3").k2?.values).toEqual([2]);
        });

        it("never throws on arbitrary contexts or peer messages", () => {
          const s = sim(build, strategy);
          s.put("n1", "k", 1);
          fc.assert(
            fc.property(fc.string(), (c) => {
              const reply = s.put("n1", "k", 2, c);
              expect([200, 400, 409]).toContain(reply.status);
            }),
            { numRuns: 200 },
          );
          const message = fc.record(
            {
              type: fc.constantFrom(
                "put",
                "put-ack",
                "get",
                "get-reply",
                "ae-summary",
                "ae-digest",
                "ae-reply",
                "states",
                "vote",
                "vote-reply",
                "append",
                "append-reply",
                "fwd",
                "fwd-get",
                "fwd-reply",
              ),
              id: fc.jsonValue(),
              key: fc.jsonValue(),
              state: fc.jsonValue(),
              states: fc.jsonValue(),
              digest: fc.jsonValue(),
              buckets: fc.oneof(fc.jsonValue(), fc.array(fc.integer(), { maxLength: 1100 })),
              want: fc.jsonValue(),
              lsn: fc.jsonValue(),
              since: fc.jsonValue(),
              value: fc.jsonValue(),
              term: fc.oneof(fc.nat(3), fc.jsonValue()),
              prev: fc.oneof(fc.nat(3), fc.jsonValue()),
              entries: fc.jsonValue(),
              last: fc.jsonValue(),
              granted: fc.jsonValue(),
              ok: fc.jsonValue(),
              match: fc.jsonValue(),
              status: fc.jsonValue(),
              body: fc.jsonValue(),
            },
            { requiredKeys: ["type"] },
          );
          fc.assert(
            fc.property(fc.constantFrom(...s.ids), message, (to, msg) => {
              expect(() =>
                s
                  .replica(to)
                  .step(
                    { kind: "receive", from: "n2", msg: msg as never },
                    { monoMs: 1, wallMs: 1 },
                  ),
              ).not.toThrow();
            }),
            { numRuns: 300 },
          );
        });

        it("any interleaving of requests, partitions and restarts converges after the heal", () => {
          type Op =
            | { kind: "put"; node: number; read: number }
            | { kind: "get"; node: number }
            | { kind: "partition"; alone: number }
            | { kind: "heal" }
            | { kind: "restart"; node: number; lose: number }
            | { kind: "wait"; ms: number };
          const node = fc.nat(2);
          const op: fc.Arbitrary<Op> = fc.oneof(
            {
              weight: 4,
              arbitrary: fc.record({
                kind: fc.constant("put" as const),
                node,
                read: fc.integer({ min: -1, max: 10 }),
              }),
            },
            { weight: 2, arbitrary: fc.record({ kind: fc.constant("get" as const), node }) },
            fc.record({ kind: fc.constant("partition" as const), alone: node }),
            fc.record({ kind: fc.constant("heal" as const) }),
            // A restart may lose the log's tail (fsync "never"): replicas must still converge.
            fc.record({ kind: fc.constant("restart" as const), node, lose: fc.nat(3) }),
            fc.record({ kind: fc.constant("wait" as const), ms: fc.integer({ min: 0, max: 300 }) }),
          );
          fc.assert(
            fc.property(
              fc.array(op, { maxLength: 25 }),
              fc.constantFrom("one", "quorum", "all"),
              (ops, acks) => {
                const s = sim(build, strategy, { w: 1, acks: acks as "one" | "quorum" | "all" });
                const reads: number[] = [];
                for (const [i, o] of ops.entries()) {
                  const id = s.ids["node" in o ? o.node : 0]!;
                  if (o.kind === "put") {
                    const from = reads.filter((r) => s.reply(r)?.status === 200)[o.read];
                    const ctx = from === undefined ? undefined : context(s.reply(from)!);
                    s.submit(id, { kind: "put", key: `k${i % 3}`, value: i, context: ctx });
                  } else if (o.kind === "get")
                    reads.push(s.submit(id, { kind: "get", key: `k${i % 3}` }));
                  else if (o.kind === "partition")
                    s.partition(
                      [s.ids[o.alone]!],
                      s.ids.filter((_, j) => j !== o.alone),
                    );
                  else if (o.kind === "heal") s.heal();
                  else if (o.kind === "restart") s.restart(id, o.lose);
                  else s.run(o.ms);
                }
                s.heal();
                expect(s.runUntil(() => s.agree(), 5_000)).toBe(true);
                // Every message a replica sent passed its peer's validation.
                expect(s.refused).toEqual([]);
                if (strategy !== "siblings") {
                  for (const state of Object.values(s.dump("n1")))
                    expect(state.values.length).toBe(1);
                }
                // Every node's log rebuilds exactly its state.
                for (const id of s.ids) {
                  expect(createReplica(s.config(id), s.logs.get(id)!).dump()).toEqual(s.dump(id));
                }
              },
            ),
            { numRuns: 40 },
          );
        });

        it("rebuilds the same state from its log after a restart", () => {
          const s = sim(build, strategy, {}, { checkReplay: true });
          s.put("n1", "a", 1);
          s.partition(["n1"], ["n2", "n3"]);
          s.submit("n3", { kind: "put", key: "a", value: 2 });
          s.submit("n1", { kind: "put", key: "b", value: 3 });
          s.run(500);
          s.heal();
          s.run(1_000);
          const before = s.dump("n2");
          s.crash("n2");
          s.restart("n2");
          expect(s.dump("n2")).toEqual(before);
        });

        it("is deterministic: the same inputs give the same effects", () => {
          const trace = () => {
            const s = sim(build, strategy);
            s.put("n1", "k", 1);
            s.partition(["n1"], ["n2", "n3"]);
            s.submit("n2", { kind: "put", key: "k", value: 2 });
            s.submit("n1", { kind: "get", key: "k" });
            s.run(300);
            s.heal();
            s.run(500);
            return s.trace;
          };
          const first = trace();
          expect(first.length).toBeGreaterThan(20);
          expect(trace()).toEqual(first);
        });
      });
    }

    // The leader build's own cases: leader-replica.test.ts, leader-election.test.ts.
    if (build === "leaderless") {
      it("siblings: keeps both of two concurrent writes and converges by anti-entropy", () => {
        const s = sim(build, "siblings", { w: 1, readRepair: false });
        s.partition(["n1"], ["n2", "n3"]);
        expect(s.put("n1", "k", "a").status).toBe(200);
        expect(s.put("n2", "k", "b").status).toBe(200);
        s.run(300);
        expect(localValues(s, "k")).toEqual([["a"], ["b"], ["b"]]);
        s.heal();
        expect(s.runUntil(() => s.agree(), 2_000)).toBe(true);
        expect(localValues(s, "k")).toEqual([
          ["a", "b"],
          ["a", "b"],
          ["a", "b"],
        ]);
        // A write with the read's context replaces both, everywhere.
        const read = s.get("n3", "k");
        expect(s.put("n3", "k", "ab", context(read)).status).toBe(200);
        expect(s.runUntil(() => s.agree(), 2_000)).toBe(true);
        expect(localValues(s, "k")).toEqual([["ab"], ["ab"], ["ab"]]);
      });

      it("siblings: converges by read repair alone", () => {
        const s = sim(build, "siblings", { w: 1, antiEntropyIntervalMs: 0 });
        s.partition(["n1"], ["n2", "n3"]);
        s.put("n1", "k", "a");
        s.put("n2", "k", "b");
        s.run(300);
        s.heal();
        s.run(1_000);
        expect(s.agree()).toBe(false);
        expect(values(s.get("n1", "k", 3))).toEqual(["a", "b"]);
        s.run(10);
        expect(localValues(s, "k")).toEqual([
          ["a", "b"],
          ["a", "b"],
          ["a", "b"],
        ]);
      });

      it("siblings: any interleaving converges after heal to exactly the writes not superseded", () => {
        type Op =
          | { kind: "put"; node: number; read: number; w: number }
          | { kind: "get"; node: number; r: number }
          | { kind: "partition"; alone: number }
          | { kind: "heal" }
          | { kind: "restart"; node: number }
          | { kind: "wait"; ms: number };
        const node = fc.nat(2);
        const op: fc.Arbitrary<Op> = fc.oneof(
          {
            weight: 4,
            arbitrary: fc.record({
              kind: fc.constant("put" as const),
              node,
              read: fc.integer({ min: -1, max: 20 }),
              w: fc.integer({ min: 1, max: 3 }),
            }),
          },
          {
            weight: 2,
            arbitrary: fc.record({
              kind: fc.constant("get" as const),
              node,
              r: fc.integer({ min: 1, max: 3 }),
            }),
          },
          fc.record({ kind: fc.constant("partition" as const), alone: node }),
          fc.record({ kind: fc.constant("heal" as const) }),
          fc.record({ kind: fc.constant("restart" as const), node }),
          fc.record({ kind: fc.constant("wait" as const), ms: fc.integer({ min: 0, max: 300 }) }),
        );
        const repairs = fc.record({
          readRepair: fc.boolean(),
          antiEntropyIntervalMs: fc.constantFrom(0, 50, 100),
        });
        fc.assert(
          fc.property(fc.array(op, { maxLength: 25 }), repairs, (ops, repair) => {
            const s = sim(build, "siblings", repair);
            const reads: number[] = [];
            const basis = new Map<number, number>(); // put req → the read req whose context it sent
            const written = new Map<number, number>(); // put req → value
            for (const [i, o] of ops.entries()) {
              const id =
                s.ids[o.kind === "put" || o.kind === "get" || o.kind === "restart" ? o.node : 0]!;
              if (o.kind === "put") {
                const from = reads.filter((r) => s.reply(r)?.status === 200)[o.read];
                const ctx = from === undefined ? undefined : context(s.reply(from)!);
                const req = s.submit(id, { kind: "put", key: "k", value: i, context: ctx, w: o.w });
                written.set(req, i);
                if (from !== undefined) basis.set(req, from);
              } else if (o.kind === "get")
                reads.push(s.submit(id, { kind: "get", key: "k", r: o.r }));
              else if (o.kind === "partition")
                s.partition(
                  [s.ids[o.alone]!],
                  s.ids.filter((_, j) => j !== o.alone),
                );
              else if (o.kind === "heal") s.heal();
              else if (o.kind === "restart") s.restart(id);
              else s.run(o.ms);
            }
            s.heal();
            // Anti-entropy converges alone; without it, one full read repairs everything.
            if (repair.antiEntropyIntervalMs === 0) {
              s.run(500);
              if (repair.readRepair) s.get("n1", "k", 3);
              else return; // no repair mechanism: nothing to converge
            }
            expect(s.runUntil(() => s.agree(), 5_000)).toBe(true);
            expect(s.refused).toEqual([]);
            // Every write was applied at its coordinator (persisted before any answer), so the
            // survivors are all writes minus those a later write's context had read.
            const superseded = new Set<Json>();
            for (const [req, read] of basis) {
              const status = s.reply(req)?.status;
              if (status !== 400) for (const v of values(s.reply(read)!)) superseded.add(v);
            }
            const expected = [...written.values()].filter((v) => !superseded.has(v)).sort();
            for (const vs of localValues(s, "k")) expect(vs.sort()).toEqual(expected);
          }),
          { numRuns: 60 },
        );
      });

      it("siblings: a node that lost its log tail never reuses a dot it gave out", () => {
        const s = sim(build, "siblings", { w: 3 });
        expect(s.put("n1", "k", "a").status).toBe(200);
        s.partition(["n1"], ["n2", "n3"]);
        s.restart("n1", 1); // the write of "a" is gone from n1's log, not from n2 and n3
        s.run(10);
        expect(s.dump("n1")).toEqual({});
        expect(s.put("n1", "k", "b", undefined, 1).status).toBe(200);
        s.heal();
        expect(s.runUntil(() => s.agree(), 2_000)).toBe(true);
        expect(localValues(s, "k")).toEqual([
          ["a", "b"],
          ["a", "b"],
          ["a", "b"],
        ]);
      });

      it("anti-entropy alone converges within 2·(n−1) intervals of the heal", () => {
        for (const seed of [1, 2, 3, 4, 5]) {
          const s = sim(
            build,
            "siblings",
            { w: 1, readRepair: false, antiEntropyIntervalMs: 100, seed },
            { nodeCount: 5 },
          );
          for (const [i, id] of s.ids.entries()) {
            s.partition(
              [id],
              s.ids.filter((x) => x !== id),
            );
            s.put(id, "k", i);
            s.put(id, `only-${id}`, i);
          }
          s.heal();
          expect(s.runUntil(() => s.agree(), 2 * 4 * 100 + 50)).toBe(true);
          expect(localValues(s, "k")[0]).toEqual([0, 1, 2, 3, 4]);
        }
      });

      it("anti-entropy ships digests of the differing buckets only, not of every key", () => {
        const s = sim(build, "siblings", { w: 3, readRepair: false, antiEntropyIntervalMs: 100 });
        for (let i = 0; i < 300; i++) expect(s.put("n1", `k${i}`, i).status).toBe(200);
        s.partition(["n3"], ["n1", "n2"]);
        s.put("n1", "late", 1, undefined, 1);
        s.heal();
        const before = s.trace.length;
        expect(s.runUntil(() => s.agree(), 2 * 2 * 100 + 50)).toBe(true);
        const digests = s.trace
          .slice(before)
          .filter((t) => t.includes('"ae-digest"'))
          .map((t) => Object.keys(JSON.parse(t.slice(t.indexOf("{"))).msg.digest));
        expect(digests.length).toBeGreaterThan(0);
        for (const keys of digests) expect(keys.length).toBeLessThan(10);
        expect(digests.flat()).toContain("late");
      });

      it("lww: keeps exactly one of two concurrent writes; a clock behind loses", () => {
        const s = sim(build, "lww", { w: 1 });
        s.setClockOffset("n1", -10_000);
        s.partition(["n1"], ["n2", "n3"]);
        expect(s.put("n2", "k", "early").status).toBe(200);
        s.run(50);
        expect(s.put("n1", "k", "late-but-behind").status).toBe(200);
        s.heal();
        expect(s.runUntil(() => s.agree(), 2_000)).toBe(true);
        expect(localValues(s, "k")).toEqual([["early"], ["early"], ["early"]]);
      });

      it("reject: 409 without or with a stale context, 200 with the current one", () => {
        const s = sim(build, "reject");
        expect(s.put("n1", "k", 1).status).toBe(200);
        const read = s.get("n2", "k");
        expect(s.put("n2", "k", 2).status).toBe(409);
        expect(s.put("n2", "k", 2, context(read)).status).toBe(200);
        const stale = s.put("n3", "k", 3, context(read));
        expect(stale).toMatchObject({ status: 409, body: { error: "stale-context", values: [2] } });
        expect(s.put("n3", "k", 3, context(stale)).status).toBe(200);
      });

      it("reject: accepts conflicting writes on both sides of a partition and keeps one", () => {
        const s = sim(build, "reject", { w: 1 });
        s.put("n1", "k", 0);
        s.run(100);
        const read = context(s.get("n1", "k", 1));
        s.partition(["n1"], ["n2", "n3"]);
        expect(s.put("n1", "k", "x", read).status).toBe(200);
        expect(s.put("n2", "k", "y", read).status).toBe(200);
        s.heal();
        expect(s.runUntil(() => s.agree(), 2_000)).toBe(true);
        expect(localValues(s, "k")[0]).toHaveLength(1);
      });

      it("waits for W acks: 504 when they do not come, yet the write stays applied", () => {
        const s = sim(build, "siblings");
        s.partition(["n1"], ["n2", "n3"]);
        const reply = s.put("n1", "k", 1);
        expect(reply).toMatchObject({ status: 504, body: { error: "timeout" } });
        expect(s.dump("n1").k?.values).toEqual([1]);
        expect(s.put("n1", "k", 1, undefined, 4)).toMatchObject({ status: 503 });
        expect(s.put("n1", "k", 1, undefined, 0)).toMatchObject({ status: 400 });
      });

      it("reads R replicas: 503 (definite) when too few answer, r = 1 stays local", () => {
        const s = sim(build, "siblings");
        s.put("n1", "k", 1);
        s.partition(["n1"], ["n2", "n3"]);
        expect(s.get("n1", "k")).toMatchObject({ status: 503, body: { error: "unavailable" } });
        const before = s.trace.length;
        expect(values(s.get("n1", "k", 1))).toEqual([1]);
        expect(s.trace.slice(before).filter((t) => t.includes('"send"'))).toEqual([]);
      });
    }
  });
}
