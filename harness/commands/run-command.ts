// `faultline run [test.yaml] [flags]`: the main job. Its flags (one per test field, from
// config-flags.ts) and the runner load lazily, so other subcommands start fast: the flags come
// from every system's and fault's schema (zod, the node core, postgres.js …), and are added only
// when the command is about to parse its arguments (loadConfigFlags, from harness/cli.ts).
import { type Command, Option } from "commander";
import type { ConfigFlag } from "../config/config-flags.js";

/** The commands that take a flag per test key, each with its flags by option attribute (empty
 * until loadConfigFlags adds them). */
const configFlagCommands = new Map<Command, Map<string, ConfigFlag>>();

/** Gives a command a flag per test key (added by loadConfigFlags); returns what picks the given
 * ones from its options. */
export function addConfigFlags(
  command: Command,
): (options: Record<string, unknown>) => Map<ConfigFlag, string> {
  const byAttribute = new Map<string, ConfigFlag>();
  configFlagCommands.set(command, byAttribute);
  return (options) => {
    const flags = new Map<ConfigFlag, string>();
    for (const [attribute, value] of Object.entries(options)) {
      const flag = byAttribute.get(attribute);
      if (flag !== undefined && typeof value === "string") flags.set(flag, value);
    }
    return flags;
  };
}

/** Adds the test-key flags to `command` if it takes them (once): before it parses its
 * arguments, or shows its help. */
export async function loadConfigFlags(command: Command | undefined): Promise<void> {
  const byAttribute = command && configFlagCommands.get(command);
  if (byAttribute === undefined || byAttribute.size > 0) return;
  const { CONFIG_FLAGS } = await import("../config/config-flags.js");
  for (const flag of CONFIG_FLAGS) {
    const option = new Option(flag.flags, flag.description);
    byAttribute.set(option.attributeName(), flag);
    command!.addOption(option);
  }
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
