// How a fault bundle performs and records one step (a start or a stop of a fault): invoke, then
// ok, or info with the error; and how a step acts on several nodes at once.
import type { NodeId } from "../../systems/system.js";
import type { NemesisRecorder } from "./nemesis.js";

/**
 * Records one nemesis step around `action`: invoke, then ok, or info with the error. Returns
 * whether it succeeded; never throws.
 */
export async function recordStep(
  recorder: NemesisRecorder,
  f: string,
  value: unknown,
  action: () => Promise<void>,
): Promise<boolean> {
  recorder.invoke(f, value);
  try {
    await action();
    recorder.complete("ok", f, value);
    return true;
  } catch (err) {
    recorder.complete("info", f, value, err instanceof Error ? err.message : String(err));
    return false;
  }
}

/** Runs `action` on every node concurrently; one error naming every node that failed. */
export async function onEveryNode(
  nodes: readonly NodeId[],
  action: (node: NodeId) => Promise<void>,
): Promise<void> {
  const results = await Promise.allSettled(nodes.map(action));
  const failures = results.flatMap((result, i) =>
    result.status === "rejected"
      ? [`${nodes[i]}: ${result.reason instanceof Error ? result.reason.message : result.reason}`]
      : [],
  );
  if (failures.length > 0) throw new Error(failures.join("; "));
}
