// The `faultline` command line. Each subcommand lives beside the code it drives and registers
// itself here; this file only maps errors to exit codes (0 valid, 1 invalid, 2 unknown,
// 254 bad arguments or config, 255 internal error).
import { Command, CommanderError } from "commander";
import { registerNodeCommand } from "../nodes/server/node-command.js";
import { NodeFlagError } from "../nodes/server/node-flags.js";
import { EXIT, UsageError } from "./cli-error.js";
import { registerCheckCommand } from "./commands/check-command.js";
import { registerCleanCommand } from "./commands/clean-command.js";
import { registerExploreCommand } from "./commands/explore-command.js";
import { registerReportCommand } from "./commands/report-command.js";
import { registerRunCommand } from "./commands/run-command.js";
import { registerServeCommand } from "./commands/serve-command.js";

const program = new Command("faultline")
  .description("Jepsen-style consistency testing for a replicated key-value store")
  .showHelpAfterError()
  .exitOverride();

registerRunCommand(program);
registerExploreCommand(program);
registerCheckCommand(program);
registerReportCommand(program);
registerServeCommand(program);
registerNodeCommand(program);
registerCleanCommand(program);

try {
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
  console.error(`faultline: internal error: ${err instanceof Error ? err.message : String(err)}`);
  if (process.env.FAULTLINE_DEBUG) console.error(err);
  process.exit(EXIT.internal);
}
