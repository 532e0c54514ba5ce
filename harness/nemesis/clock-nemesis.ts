// Clock faults: shift the wall clock of some nodes (f "clock", value {"n1": offsetMs, …}) through
// POST /admin/clock, which moves LWW timestamps; then set them back to 0 (f "clock-reset",
// value [ids]).
import type { NodeId } from "../../nodes/core/replica.js";
import { faultState } from "./fault-state.js";
import type { Nemesis } from "./nemesis.js";
import { onEveryNode, recordStep } from "./nemesis-step.js";

export const clockNemesis: Nemesis = {
  kinds: ["clock"],
  async start({ cluster, recorder }, fault) {
    if (fault.kind !== "clock") return;
    const { skewed } = faultState(cluster);
    const nodes: NodeId[] = Object.keys(fault.offsetsMs);
    await recordStep(recorder, "clock", fault.offsetsMs, () =>
      onEveryNode(nodes, async (node) => {
        skewed.add(node);
        await cluster.setClockOffset(node, fault.offsetsMs[node]!);
      }),
    );
  },
  async stop({ cluster, recorder }, fault) {
    if (fault.kind !== "clock") return;
    const { skewed } = faultState(cluster);
    const nodes = Object.keys(fault.offsetsMs).filter((node) => skewed.has(node));
    if (nodes.length === 0) return;
    await recordStep(recorder, "clock-reset", nodes, () =>
      onEveryNode(nodes, async (node) => {
        await cluster.setClockOffset(node, 0);
        skewed.delete(node);
      }),
    );
  },
};
