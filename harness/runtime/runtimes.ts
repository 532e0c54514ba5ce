// The registry of runtimes: the CLI's --runtime and the docs read this one map.
import { dockerRuntime } from "./docker-runtime.js";
import { localRuntime } from "./local-runtime.js";
import type { Runtime } from "./runtime.js";
import { simRuntime } from "./sim/sim-runtime.js";

export const runtimes = {
  local: localRuntime,
  docker: dockerRuntime,
  sim: simRuntime,
} satisfies Record<string, Runtime>;

export type RuntimeName = keyof typeof runtimes;
