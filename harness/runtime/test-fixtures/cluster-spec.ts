// A ClusterSpec for the runtime's own tests and fixtures: a registered system with its section's
// options (parsed and resolved as a test file would be), its node ids, a fixed seed.
import type { ClusterSpec } from "../runtime.js";
import { systems } from "../../../systems/systems.js";

export function clusterSpec(
  name: string,
  runDir: string,
  section: { name: keyof typeof systems; [option: string]: unknown },
  linkFault: ClusterSpec["linkFault"] = "blackhole",
): ClusterSpec {
  const system = systems[section.name];
  const parsed = system.schema.parse(section) as never;
  const options = (system.resolve?.(parsed) ?? parsed) as never;
  return { name, runDir, system, options, seed: 0, nodeIds: system.nodeIds(options), linkFault };
}
