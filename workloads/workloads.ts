// The registry of workloads: the config's `workload`, the CLI and the docs read this one map.
import { cart } from "./cart-workload.js";
import { register } from "./register-workload.js";
import type { WorkloadFactory } from "./workload.js";

export const workloads = { register, cart } satisfies Record<string, WorkloadFactory>;

export type WorkloadName = keyof typeof workloads;
