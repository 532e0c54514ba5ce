// What the nemeses have done to a cluster and not yet undone: dead, paused and clock-skewed
// nodes. Kept per cluster (a WeakMap, not on the Cluster interface, which every runtime
// implements), so stopping a fault and healEverything touch only what a nemesis broke.
import type { NodeId } from "../../nodes/core/replica.js";
import type { Cluster } from "../runtime/runtime.js";

export interface FaultState {
  dead: Set<NodeId>;
  paused: Set<NodeId>;
  skewed: Set<NodeId>;
}

const states = new WeakMap<Cluster, FaultState>();

export function faultState(cluster: Cluster): FaultState {
  let state = states.get(cluster);
  if (state === undefined) {
    state = { dead: new Set(), paused: new Set(), skewed: new Set() };
    states.set(cluster, state);
  }
  return state;
}
