// Stall faults: SIGSTOP some nodes (f "pause", value [ids]) — they hold their connections and
// answer nothing, like a long GC pause — then SIGCONT them (f "resume").
import { faultState } from "./fault-state.js";
import type { Nemesis } from "./nemesis.js";
import { onEveryNode, recordStep } from "./nemesis-step.js";

export const pauseNemesis: Nemesis = {
  kinds: ["pause"],
  async start({ cluster, recorder }, fault) {
    if (fault.kind !== "pause") return;
    const { paused } = faultState(cluster);
    await recordStep(recorder, "pause", fault.nodes, () =>
      onEveryNode(fault.nodes, async (node) => {
        paused.add(node);
        await cluster.pause(node);
      }),
    );
  },
  async stop({ cluster, recorder }, fault) {
    if (fault.kind !== "pause") return;
    const { paused } = faultState(cluster);
    const nodes = fault.nodes.filter((node) => paused.has(node));
    if (nodes.length === 0) return;
    await recordStep(recorder, "resume", nodes, () =>
      onEveryNode(nodes, async (node) => {
        await cluster.resume(node);
        paused.delete(node);
      }),
    );
  },
};
