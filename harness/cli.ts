// The `faultline` command line. Each subcommand lives beside the code it drives and registers
// itself here; this file only maps errors to exit codes (0 valid, 1 invalid, 2 unknown,
// 254 bad arguments or config, 255 internal error).
import { Command, CommanderError } from "commander";
import { registerNodeCommand } from "../nodes/server/node-command.js";
import { NodeFlagError } from "../nodes/server/node-flags.js";
import { EXIT, UsageError } from "./cli-error.js";
import { registerCheckCommand } from "./commands/check-command.js";
import { registerCleanCommand } from "./commands/clean-command.js";
import { registerCompareCommand } from "./commands/compare-command.js";
import { registerExploreCommand } from "./commands/explore-command.js";
import { registerMatrixCommand } from "./commands/matrix-command.js";
import { registerReportCommand } from "./commands/report-command.js";
import { loadConfigFlags, registerRunCommand } from "./commands/run-command.js";
import { registerServeCommand } from "./commands/serve-command.js";
import { exitOnUncaughtError } from "./process-exit.js";
import { registerSuiteCommand } from "./commands/suite-command.js";

const program = new Command("faultline")
  .description("Jepsen-style consistency testing for a replicated key-value store")
  .showHelpAfterError()
  .exitOverride()
  // An error nobody awaits (a timer's, a stray rejection) exits 255 too. Not for `faultline node`,
  // which has its own exit policy (nodes/server/node-process.ts).
  .hook("preAction", (_program, action) => {
    if (action.name() !== "node") exitOnUncaughtError();
  })
  // run's and explore's test-key flags load only for them (commander runs this hook before a
  // subcommand parses its arguments; `faultline help run` shows the help without it: below).
  .hook("preSubcommand", (_program, command) => loadConfigFlags(command));

registerRunCommand(program);
registerExploreCommand(program);
registerCheckCommand(program);
registerReportCommand(program);
registerServeCommand(program);
registerNodeCommand(program);
registerCleanCommand(program);
registerSuiteCommand(program);
registerMatrixCommand(program);
registerCompareCommand(program);

try {
  if (process.argv[2] === "help") {
    await loadConfigFlags(program.commands.find((c) => c.name() === process.argv[3]));
  }
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version exit 0; every other parse error is a usage error.
    process.exit(err.exitCode === 0 ? 0 : EXIT.badInput);
  }
  if (err instanceof UsageError || err instanceof NodeFlagError) {
    console.error(`faultline: ${err.message}`);
    process.exit(EXIT.badInput);
  }
  console.error(`faultline: ${describeFailure(err)}`);
  if (process.env.FAULTLINE_DEBUG) console.error(err);
  process.exit(EXIT.internal);
}

/** What the operating world refused (a full disk: the error has an errno code) is not a bug of
 * ours; anything else is an internal error. Both exit 255, neither with a stack trace. */
function describeFailure(err: unknown): string {
  if (!(err instanceof Error)) return `internal error: ${String(err)}`;
  const code = (err as NodeJS.ErrnoException).code;
  return typeof code === "string" && /^E[A-Z]+$/.test(code)
    ? `error: ${err.message}`
    : `internal error: ${err.message}`;
}
