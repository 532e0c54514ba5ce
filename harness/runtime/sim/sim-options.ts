// The sim runtime's own keys of the `runtime:` section (`runtime: {name: sim, latency, jitter,
// restart, plantedBug}`) and their defaults. Latency and jitter are the one-way delay of every
// message and client request: `latency` plus a seeded uniform extra in [0, jitter), which
// reorders them; `restart` is how long a killed node takes to serve again.

export const SIM_KEYS = ["latency", "jitter", "restart", "plantedBug"] as const;

export const SIM_DEFAULTS = {
  /** ms: about what a post between two local node processes takes. */
  latency: 1,
  jitter: 2,
  /** ms: a node process starting on an idle machine (a loaded one takes seconds). */
  restart: 500,
} as const;

/** The sim's settings as the runtime reads them from a resolved `runtime:` section. */
export interface SimSettings {
  latencyMs: number;
  jitterMs: number;
  restartMs: number;
  plantedBug?: string;
  /** Every message, log record, request and reply goes through JSON, as over HTTP and disk
   * (slower; the default passes references, which the core never mutates: a test proves they
   * give the same history). */
  copy?: boolean;
}

/** The settings of a resolved `runtime:` section (validated by the test's schema already). */
export function simSettings(runtime: { readonly [setting: string]: unknown }): SimSettings {
  const number = (value: unknown, fallback: number) =>
    typeof value === "number" ? value : fallback;
  return {
    latencyMs: number(runtime.latency, SIM_DEFAULTS.latency),
    jitterMs: number(runtime.jitter, SIM_DEFAULTS.jitter),
    restartMs: number(runtime.restart, SIM_DEFAULTS.restart),
    ...(typeof runtime.plantedBug === "string" && { plantedBug: runtime.plantedBug }),
    ...(runtime.copy === true && { copy: true }),
  };
}
