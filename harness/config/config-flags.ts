// The command-line flags of `faultline run` that set test fields: each maps onto a test-file path,
// so a flag overrides the file's key and is validated by the same schema (errors name the flag).
// run-command.ts registers these; load-test-config.ts turns their strings into file values.

export interface ConfigFlag {
  /** Commander's flag spec. */
  flags: string;
  description: string;
  /** Where the value goes in the test file's shape. */
  path: readonly string[];
  /** How the string becomes a file value: numbers and booleans are parsed, lists split at commas. */
  kind: "string" | "number" | "boolean" | "list" | "nemesis";
}

export const CONFIG_FLAGS: readonly ConfigFlag[] = [
  {
    flags: "--name <name>",
    description: "test name (names the store folder)",
    path: ["name"],
    kind: "string",
  },
  { flags: "--build <build>", description: "leader | leaderless", path: ["build"], kind: "string" },
  {
    flags: "--strategy <strategy>",
    description: "lww | reject | siblings",
    path: ["strategy"],
    kind: "string",
  },
  { flags: "--nodes <n>", description: "node count (default 3)", path: ["nodes"], kind: "number" },
  {
    flags: "--runtime <runtime>",
    description: "local | docker (default local)",
    path: ["runtime"],
    kind: "string",
  },
  {
    flags: "--workload <name>",
    description: "cart | register (default cart)",
    path: ["workload"],
    kind: "string",
  },
  {
    flags: "--keys <n>",
    description: "how many keys the clients use (default 3)",
    path: ["keys"],
    kind: "number",
  },
  {
    flags: "--nemesis <kinds>",
    description: "faults: partition,kill,pause,clock or none",
    path: ["nemesis", "kinds"],
    kind: "nemesis",
  },
  {
    flags: "--nemesis-interval <duration>",
    description: "time between faults (4s)",
    path: ["nemesis", "interval"],
    kind: "number",
  },
  {
    flags: "--link-fault <mode>",
    description: "blackhole | reset",
    path: ["nemesis", "linkFault"],
    kind: "string",
  },
  {
    flags: "--time-limit <seconds>",
    description: "how long clients run (default 30)",
    path: ["timeLimit"],
    kind: "number",
  },
  {
    flags: "--concurrency <n>",
    description: "client count (default 5)",
    path: ["concurrency"],
    kind: "number",
  },
  {
    flags: "--rate <ops>",
    description: "total ops/s, 0 = as fast as possible (default 100)",
    path: ["rate"],
    kind: "number",
  },
  {
    flags: "--op-timeout <duration>",
    description: "per-op client timeout (2s)",
    path: ["opTimeout"],
    kind: "number",
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
  { flags: "--w <n>", description: "leaderless write quorum", path: ["node", "w"], kind: "number" },
  { flags: "--r <n>", description: "leaderless read quorum", path: ["node", "r"], kind: "number" },
  {
    flags: "--acks <acks>",
    description: "leader replication: one | all",
    path: ["node", "acks"],
    kind: "string",
  },
  {
    flags: "--fsync <mode>",
    description: "always | never",
    path: ["node", "fsync"],
    kind: "string",
  },
  {
    flags: "--read-repair <on|off>",
    description: "leaderless read repair (default on)",
    path: ["node", "readRepair"],
    kind: "boolean",
  },
  {
    flags: "--anti-entropy <duration>",
    description: "leaderless anti-entropy interval, 0 = off (500ms)",
    path: ["node", "antiEntropy"],
    kind: "number",
  },
  {
    flags: "--quiescence-timeout <duration>",
    description: "how long final reads wait for the nodes to agree (10s)",
    path: ["quiescenceTimeout"],
    kind: "number",
  },
  {
    flags: "--probe-interval <duration>",
    description: "read every node this often while the clients run, 0 = off (default off)",
    path: ["probeInterval"],
    kind: "number",
  },
  {
    flags: "--checkers <names>",
    description: "checkers to run (comma-separated)",
    path: ["checkers"],
    kind: "list",
  },
  {
    flags: "--consistency <claim>",
    description: "eventual | session | linearizable",
    path: ["consistency"],
    kind: "string",
  },
];

/** The file value for a flag's string: numbers stay strings when they do not parse (so the schema
 * reports them, naming the flag). */
export function flagValue(flag: ConfigFlag, text: string): unknown {
  switch (flag.kind) {
    case "string":
      return text;
    case "number": {
      const trimmed = text.trim();
      return trimmed !== "" && Number.isFinite(Number(trimmed)) ? Number(trimmed) : trimmed;
    }
    case "boolean":
      return ["true", "on", "yes"].includes(text)
        ? true
        : ["false", "off", "no"].includes(text)
          ? false
          : text;
    case "list":
      return text
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");
    case "nemesis":
      return text.trim() === "none" ? [] : text.split(",").map((s) => s.trim());
  }
}

/** The flag that sets this path (or a prefix of it), if any of the given flags does. */
export function flagFor(
  path: readonly (string | number)[],
  given: ReadonlySet<ConfigFlag>,
): ConfigFlag | undefined {
  return [...given].find((flag) => flag.path.every((segment, i) => path[i] === segment));
}
