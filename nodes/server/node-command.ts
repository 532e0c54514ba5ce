// `faultline node`: runs one replica node (README, "Running a node by hand"). Flags are declared and validated in
// node-flags.ts (shared with the standalone node-main.ts); the server loads lazily, in the action,
// so the rest of the CLI starts fast. A bad flag value throws NodeFlagError, which harness/cli.ts
// turns into exit 254 (nodes/ never imports harness/: docs/design.md).
import type { Command } from "commander";
import { defineNodeFlags, parseNodeFlags } from "./node-flags.js";

export function registerNodeCommand(program: Command): void {
  const cmd = program
    .command("node")
    .summary("run one node of the replicated key-value store")
    .description(
      'Runs one node of the key-value store under test: the HTTP API of the README ("The node API") on --listen,\n' +
        "its durable log in --data-dir, replicating to --peers. Logs to stderr and prints\n" +
        "`listening <id> http://HOST:PORT` when ready. SIGTERM stops it cleanly.",
    );
  defineNodeFlags(cmd)
    .addHelpText(
      "after",
      "\nExample:\n  faultline node --id n1 --listen 127.0.0.1:7001 --build leaderless --strategy siblings \\\n" +
        "    --peers n2=http://127.0.0.1:7002,n3=http://127.0.0.1:7003 --data-dir data/n1",
    )
    .action(async (_flags: unknown, self: Command) => {
      const options = parseNodeFlags(self.opts());
      const { runNodeProcess } = await import("./node-process.js");
      await runNodeProcess(options);
    });
}
