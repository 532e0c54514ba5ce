// Crash faults: SIGKILL some nodes (f "kill", value [ids]), later start them again on their own
// data (f "restart"). Only the nodes this nemesis killed are restarted; a node that stayed dead
// because its restart failed is left to healEverything.
import { faultState } from "./fault-state.js";
import type { Nemesis } from "./nemesis.js";
import { onEveryNode, recordStep } from "./nemesis-step.js";

export const killNemesis: Nemesis = {
  kinds: ["kill"],
  async start({ cluster, recorder }, fault) {
    if (fault.kind !== "kill") return;
    const { dead } = faultState(cluster);
    await recordStep(recorder, "kill", fault.nodes, () =>
      onEveryNode(fault.nodes, async (node) => {
        // Marked first: a kill that fails half-way still gets its restart attempted.
        dead.add(node);
        await cluster.kill(node);
      }),
    );
  },
  async stop({ cluster, recorder }, fault) {
    if (fault.kind !== "kill") return;
    const { dead } = faultState(cluster);
    const nodes = fault.nodes.filter((node) => dead.has(node));
    if (nodes.length === 0) return;
    await recordStep(recorder, "restart", nodes, () =>
      onEveryNode(nodes, async (node) => {
        await cluster.restart(node);
        dead.delete(node);
      }),
    );
  },
};
