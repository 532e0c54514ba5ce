// The `sim` runtime: the system's sim launch (its nodes as state machines) stepped in the harness
// process, on a simulated network, in virtual time (sim-cluster.ts). The same workloads, nemesis
// bundles, history, store and checkers run on it as on the real runtimes; the same seed gives the
// same history byte for byte, and a test runs thousands of times faster than in real time.
import type { ClusterSpec, Runtime } from "../runtime.js";
import { SimCluster } from "./sim-cluster.js";
import { type SimSettings, simSettings } from "./sim-options.js";

/** The sim runtime; `overrides` replace settings of the test's section (tests: copy mode). */
export function createSimRuntime(overrides: Partial<SimSettings> = {}): Runtime {
  return { name: "sim", start: (spec) => startSim(spec, overrides) };
}

export const simRuntime: Runtime = createSimRuntime();

async function startSim(spec: ClusterSpec, overrides: Partial<SimSettings>): Promise<SimCluster> {
  const settings = { ...simSettings(spec.runtime ?? {}), ...overrides };
  const launch = spec.system.launch.sim?.(spec.options, {
    seed: spec.seed,
    ...(settings.plantedBug !== undefined && { plantedBug: settings.plantedBug }),
  });
  if (launch === undefined) {
    const has = Object.keys(spec.system.launch).join(", ") || "none";
    throw new Error(`system ${spec.system.name} has no sim launch (it has: ${has})`);
  }
  const cluster = new SimCluster(spec, launch, settings);
  cluster.startAll();
  return cluster;
}
