// `faultline serve [--store DIR] [--port N]`: serves the store on 127.0.0.1 (never another
// interface): an index of the runs, newest first, paged and filtered, linking to each report
// and the run's files. With --db (or FAULTLINE_DATABASE_URL), /trends shows the trend store's
// suites over time.
// Runs until Ctrl-C / SIGTERM. A missing store or a bad port is a usage error (exit 254).
import { stat } from "node:fs/promises";
import type { Command } from "commander";
import { UsageError } from "../cli-error.js";

const DEFAULT_PORT = 8080;

export function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isInteger(port) || port > 65535) {
    throw new UsageError(
      `--port ${JSON.stringify(text)} must be a port number, 0 … 65535 (0 picks a free one)`,
    );
  }
  return port;
}

export function registerServeCommand(program: Command): void {
  program
    .command("serve")
    .summary("browse the stored runs and their reports over HTTP (127.0.0.1)")
    .description(
      "Serves the store at http://127.0.0.1:PORT/: an index of the runs, newest first (verdict, " +
        "system, workload, seed), 50 a page, filtered by test and verdict (/?test=NAME&verdict=" +
        "invalid&page=2), each linking to its report.html and its files. Only 127.0.0.1 is " +
        "bound. Stop it with Ctrl-C.",
    )
    .option("--store <dir>", "the store (default: the one `faultline run` uses)")
    .option("--port <n>", `the port (0 picks a free one)`, String(DEFAULT_PORT))
    .option("--db <url>", "also serve /trends from this PostgreSQL (or FAULTLINE_DATABASE_URL)")
    .action(async (flags: { store?: string; port: string; db?: string }) => {
      const port = parsePort(flags.port);
      const storeDir = flags.store ?? (await defaultStore());
      const info = await stat(storeDir).catch(() => undefined);
      if (info === undefined || !info.isDirectory()) {
        throw new UsageError(
          `no store directory ${storeDir}: run a test first or pass --store DIR`,
        );
      }
      const { serveStore } = await import("../report/store-server.js");
      const { openTrendsFor } = await import("../trends/trend-routes.js");
      const trends = await openTrendsFor(flags.db);
      const served = await serveStore(storeDir, port, trends?.routes).catch(
        (err: NodeJS.ErrnoException) => {
          if (err.code === "EADDRINUSE") {
            throw new UsageError(`port ${port} is in use: pass --port N (0 picks a free one)`);
          }
          throw err;
        },
      );
      console.log(`serving ${storeDir} at ${served.url} (Ctrl-C to stop)`);
      if (trends !== undefined) console.log(`trends: ${served.url}trends`);
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      await served.close();
      await trends?.close();
    });
}

/** The store `faultline run` would use: the config's default (FAULTLINE_STORE or "store"). */
async function defaultStore(): Promise<string> {
  const { loadTestConfig } = await import("../config/load-test-config.js");
  return loadTestConfig({}).store;
}
