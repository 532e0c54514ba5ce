// Clock faults: shift the wall clock of some nodes (f "clock", value {"n1": offsetMs, …}) through
// the system's clock capability (our node: POST /admin/clock, which moves LWW timestamps), then
// set them back to 0 (f "clock-reset", value [ids]). Any number of idle nodes may be skewed, each
// by a nonzero offset within ±skewMax. The final heal resets every node's clock.
import fc from "fast-check";
import { z } from "zod";
import { duration } from "../../systems/options-schema.js";
import type { NodeId } from "../../systems/system.js";
import type { FaultKind, NemesisContext } from "./nemesis.js";
import { onEveryNode, recordStep } from "./nemesis-step.js";

const schema = z.strictObject({
  /** Each chosen node is shifted by a nonzero offset within ±skewMax. */
  skewMax: duration(1, 24 * 3_600_000).default(5_000),
});

export type ClockOptions = z.output<typeof schema>;

export interface ClockFault {
  offsetsMs: Record<NodeId, number>;
}

function setClocks(ctx: NemesisContext, offsets: Record<NodeId, number>): Promise<void> {
  const set = ctx.session.setClockOffset;
  if (set === undefined) throw new Error("the system cannot shift clocks");
  return onEveryNode(Object.keys(offsets), (node) => set(node, offsets[node]!, ctx.signal));
}

export const clockNemesis: FaultKind<"clock", ClockOptions, ClockFault> = {
  kind: "clock",
  summary: "shift the wall clocks of nodes by up to ±skewMax, then reset them",
  report: {
    label: "clock skew",
    colour: "#b08600",
    ops: { start: "clock", stop: "clock-reset" },
    ended: "reset",
  },
  schema,
  flags: [],
  needs: () => ["clock"],
  problems: () => [],
  draw(o, { g, nodes, idle }) {
    if (idle.length === 0) return undefined;
    const count = g(fc.integer, { min: 1, max: idle.length });
    const picked = g(fc.shuffledSubarray<NodeId>, [...idle], {
      minLength: count,
      maxLength: count,
    });
    const offsetsMs: Record<NodeId, number> = {};
    for (const node of nodes.filter((n) => picked.includes(n))) {
      const magnitudeMs = g(fc.integer, { min: 1, max: o.skewMax });
      offsetsMs[node] = g(fc.boolean) ? magnitudeMs : -magnitudeMs;
    }
    return { offsetsMs };
  },
  occupies: (fault) => Object.keys(fault.offsetsMs),
  describe: (fault) =>
    `clock ${Object.entries(fault.offsetsMs)
      .map(([node, ms]) => `${node}${ms >= 0 ? "+" : ""}${ms}ms`)
      .join(",")}`,
  async start(ctx, fault) {
    await recordStep(ctx.recorder, "clock", fault.offsetsMs, () => setClocks(ctx, fault.offsetsMs));
  },
  async stop(ctx, fault) {
    const nodes = Object.keys(fault.offsetsMs);
    const zero = Object.fromEntries(nodes.map((node) => [node, 0]));
    await recordStep(ctx.recorder, "clock-reset", nodes, () => setClocks(ctx, zero));
  },
  heal: (ctx) => setClocks(ctx, Object.fromEntries(ctx.cluster.nodes.map((node) => [node, 0]))),
};
