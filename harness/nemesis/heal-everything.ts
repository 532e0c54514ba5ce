// The final heal before the final reads, recorded as one op f "heal-all": resume paused nodes,
// restart dead ones, heal every link, set every clock back to 0. It attempts every step even if
// one fails; any failure makes the completion an info naming each failed step.
import type { Cluster } from "../runtime/runtime.js";
import { faultState } from "./fault-state.js";
import type { NemesisRecorder } from "./nemesis.js";
import { onEveryNode } from "./nemesis-step.js";

export async function healEverything(cluster: Cluster, recorder: NemesisRecorder): Promise<void> {
  const state = faultState(cluster);
  recorder.invoke("heal-all", null);
  const errors: string[] = [];
  const attempt = async (what: string, action: () => Promise<void>) => {
    try {
      await action();
    } catch (err) {
      errors.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  await attempt("resume", () =>
    onEveryNode([...state.paused], async (node) => {
      await cluster.resume(node);
      state.paused.delete(node);
    }),
  );
  await attempt("restart", () =>
    onEveryNode([...state.dead], async (node) => {
      await cluster.restart(node);
      state.dead.delete(node);
    }),
  );
  await attempt("heal links", () => cluster.healLinks());
  // Every node, not only the skewed ones: a clock is cheap to reset and the state could be stale.
  await attempt("reset clocks", () =>
    onEveryNode(cluster.nodes, async (node) => {
      await cluster.setClockOffset(node, 0);
      state.skewed.delete(node);
    }),
  );
  if (errors.length === 0) recorder.complete("ok", "heal-all", null);
  else recorder.complete("info", "heal-all", null, errors.join("; "));
}
