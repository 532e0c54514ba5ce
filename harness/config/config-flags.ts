// The command-line flags of `faultline run` that set test keys: the general ones below, and those
// each system and each fault kind declares for its own section (prefixed with the section's
// path). A flag overrides the file's key and is validated by the same schema (errors name the
// flag); the reproduce command turns values back into the same flags.
import type { FlagSpec } from "../../systems/options-schema.js";
import { systems } from "../../systems/systems.js";
import { nemeses } from "../nemesis/nemeses.js";

/** A flag with its path from the test file's root. */
export type ConfigFlag = FlagSpec;

const GENERAL: ConfigFlag[] = [
  {
    flags: "--name <name>",
    description: "test name (names the store folder)",
    path: ["name"],
    kind: "string",
  },
  {
    flags: "--system <name>",
    description: `the system under test: ${Object.keys(systems).join(" | ")} (default faultline)`,
    path: ["system", "name"],
    kind: "string",
  },
  {
    flags: "--runtime <runtime>",
    description: "local | docker | sim (default local)",
    path: ["runtime", "name"],
    kind: "string",
  },
  {
    flags: "--workload <name>",
    description: "cart | register (default cart)",
    path: ["workload", "name"],
    kind: "string",
  },
  {
    flags: "--keys <n>",
    description: "how many keys the clients use (default 3)",
    path: ["workload", "keys"],
    kind: "number",
  },
  {
    flags: "--nemesis <kinds>",
    description: `faults: ${Object.keys(nemeses).join(",")} or none`,
    path: ["nemesis", "kinds"],
    kind: "list",
  },
  {
    flags: "--nemesis-interval <duration>",
    description: "time between faults (4s)",
    path: ["nemesis", "interval"],
    kind: "duration",
  },
  {
    flags: "--time-limit <seconds>",
    description: "how long clients run (default 30)",
    path: ["timeLimit"],
    kind: "duration",
  },
  {
    flags: "--concurrency <n>",
    description: "client count (default 5)",
    path: ["clients", "concurrency"],
    kind: "number",
  },
  {
    flags: "--rate <ops>",
    description: "total ops/s, 0 = as fast as possible (default 100)",
    path: ["clients", "rate"],
    kind: "number",
  },
  {
    flags: "--op-timeout <duration>",
    description: "per-op client timeout (2s)",
    path: ["clients", "opTimeout"],
    kind: "duration",
  },
  {
    flags: "--probe-interval <duration>",
    description: "probe reads of every node while the clients run, 0 = off (default 0)",
    path: ["clients", "probeInterval"],
    kind: "duration",
  },
  {
    flags: "--seed <n>",
    description: "the seed of every random choice (default: random, printed)",
    path: ["seed"],
    kind: "number",
  },
  {
    flags: "--store <dir>",
    description: "where runs are stored (default store)",
    path: ["store"],
    kind: "string",
  },
  {
    flags: "--quiescence-timeout <duration>",
    description: "how long final reads wait for the nodes to agree (10s)",
    path: ["quiescenceTimeout"],
    kind: "duration",
  },
  {
    flags: "--checkers <names>",
    description: "checkers to run (comma-separated)",
    path: ["checkers", "names"],
    kind: "list",
  },
  {
    flags: "--consistency <claim>",
    description: "eventual | session | linearizable",
    path: ["checkers", "consistency"],
    kind: "string",
  },
];

function sectionFlags(prefix: readonly string[], specs: readonly FlagSpec[]): ConfigFlag[] {
  return specs.map((spec) => ({ ...spec, path: [...prefix, ...spec.path] }));
}

/** Every flag, each once (systems that share a key share its flag). */
export const CONFIG_FLAGS: readonly ConfigFlag[] = (() => {
  const all = [
    ...GENERAL,
    ...Object.values(systems).flatMap((system) => sectionFlags(["system"], system.flags)),
    ...Object.values(nemeses).flatMap((bundle) =>
      sectionFlags(["nemesis", bundle.kind], bundle.flags),
    ),
  ];
  const byName = new Map<string, ConfigFlag>();
  for (const flag of all) {
    const name = flagName(flag);
    const seen = byName.get(name);
    if (seen !== undefined && seen.path.join(".") !== flag.path.join(".")) {
      throw new Error(`flag ${name} means both ${seen.path.join(".")} and ${flag.path.join(".")}`);
    }
    byName.set(name, seen ?? flag);
  }
  return [...byName.values()];
})();

/** "--time-limit". */
export function flagName(flag: ConfigFlag): string {
  return flag.flags.split(" ")[0]!;
}

/** The file value for a flag's text: numbers stay strings when they do not parse (so the schema
 * reports them, naming the flag); a duration is a number of seconds or a string with a unit. */
export function flagValue(flag: ConfigFlag, text: string): unknown {
  const trimmed = text.trim();
  switch (flag.kind) {
    case "string":
      return text;
    case "number":
    case "duration":
      return trimmed !== "" && Number.isFinite(Number(trimmed)) ? Number(trimmed) : trimmed;
    case "boolean":
      return ["true", "on", "yes"].includes(trimmed)
        ? true
        : ["false", "off", "no"].includes(trimmed)
          ? false
          : text;
    case "list":
      return trimmed === "none"
        ? []
        : trimmed
            .split(",")
            .map((s) => s.trim())
            .filter((s) => s !== "");
  }
}

/** The flag text for a value of the test (the reproduce command): the inverse of flagValue. */
export function flagText(flag: ConfigFlag, value: unknown): string {
  switch (flag.kind) {
    case "boolean":
      return value === true ? "on" : "off";
    case "list":
      return Array.isArray(value) && value.length > 0 ? value.join(",") : "none";
    case "duration":
      return typeof value === "number" && value % 1000 === 0 ? String(value / 1000) : `${value}ms`;
    default:
      return String(value);
  }
}

/** The flag that sets this path (or a prefix of it), if any of the given flags does. */
export function flagFor(
  path: readonly (string | number)[],
  given: ReadonlySet<ConfigFlag>,
): ConfigFlag | undefined {
  return [...given].find((flag) => flag.path.every((segment, i) => path[i] === segment));
}
