import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { history } from "./history-builder.js";
import { simulateHistory } from "./simulated-history.js";
import { type OpStats, statsChecker } from "./stats-checker.js";

interface Result {
  valid: true | false | "unknown";
  ok: number;
  ops: number;
  durationSeconds: number;
  opsPerSecond: number;
  okPerSecond: number;
  byF: Record<string, OpStats>;
  faults: Record<string, number>;
}
const check = (ops: ReturnType<typeof history>["ops"]) =>
  statsChecker.check(ops, {}) as unknown as Result;

describe("stats checker", () => {
  it("counts outcomes per f, with latency quantiles per outcome and throughput", () => {
    const h = history()
      .at(0)
      .invoke(0, "write", { key: "k", value: 1 })
      .at(10)
      .ok(0) // 10 ms
      .invoke(0, "write", { key: "k", value: 2 })
      .at(41)
      .fail(0) // 30 ms
      .nemesis("invoke", "partition")
      .nemesis("ok", "partition")
      .read(1, "k", [1]) // 1 ms
      .invoke(2, "write", { key: "k", value: 3 })
      .at(1000)
      .info(2)
      .invoke(3, "read", { key: "k" }); // never completes: info
    const r = check(h.ops);
    expect(r.valid).toBe(true);
    expect(r).toMatchObject({ ops: 5, ok: 2, durationSeconds: 1.001, faults: { partition: 1 } });
    expect(r.byF.write).toMatchObject({ count: 3, ok: 1, fail: 1, info: 1 });
    expect(r.byF.write!.latencyMs.ok).toEqual({ count: 1, p50: 10, p90: 10, p99: 10, max: 10 });
    expect(r.byF.write!.latencyMs.fail).toMatchObject({ count: 1, max: 30 });
    expect(r.byF.write!.latencyMs.info).toMatchObject({ count: 1, max: 954 });
    expect(r.byF.read).toMatchObject({ count: 2, ok: 1, info: 1 });
    expect(r.okPerSecond).toBe(2);
    expect(r.opsPerSecond).toBe(4);
  });

  it("computes nearest-rank quantiles", () => {
    const h = history();
    for (let i = 1; i <= 100; i++) {
      h.at(i * 1000).invoke(0, "read", { key: "k" });
      h.at(i * 1000 + i).ok(0, { value: [] }); // latency i ms
    }
    const q = check(h.ops).byF.read!.latencyMs.ok;
    expect(q).toEqual({ count: 100, p50: 50, p90: 90, p99: 99, max: 100 });
  });

  it("is unknown when nothing succeeded", () => {
    expect(check(history().write(0, "k", 1, [], "fail").ops).valid).toBe("unknown");
    expect(check([]).valid).toBe("unknown");
  });

  it("accounts for every op exactly once (property)", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 0, max: 200 }), (seed, opCount) => {
        const ops = simulateHistory({ seed, opCount, workload: "register", nemesisEvery: 10 });
        const r = check(ops);
        const invokes = ops.filter((o) => o.type === "invoke" && o.process !== "nemesis").length;
        const oks = ops.filter((o) => o.type === "ok" && o.process !== "nemesis").length;
        expect(r.ops).toBe(invokes);
        expect(Object.values(r.byF).reduce((n, s) => n + s.count, 0)).toBe(invokes);
        expect(r.ok).toBe(oks);
        for (const s of Object.values(r.byF)) {
          expect(s.ok + s.fail + s.info).toBe(s.count);
          if (s.ok > 0) expect(s.latencyMs.ok.p50!).toBeLessThanOrEqual(s.latencyMs.ok.max!);
        }
      }),
      { numRuns: 100 },
    );
  });
});
