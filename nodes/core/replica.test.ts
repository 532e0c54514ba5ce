// One suite over every build × strategy, on the simulated network.
import { describe, expect, it } from "vitest";
import { encodeContext } from "./context-codec.js";
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
