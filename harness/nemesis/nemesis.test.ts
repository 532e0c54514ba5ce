// The Nemesis interface's helpers: compose dispatches by kind, noop does nothing, labels read
// well. Imports fault-schedule first on purpose: that order once left the registry half-built
// through an import cycle (nemesis.ts re-exports the runner's API).
import { planFaults } from "./fault-schedule.js";
import { nemeses } from "./nemeses.js";
import {
  composeNemeses,
  describeFault,
  FAULT_KINDS,
  type Fault,
  type NemesisContext,
  noopNemesis,
  runNemesis,
} from "./nemesis.js";
import { describe, expect, it } from "vitest";

describe("nemesis", () => {
  it("exports the runner's API and a complete registry whatever the import order", () => {
    expect(typeof planFaults).toBe("function");
    expect(typeof runNemesis).toBe("function");
    for (const kind of FAULT_KINDS) expect(nemeses[kind]?.kinds).toEqual([kind]);
  });

  it("compose hands each fault to the nemesis of its kind, and names a missing one", async () => {
    const seen: string[] = [];
    const fake = (kind: "kill" | "pause") => ({
      kinds: [kind],
      start: async (_: NemesisContext, fault: Fault) => void seen.push(`start ${fault.kind}`),
      stop: async (_: NemesisContext, fault: Fault) => void seen.push(`stop ${fault.kind}`),
    });
    const both = composeNemeses([noopNemesis, fake("kill"), fake("pause")]);
    const ctx = {} as NemesisContext;
    await both.start(ctx, { kind: "pause", nodes: ["n1"] });
    await both.stop(ctx, { kind: "kill", nodes: ["n1"] });
    expect(seen).toEqual(["start pause", "stop kill"]);
    expect(both.kinds).toEqual(["kill", "pause"]);
    expect(() => both.start(ctx, { kind: "clock", offsetsMs: { n1: 5 } })).toThrow(
      'no nemesis handles faults of kind "clock"',
    );
  });

  it("labels faults for the progress line", () => {
    expect(describeFault({ kind: "partition", shape: "bridge", cuts: [] })).toBe(
      "partition bridge",
    );
    expect(describeFault({ kind: "kill", nodes: ["n1", "n3"] })).toBe("kill n1,n3");
    expect(describeFault({ kind: "clock", offsetsMs: { n1: 250, n2: -40 } })).toBe(
      "clock n1+250ms,n2-40ms",
    );
  });
});
