// How to rerun a stored test: the `faultline run` command line with every setting a flag can
// carry (defaults left out), the settings no flag carries, and the whole test as a YAML test file
// (which reproduces everything). Pure: a resolved TestConfig in, text out.
import { stringify } from "yaml";
import { workloads } from "../../workloads/workloads.js";
import { CONFIG_FLAGS, type ConfigFlag } from "../config/config-flags.js";
import { loadTestConfig } from "../config/load-test-config.js";
import { defaults, type TestConfig } from "../config/test-config.js";
import { nodeDefaults } from "../../nodes/node-options.js";

export interface Reproduce {
  /** `faultline run --build … --seed N`: the flags for every non-default setting they can carry. */
  command: string;
  /** Settings that differ from their defaults and have no flag (then use `testFile`). */
  uncovered: string[];
  /** The whole test as a test file (YAML): `faultline run this.yaml` reruns it exactly. */
  testFile: string;
}

const SAFE_WORD = /^[\w.,/:=@%+-]+$/;

/** A word for a POSIX shell: as is when it is plain, else single-quoted. */
export function shellWord(word: string): string {
  return SAFE_WORD.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** 4000 → "4s", 1500 → "1500ms": the test file's duration syntax. */
function duration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** Seconds for a flag that takes a number of seconds (0.5 for 500 ms). */
function seconds(ms: number): string {
  return String(ms / 1000);
}

function defaultCheckers(test: TestConfig): string[] | undefined {
  const factory = (workloads as Record<string, (typeof workloads)[keyof typeof workloads]>)[
    test.workload
  ];
  return factory === undefined ? undefined : [...factory({ keyCount: 1 }).checkers(test.strategy)];
}

function sameList(a: readonly unknown[] | undefined, b: readonly unknown[] | undefined): boolean {
  return a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b);
}

export function reproduceCommand(test: TestConfig): Reproduce {
  const majority = Math.floor(test.nodeCount / 2) + 1;
  const nemesis = test.nemesis;
  const node = test.node;
  const args: [string, string][] = [
    ["--build", test.build],
    ["--strategy", test.strategy],
    ["--nodes", String(test.nodeCount)],
    ["--workload", test.workload],
    ["--nemesis", nemesis?.kinds?.length ? nemesis.kinds.join(",") : "none"],
    ["--time-limit", seconds(test.timeLimitMs)],
  ];
  const optional = (flag: string, value: string, isDefault: boolean) => {
    if (!isDefault) args.push([flag, value]);
  };
  optional("--name", test.name, test.name === `${test.workload}-${test.build}-${test.strategy}`);
  optional("--runtime", test.runtime, test.runtime === defaults.runtime);
  optional("--keys", String(test.keyCount), test.keyCount === defaults.keyCount);
  optional(
    "--nemesis-interval",
    seconds(nemesis?.intervalMs),
    nemesis?.intervalMs === defaults.nemesis.intervalMs,
  );
  optional("--link-fault", nemesis?.linkFault, nemesis?.linkFault === defaults.nemesis.linkFault);
  optional("--concurrency", String(test.concurrency), test.concurrency === defaults.concurrency);
  optional("--rate", String(test.rate), test.rate === defaults.rate);
  optional("--op-timeout", seconds(test.opTimeoutMs), test.opTimeoutMs === defaults.opTimeoutMs);
  if (test.build === "leaderless") {
    optional("--w", String(node?.w), node?.w === majority);
    optional("--r", String(node?.r), node?.r === majority);
  } else {
    optional("--acks", node?.acks, node?.acks === "one");
  }
  optional("--fsync", node?.fsync, node?.fsync === "always");
  if (test.build === "leaderless") {
    optional("--read-repair", node?.readRepair ? "on" : "off", node?.readRepair === true);
    optional(
      "--anti-entropy",
      seconds(node?.antiEntropyIntervalMs),
      node?.antiEntropyIntervalMs === nodeDefaults.antiEntropyIntervalMs,
    );
  }
  optional(
    "--quiescence-timeout",
    seconds(test.quiescenceTimeoutMs),
    test.quiescenceTimeoutMs === defaults.quiescenceTimeoutMs,
  );
  optional("--probe-interval", seconds(test.probeIntervalMs), !(test.probeIntervalMs > 0));
  optional("--checkers", test.checkers?.join(","), sameList(test.checkers, defaultCheckers(test)));
  optional("--consistency", test.consistency, test.consistency === defaults.consistency);
  optional("--store", test.storeDir, test.storeDir === defaults.storeDir);
  args.push(["--seed", String(test.seed)]);

  const uncovered = notCarried(test, args);
  const command = [
    "faultline run",
    ...args.map(([flag, value]) => `${flag} ${shellWord(String(value))}`),
  ].join(" ");
  return { command, uncovered, testFile: testFileOf(test) };
}

/**
 * The settings the flags do not reproduce: the command's flags are loaded as `faultline run`
 * loads them, and every field where that test differs from the stored one is named (so a
 * setting added to the config later is caught without a change here).
 */
function notCarried(test: TestConfig, args: readonly [string, string][]): string[] {
  const flags = new Map<ConfigFlag, string>();
  for (const [name, value] of args) {
    const flag = CONFIG_FLAGS.find((f) => f.flags.split(" ")[0] === name);
    if (flag !== undefined) flags.set(flag, value);
  }
  let loaded: TestConfig;
  try {
    loaded = loadTestConfig({ flags, env: {} });
  } catch (err) {
    return [`the flags do not load (${err instanceof Error ? err.message : String(err)})`];
  }
  const differences: string[] = [];
  const compare = (path: string, stored: unknown, fromFlags: unknown) => {
    if (
      typeof stored === "object" &&
      stored !== null &&
      !Array.isArray(stored) &&
      typeof fromFlags === "object" &&
      fromFlags !== null
    ) {
      for (const [field, value] of Object.entries(stored)) {
        compare(
          path === "" ? field : `${path}.${field}`,
          value,
          (fromFlags as Record<string, unknown>)[field],
        );
      }
    } else if (JSON.stringify(stored) !== JSON.stringify(fromFlags)) {
      differences.push(`${path}: ${JSON.stringify(stored)}`);
    }
  };
  compare("", test, loaded);
  return differences;
}

/** The resolved test in the test file's shape (the keys `faultline run test.yaml` reads). */
function testFileOf(test: TestConfig): string {
  const nemesis = test.nemesis;
  const node = test.node;
  const file = {
    name: test.name,
    build: test.build,
    strategy: test.strategy,
    nodes: test.nodeCount,
    runtime: test.runtime,
    workload: test.workload,
    keys: test.keyCount,
    // The schema refuses itemsPerKey for workloads without carts.
    ...(test.workload === "cart" && { itemsPerKey: test.itemsPerKey }),
    nemesis: nemesis && {
      kinds: nemesis.kinds,
      interval: duration(nemesis.intervalMs),
      jitter: duration(nemesis.jitterMs),
      faultDuration: duration(nemesis.faultDurationMs),
      partitionShapes: nemesis.partitionShapes,
      clockSkewMax: duration(nemesis.clockSkewMsMax),
      linkFault: nemesis.linkFault,
    },
    timeLimit: duration(test.timeLimitMs),
    concurrency: test.concurrency,
    rate: test.rate,
    opTimeout: duration(test.opTimeoutMs),
    seed: test.seed,
    store: test.storeDir,
    node: node && {
      fsync: node.fsync,
      // The schema refuses acks on a leaderless test and quorums on a leader test.
      ...(test.build === "leader" ? { acks: node.acks } : { w: node.w, r: node.r }),
      readRepair: node.readRepair,
      antiEntropy: duration(node.antiEntropyIntervalMs),
      requestTimeout: duration(node.requestTimeoutMs),
    },
    checkers: test.checkers,
    consistency: test.consistency,
    quiescenceTimeout: duration(test.quiescenceTimeoutMs),
    probeInterval: duration(test.probeIntervalMs ?? 0),
  };
  return stringify(file, { flow: false, lineWidth: 0 });
}
