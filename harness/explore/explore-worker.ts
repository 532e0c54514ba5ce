// A child process of `faultline explore --jobs N`: it is sent the test once (as a test file's
// object, loaded through the schemas) and then seeds one at a time, runs each on the sim into its
// own scratch store (inside its parent's scratch folder, which the parent removes however the
// worker ends), and answers each seed's verdicts (and its history when the seed failed, for the
// shrinker). It removes its store and exits when its parent goes away or ends it (SIGTERM).
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { TestConfig } from "../config/test-config.js";
import { addExitHook } from "../process-exit.js";
import { testConfigOf } from "../config/test-file.js";
import { runTrial, type Trial } from "./sim-trial.js";

/** What the parent sends. */
export type ToWorker =
  | { type: "test"; file: Record<string, unknown>; scratch: string }
  | { type: "seed"; seed: number };

/** What a worker answers: a seed's trial (its history only when it failed). */
export type FromWorker =
  | { type: "ready" }
  | { type: "trial"; seed: number; trial: Trial }
  | { type: "error"; message: string };

/** A trial cut to what crosses the process boundary: verdicts, anomalies and the stats' counts. */
export function slimTrial(trial: Trial): Trial {
  const results = Object.fromEntries(
    Object.entries(trial.results).map(([checker, r]) => [
      checker,
      {
        valid: r.valid,
        ...(r.anomalies !== undefined && { anomalies: r.anomalies }),
        ...(r.byF !== undefined && { byF: r.byF }),
      },
    ]),
  );
  return {
    valid: trial.valid,
    results,
    opCount: trial.opCount,
    ...(trial.valid === false && trial.history !== undefined && { history: trial.history }),
  };
}

async function serve(): Promise<void> {
  const send = (message: FromWorker) => process.send?.(message);
  const interrupt = new AbortController();
  let test: TestConfig | undefined;
  let scratch: string | undefined;
  // However it ends (its parent gone, SIGTERM, an error), its store goes with it.
  addExitHook(() => {
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  });
  process.on("disconnect", () => {
    interrupt.abort();
    process.exit(0);
  });
  process.on("message", (message: ToWorker) => {
    if (message.type === "test") {
      test = testConfigOf(message.file);
      scratch = mkdtempSync(join(message.scratch, "worker-"));
      send({ type: "ready" });
      return;
    }
    if (test === undefined || scratch === undefined) {
      return send({ type: "error", message: "a seed before the test" });
    }
    runTrial(
      { ...test, seed: message.seed },
      { store: scratch, interrupt: interrupt.signal, history: "if-invalid" },
    )
      .then((trial) => {
        if (trial !== undefined)
          send({ type: "trial", seed: message.seed, trial: slimTrial(trial) });
      })
      .catch((err: unknown) =>
        send({ type: "error", message: err instanceof Error ? err.message : String(err) }),
      );
  });
}

if (process.send !== undefined) await serve();
