// The standalone node entry (the Docker image bundles it): `faultline node` without the harness.
// Same flags and validation as the CLI (node-flags.ts); a bad flag exits 254 with its message.
import { Command, CommanderError } from "commander";
import { defineNodeFlags, NodeFlagError, parseNodeFlags } from "./node-flags.js";
import { runNodeProcess } from "./node-process.js";

const cmd = defineNodeFlags(
  new Command("faultline-node").description("Runs one node of the faultline key-value store."),
)
  .showHelpAfterError("(run with --help for usage)")
  .exitOverride();

try {
  cmd.parse(process.argv);
  await runNodeProcess(parseNodeFlags(cmd.opts()));
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 254);
  if (err instanceof NodeFlagError) {
    console.error(`faultline-node: ${err.message}`);
    process.exit(254);
  }
  throw err;
}
