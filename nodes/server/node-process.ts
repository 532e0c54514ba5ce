// Runs one node as the process's whole job (for `faultline node` and node-main.ts): starts the
// server on the real replica core, logs to stderr one line per event prefixed with the node id,
// prints `listening <id> <url>` once ready, and stops cleanly on SIGTERM/SIGINT or, with
// --exit-with-parent, when stdin reaches EOF. A node that cannot start exits 1 with the reason.
import type { ReplicaFactory } from "../core/replica.js";
import type { NodeCommandOptions } from "./node-flags.js";
import { type NodeServer, startNodeServer } from "./node-server.js";

export async function runNodeProcess(
  options: NodeCommandOptions,
  createReplica?: ReplicaFactory,
): Promise<void> {
  const log = (line: string): void => {
    process.stderr.write(`${options.id} ${new Date().toISOString()} ${line}\n`);
  };
  process.on("uncaughtException", (err) => {
    log(`fatal: ${err.stack ?? err.message}`);
    process.exit(1);
  });
  const factory = createReplica ?? (await import("../core/create-replica.js")).createReplica;
  let node: NodeServer;
  try {
    node = await startNodeServer(options, {
      createReplica: factory,
      log,
      onFatal: () => process.exit(1),
    });
  } catch (err) {
    log(`cannot start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
  log(
    `${options.build} ${options.strategy} node, fsync ${options.fsync}, peers ` +
      (Object.entries(options.peers)
        .map(([id, url]) => `${id}=${url}`)
        .join(",") || "(none)"),
  );
  process.stderr.write(`listening ${options.id} ${node.url}\n`);

  let stopping = false;
  const stop = (why: string): void => {
    if (stopping) {
      log(`${why} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    log(`stopping (${why})`);
    node.close().then(
      () => {
        log("stopped");
        process.exit(0);
      },
      (err: unknown) => {
        log(`stopping failed: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  if (options.exitWithParent) {
    process.stdin.on("end", () => stop("stdin closed: the parent is gone"));
    process.stdin.on("error", () => stop("stdin failed: the parent is gone"));
    process.stdin.resume();
  }
}
