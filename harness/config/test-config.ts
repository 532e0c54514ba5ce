// The test: what `faultline run` does, as one frozen object validated once at the edge. The
// schema below is the test file's shape (YAML keys; CLI flags map onto the same keys); `resolve`
// fills the defaults that depend on other fields (quorums, partition shapes, checkers, the seed)
// and checks the combinations the schema alone cannot. test.json holds the resolved TestConfig.
import { z } from "zod";
import { checkers as checkerRegistry } from "../../checkers/checkers.js";
import { BUILDS, type Build, STRATEGIES, type Strategy } from "../../nodes/core/replica.js";
import { nodeDefaults } from "../../nodes/node-options.js";
import { CART_ITEMS_PER_KEY } from "../../workloads/cart-workload.js";
import { type WorkloadName, workloads } from "../../workloads/workloads.js";
import {
  FAULT_KINDS,
  type FaultKind,
  PARTITION_SHAPES,
  type PartitionShape,
} from "../nemesis/nemesis.js";
import { type RuntimeName, runtimes } from "../runtime/runtimes.js";
import { durationMs, durationWithin, positiveDurationMs } from "./duration.js";

const CONSISTENCY_CLAIMS = ["eventual", "session", "linearizable"] as const;
const LINK_FAULTS = ["blackhole", "reset"] as const;

export interface TestConfig {
  name: string;
  build: Build;
  strategy: Strategy;
  nodeCount: number;
  runtime: RuntimeName;
  workload: WorkloadName;
  keyCount: number;
  /** cart: a key is retired for a fresh one after about this many items (bounded cart bodies). */
  itemsPerKey: number;
  nemesis: {
    kinds: FaultKind[];
    intervalMs: number;
    jitterMs: number;
    faultDurationMs: number;
    partitionShapes: PartitionShape[];
    clockSkewMsMax: number;
    linkFault: (typeof LINK_FAULTS)[number];
  };
  timeLimitMs: number;
  concurrency: number;
  /** Total ops/s over all clients; 0 = as fast as they can. */
  rate: number;
  opTimeoutMs: number;
  seed: number;
  storeDir: string;
  node: {
    fsync: "always" | "never";
    acks: "one" | "all";
    w: number;
    r: number;
    readRepair: boolean;
    antiEntropyIntervalMs: number;
    requestTimeoutMs: number;
  };
  checkers: string[];
  consistency: (typeof CONSISTENCY_CLAIMS)[number];
  quiescenceTimeoutMs: number;
  /** Probe reads of every node while the clients run (R1 during the run); 0 = off. */
  probeIntervalMs: number;
}

const names = <T extends string>(values: readonly T[]) => values as [T, ...T[]];
const count = (min: number) => z.number().int().min(min);

/** `nemesis:` is a list of kinds, "none", "partition,kill", or this object. */
const nemesisObject = z.strictObject({
  kinds: z.array(z.enum(names(FAULT_KINDS))).optional(),
  interval: positiveDurationMs.optional(),
  jitter: durationMs.optional(),
  faultDuration: positiveDurationMs.optional(),
  partitionShapes: z
    .array(z.enum(names(PARTITION_SHAPES)))
    .min(1)
    .optional(),
  clockSkewMax: positiveDurationMs.optional(),
  linkFault: z.enum(LINK_FAULTS).optional(),
});

/** "none" → no fault; "partition,kill" or [partition, kill] → those kinds. */
function nemesisShorthand(input: unknown): unknown {
  if (input === "none" || input === null) return { kinds: [] };
  if (typeof input === "string") return { kinds: input.split(",").map((k) => k.trim()) };
  if (Array.isArray(input)) return { kinds: input };
  return input;
}

/** The test file (and the flags, mapped onto the same keys): every key optional, none unknown. */
export const testFileSchema = z.strictObject({
  name: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
      "expected letters, digits, '.', '_' or '-' (it names a folder)",
    )
    .optional(),
  build: z.enum(BUILDS).optional(),
  strategy: z.enum(STRATEGIES).optional(),
  nodes: count(1).max(15).optional(),
  runtime: z.enum(names(Object.keys(runtimes) as RuntimeName[])).optional(),
  workload: z.enum(names(Object.keys(workloads) as WorkloadName[])).optional(),
  keys: count(1).optional(),
  itemsPerKey: count(1).optional(),
  nemesis: z.preprocess(nemesisShorthand, nemesisObject).optional(),
  timeLimit: positiveDurationMs.optional(),
  concurrency: count(1).max(1000).optional(),
  rate: z.number().min(0).optional(),
  opTimeout: positiveDurationMs.optional(),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .optional(),
  store: z.string().min(1).optional(),
  node: z
    .strictObject({
      fsync: z.enum(["always", "never"]).optional(),
      acks: z.enum(["one", "all"]).optional(),
      w: count(1).optional(),
      r: count(1).optional(),
      readRepair: z.boolean().optional(),
      antiEntropy: durationWithin(0, 3_600_000).optional(),
      requestTimeout: durationWithin(1, 600_000).optional(),
    })
    .optional(),
  checkers: z.array(z.string()).min(1, "expected at least one checker").optional(),
  consistency: z.enum(CONSISTENCY_CLAIMS).optional(),
  quiescenceTimeout: positiveDurationMs.optional(),
  probeInterval: durationWithin(0, 3_600_000).optional(),
});

export type TestFile = z.output<typeof testFileSchema>;

/** A combination the schema cannot see: the path to blame and why. */
export interface ConfigProblem {
  path: (string | number)[];
  message: string;
}

export const defaults = {
  build: "leaderless",
  strategy: "lww",
  nodeCount: 3,
  runtime: "local",
  workload: "cart",
  keyCount: 3,
  timeLimitMs: 30_000,
  concurrency: 5,
  rate: 100,
  opTimeoutMs: 2_000,
  storeDir: "store",
  consistency: "eventual",
  quiescenceTimeoutMs: 10_000,
  nemesis: {
    intervalMs: 4_000,
    jitterMs: 1_000,
    faultDurationMs: 3_000,
    clockSkewMsMax: 5_000,
    linkFault: "blackhole",
  },
} as const;

/** Problems with combinations of fields (each names the path to blame). */
export function combinationProblems(file: TestFile): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const build = file.build ?? defaults.build;
  const nodeCount = file.nodes ?? defaults.nodeCount;
  for (const quorum of ["w", "r"] as const) {
    const value = file.node?.[quorum];
    if (value !== undefined && build === "leader") {
      problems.push({
        path: ["node", quorum],
        message: `${quorum} is a leaderless quorum; the leader build has none (remove it or use build: leaderless)`,
      });
    } else if (value !== undefined && value > nodeCount) {
      problems.push({
        path: ["node", quorum],
        message: `${quorum} = ${value} is more than the ${nodeCount} nodes (allowed: 1 … ${nodeCount})`,
      });
    }
  }
  if (file.node?.acks !== undefined && build === "leaderless") {
    problems.push({
      path: ["node", "acks"],
      message: `acks applies to the leader build only; leaderless writes use the quorum w`,
    });
  }
  const shapes = file.nemesis?.partitionShapes ?? [];
  const leaderAt = shapes.indexOf("leader");
  if (leaderAt >= 0 && build === "leaderless") {
    problems.push({
      path: ["nemesis", "partitionShapes", leaderAt],
      message: `"leader" isolates the leader; a leaderless cluster has none`,
    });
  }
  const workload = file.workload ?? defaults.workload;
  if (file.itemsPerKey !== undefined && workload !== "cart") {
    problems.push({
      path: ["itemsPerKey"],
      message: `itemsPerKey sizes the cart workload's keys; workload ${workload} has no carts`,
    });
  }
  const interval = file.nemesis?.interval ?? defaults.nemesis.intervalMs;
  const jitter = file.nemesis?.jitter;
  if (jitter !== undefined && jitter >= interval) {
    problems.push({
      path: ["nemesis", "jitter"],
      message: `jitter ${jitter}ms must be less than the interval between faults (${interval}ms)`,
    });
  }
  const kinds = file.nemesis?.kinds ?? [];
  if (kinds.includes("partition") && nodeCount < 2) {
    problems.push({
      path: ["nemesis", "kinds", kinds.indexOf("partition")],
      message: "a partition needs at least 2 nodes",
    });
  }
  for (const [i, name] of (file.checkers ?? []).entries()) {
    if (!(name in checkerRegistry)) {
      const allowed = Object.keys(checkerRegistry).join(", ") || "(none registered)";
      problems.push({
        path: ["checkers", i],
        message: `unknown checker "${name}" (allowed: ${allowed})`,
      });
    }
  }
  return problems;
}

/** The frozen TestConfig for a valid file; `seed` and `defaultName` are decided by the caller. */
export function resolve(file: TestFile, seed: number, defaultName: string | undefined): TestConfig {
  const build = file.build ?? defaults.build;
  const strategy = file.strategy ?? defaults.strategy;
  const nodeCount = file.nodes ?? defaults.nodeCount;
  const workload = file.workload ?? defaults.workload;
  const majority = Math.floor(nodeCount / 2) + 1;
  const shapes: PartitionShape[] = PARTITION_SHAPES.filter(
    (shape) => build === "leader" || shape !== "leader",
  );
  const n = file.nemesis;
  const config: TestConfig = {
    name: file.name ?? defaultName ?? `${workload}-${build}-${strategy}`,
    build,
    strategy,
    nodeCount,
    runtime: file.runtime ?? defaults.runtime,
    workload,
    keyCount: file.keys ?? defaults.keyCount,
    itemsPerKey: file.itemsPerKey ?? CART_ITEMS_PER_KEY,
    nemesis: {
      kinds: [...new Set(n?.kinds ?? [])],
      intervalMs: n?.interval ?? defaults.nemesis.intervalMs,
      // The default jitter shrinks with a short interval: faults must stay ordered in time.
      jitterMs:
        n?.jitter ??
        Math.min(
          defaults.nemesis.jitterMs,
          Math.floor((n?.interval ?? defaults.nemesis.intervalMs) / 4),
        ),
      faultDurationMs: n?.faultDuration ?? defaults.nemesis.faultDurationMs,
      partitionShapes: n?.partitionShapes ?? shapes,
      clockSkewMsMax: n?.clockSkewMax ?? defaults.nemesis.clockSkewMsMax,
      linkFault: n?.linkFault ?? defaults.nemesis.linkFault,
    },
    timeLimitMs: file.timeLimit ?? defaults.timeLimitMs,
    concurrency: file.concurrency ?? defaults.concurrency,
    rate: file.rate ?? defaults.rate,
    opTimeoutMs: file.opTimeout ?? defaults.opTimeoutMs,
    seed,
    storeDir: file.store ?? defaults.storeDir,
    node: {
      fsync: file.node?.fsync ?? nodeDefaults.fsync,
      acks: file.node?.acks ?? nodeDefaults.acks,
      w: file.node?.w ?? Math.min(majority, nodeCount),
      r: file.node?.r ?? Math.min(majority, nodeCount),
      readRepair: file.node?.readRepair ?? nodeDefaults.readRepair,
      antiEntropyIntervalMs: file.node?.antiEntropy ?? nodeDefaults.antiEntropyIntervalMs,
      requestTimeoutMs: file.node?.requestTimeout ?? nodeDefaults.requestTimeoutMs,
    },
    checkers: file.checkers ?? [...workloads[workload]({ keyCount: 1 }).checkers(strategy)],
    consistency: file.consistency ?? defaults.consistency,
    quiescenceTimeoutMs: file.quiescenceTimeout ?? defaults.quiescenceTimeoutMs,
    probeIntervalMs: file.probeInterval ?? 0,
  };
  return deepFreeze(config);
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
