// `faultline run [test.yaml] [flags]`: the main job. Registers the flags (one per test field,
// from config-flags.ts) and loads the runner lazily, so other subcommands start fast.
import { type Command, Option } from "commander";
import { CONFIG_FLAGS, type ConfigFlag } from "../config/config-flags.js";

/** Adds a flag per test key to a command; returns what picks the given ones from its options. */
export function addConfigFlags(
  command: Command,
): (options: Record<string, unknown>) => Map<ConfigFlag, string> {
  const byAttribute = new Map<string, ConfigFlag>();
  for (const flag of CONFIG_FLAGS) {
    const option = new Option(flag.flags, flag.description);
    byAttribute.set(option.attributeName(), flag);
    command.addOption(option);
  }
  return (options) => {
    const flags = new Map<ConfigFlag, string>();
    for (const [attribute, value] of Object.entries(options)) {
      const flag = byAttribute.get(attribute);
      if (flag !== undefined && typeof value === "string") flags.set(flag, value);
    }
    return flags;
  };
}

export function registerRunCommand(program: Command): void {
  const command = program
    .command("run")
    .description("run a test: a cluster, clients and faults, then the checkers' verdict")
    .argument("[test]", "the test file (YAML); flags override its keys");
  const configFlags = addConfigFlags(command);
  command.option(
    "--db <url>",
    "also record the run in this PostgreSQL (or FAULTLINE_DATABASE_URL)",
  );
  command.action(async (testPath: string | undefined, options: Record<string, unknown>) => {
    const flags = configFlags(options);
    const { runMain } = await import("../run/run-main.js");
    const code = await runMain(testPath, flags, options.db as string | undefined);
    process.exit(code);
  });
}
