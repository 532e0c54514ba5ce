// The registry of workload types: the config's `workload:` section, the CLI and the docs read
// this one map.
import { cart } from "./cart-workload.js";
import { register } from "./register-workload.js";
import type { AnyWorkloadType } from "./workload.js";

export const workloads = { register, cart } satisfies Record<string, AnyWorkloadType>;

export type WorkloadName = keyof typeof workloads;
