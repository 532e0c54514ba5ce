// The test: what `faultline run` does, as one frozen object validated once at the edge. A test
// file is a few top-level keys and one section per part — `system`, `runtime`, `workload`,
// `clients`, `nemesis`, `checkers` — each validated by that part's own schema (the system's and
// the workload's come from their registries, the nemesis's from the fault bundles). The resolved
// TestConfig has the test file's shape, with every default filled and every duration in
// milliseconds, so test.json is itself a test file (test-file.ts writes it) that loads back to
// the same TestConfig.
import { z } from "zod";
import { checkers as checkerRegistry } from "../../checkers/checkers.js";
import { type ConfigProblem, DURATION_MS_MAX, duration } from "../../systems/options-schema.js";
import { CAPABILITIES, type AnySystem, type NodeId } from "../../systems/system.js";
import { systems } from "../../systems/systems.js";
import type { AnyWorkloadType, WorkloadOptions } from "../../workloads/workload.js";
import { workloads } from "../../workloads/workloads.js";
import {
  type NemesisOptions,
  nemesisProblems,
  nemesisSchema,
  resolveNemesis,
} from "../nemesis/nemesis-options.js";
import { scriptProblems, scriptSchema, type TestScript } from "../run/test-script.js";
import { SIM_DEFAULTS, SIM_KEYS } from "../runtime/sim/sim-options.js";

export const RUNTIMES = ["local", "docker", "sim"] as const;
export const CONSISTENCY_CLAIMS = ["eventual", "session", "linearizable"] as const;
export const SEED_MAX = 2 ** 31 - 1;
const NAME_CHARS_MAX = 100;

export const DEFAULT_SYSTEM = "faultline";
export const DEFAULT_WORKLOAD = "cart";

/** A section given as a bare name ("faultline", "cart", "local") is that name's defaults; one
 * without a name is the fallback's. */
export const named = (fallback: string) => (input: unknown) => {
  if (input === undefined || input === null) return { name: fallback };
  if (typeof input === "string") return { name: input };
  if (typeof input === "object" && !Array.isArray(input) && !("name" in input))
    return { name: fallback, ...input };
  return input;
};

const runtimeSchema = z.preprocess(
  named("local"),
  z.strictObject({
    name: z.enum(RUNTIMES),
    /** sim: the one-way delay of a message or a client request, and a seeded extra up to
     * jitter (which reorders them). */
    latency: duration(0, 60_000).optional(),
    jitter: duration(0, 60_000).optional(),
    /** sim: how long a killed node takes to serve again. */
    restart: duration(0, 600_000).optional(),
    /** sim, test-only: a bug the system's sim launch plants (to prove explore finds one). */
    plantedBug: z.string().min(1).optional(),
  }),
);

const clientsSchema = z
  .strictObject({
    concurrency: z.number().int().min(1).max(1000).default(5),
    /** Total ops/s over all clients; 0 = as fast as they can. */
    rate: z.number().min(0).max(1_000_000).default(100),
    opTimeout: duration(1, 600_000).default(2_000),
    /** Probe reads of every node while the clients run (R1 during the run); 0 = off. */
    probeInterval: duration(0, 3_600_000).default(0),
  })
  .prefault({});

/** `checkers:` is a list of names or {names, consistency}. */
const checkersSchema = z
  .preprocess(
    (input) => (Array.isArray(input) ? { names: input } : input),
    z.strictObject({
      names: z.array(z.string()).min(1, "expected at least one checker").optional(),
      /** The consistency the test claims (what stale-reads and siblings hold reads to). */
      consistency: z.enum(CONSISTENCY_CLAIMS).default("eventual"),
    }),
  )
  .prefault({});

/** The test file's top level; `system` and `workload` are parsed by their registered schema. */
export const testFileSchema = z.strictObject({
  name: z
    .string()
    .max(NAME_CHARS_MAX)
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
      "expected letters, digits, '.', '_' or '-' (it names a folder)",
    )
    .optional(),
  seed: z
    .number()
    .refine((n) => Number.isInteger(n) && n >= 0 && n <= SEED_MAX, {
      message: `expected an integer from 0 to ${SEED_MAX}`,
    })
    .optional(),
  store: z.string().min(1).default("store"),
  /** How long the clients run. */
  timeLimit: duration(1, DURATION_MS_MAX).default(30_000),
  /** How long the final reads wait for the nodes to agree. */
  quiescenceTimeout: duration(1, DURATION_MS_MAX).default(10_000),
  system: z.preprocess(named(DEFAULT_SYSTEM), z.object({ name: z.string() }).passthrough()),
  runtime: runtimeSchema,
  workload: z.preprocess(named(DEFAULT_WORKLOAD), z.object({ name: z.string() }).passthrough()),
  clients: clientsSchema,
  nemesis: nemesisSchema,
  checkers: checkersSchema,
  /** What the clients and the nemesis do, spelled out (the shrinker writes it). */
  script: scriptSchema.optional(),
});

type TopLevel = z.output<typeof testFileSchema>;

/** The sections whose schema depends on their `name`, and the registries that hold them. */
export const NAMED_SECTIONS = {
  system: { registry: systems as Record<string, AnySystem>, fallback: DEFAULT_SYSTEM },
  workload: { registry: workloads as Record<string, AnyWorkloadType>, fallback: DEFAULT_WORKLOAD },
} as const;

/** The resolved test. Every duration is in milliseconds. */
export interface TestConfig {
  name: string;
  seed: number;
  store: string;
  timeLimit: number;
  quiescenceTimeout: number;
  system: { name: string; [option: string]: unknown };
  runtime: {
    name: (typeof RUNTIMES)[number];
    latency?: number;
    jitter?: number;
    restart?: number;
    plantedBug?: string;
  };
  workload: WorkloadOptions & { [option: string]: unknown };
  clients: z.output<typeof clientsSchema>;
  nemesis: NemesisOptions;
  checkers: { names: string[]; consistency: (typeof CONSISTENCY_CLAIMS)[number] };
  script?: TestScript;
}

/** The registered system of a test. */
export function systemOf(test: Pick<TestConfig, "system">): AnySystem {
  const system = NAMED_SECTIONS.system.registry[test.system.name];
  if (system === undefined) throw new Error(`unknown system ${JSON.stringify(test.system.name)}`);
  return system;
}

/** The registered workload type of a test. */
export function workloadOf(test: Pick<TestConfig, "workload">): AnyWorkloadType {
  const workload = NAMED_SECTIONS.workload.registry[test.workload.name];
  if (workload === undefined)
    throw new Error(`unknown workload ${JSON.stringify(test.workload.name)}`);
  return workload;
}

export function nodeIdsOf(test: Pick<TestConfig, "system">): NodeId[] {
  return systemOf(test).nodeIds(test.system);
}

/** The parsed sections, before the defaults that depend on other parts are filled. */
export type ParsedTest = Omit<TopLevel, "system" | "workload"> & {
  system: TestConfig["system"];
  workload: TestConfig["workload"];
};

/** Fills the defaults that depend on other parts, and finds the combinations that cannot run
 * (each problem names the path to blame). */
export function resolve(
  parsed: ParsedTest,
  seed: number,
  defaultName: string | undefined,
): { config: TestConfig; problems: ConfigProblem[] } {
  const system = systemOf(parsed);
  const workload = workloadOf(parsed);
  const systemOptions = system.resolve?.(parsed.system) ?? parsed.system;
  const capabilities = system.capabilities(systemOptions);
  const nodeCount = system.nodeIds(systemOptions).length;
  const context = { system: system.name, nodeCount, capabilities };
  const nemesis = resolveNemesis(parsed.nemesis, context);
  const conflicts = system.traits(systemOptions).conflicts;
  const config: TestConfig = {
    name: parsed.name ?? defaultName ?? `${parsed.workload.name}-${system.label(systemOptions)}`,
    seed,
    store: parsed.store,
    timeLimit: parsed.timeLimit,
    quiescenceTimeout: parsed.quiescenceTimeout,
    system: systemOptions,
    runtime:
      parsed.runtime.name === "sim" ? { ...SIM_DEFAULTS, ...parsed.runtime } : parsed.runtime,
    workload: parsed.workload,
    clients: parsed.clients,
    nemesis,
    checkers: {
      names: parsed.checkers.names ?? [...workload.checkers(parsed.workload, conflicts)],
      consistency: parsed.checkers.consistency,
    },
    ...(parsed.script !== undefined && { script: parsed.script }),
  };
  const problems = [
    ...(system.problems?.(systemOptions) ?? []).map((p) => ({ ...p, path: ["system", ...p.path] })),
    ...nemesisProblems(nemesis, context),
    ...crossProblems(config, system, workload, capabilities),
  ];
  return { config: deepFreeze(config), problems };
}

function crossProblems(
  config: TestConfig,
  system: AnySystem,
  workload: AnyWorkloadType,
  capabilities: readonly string[],
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (system.launch[config.runtime.name] === undefined) {
    const has = Object.keys(system.launch).join(", ");
    problems.push({
      path: ["runtime", "name"],
      message: `system ${system.name} has no ${config.runtime.name} launch (allowed: ${has})`,
    });
  }
  problems.push(...runtimeProblems(config, system));
  if (config.script !== undefined) {
    problems.push(
      ...scriptProblems(config.script, {
        nodes: system.nodeIds(config.system),
        workload,
        workloadOptions: config.workload,
        concurrency: config.clients.concurrency,
        kinds: config.nemesis.kinds,
        timeLimitMs: config.timeLimit,
      }),
    );
  }
  for (const need of workload.needs?.(config.workload) ?? []) {
    if (!capabilities.includes(need)) {
      const why = CAPABILITIES[need as keyof typeof CAPABILITIES] ?? need;
      problems.push({
        path: ["workload"],
        message: `workload ${workload.name} needs the capability "${need}" (${why}), which system ${system.name} lacks`,
      });
    }
  }
  for (const [i, name] of config.checkers.names.entries()) {
    if (!(name in checkerRegistry)) {
      problems.push({
        path: ["checkers", "names", i],
        message: `unknown checker "${name}" (allowed: ${Object.keys(checkerRegistry).join(", ")})`,
      });
    }
  }
  return problems;
}

/** The sim's own keys belong to the sim; a planted bug must be one the system's sim launch has. */
function runtimeProblems(config: TestConfig, system: AnySystem): ConfigProblem[] {
  const { runtime } = config;
  if (runtime.name !== "sim") {
    return SIM_KEYS.filter((key) => runtime[key] !== undefined).map((key) => ({
      path: ["runtime", key],
      message: `${key} applies to the sim runtime only (runtime: {name: sim, ${key}: …})`,
    }));
  }
  const bug = runtime.plantedBug;
  const launch = system.launch.sim?.(config.system, { seed: config.seed });
  if (bug === undefined || launch === undefined || bug in launch.plantedBugs) return [];
  const known = Object.keys(launch.plantedBugs).join(", ") || "none";
  return [
    {
      path: ["runtime", "plantedBug"],
      message: `system ${system.name}'s sim launch plants no such bug (it has: ${known})`,
    },
  ];
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
