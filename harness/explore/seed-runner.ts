// Where explore's seeds run: in this process, one at a time, or in `jobs` child processes
// (explore-worker.ts, run compiled as the CLI is: loading it from source takes seconds), one seed
// each at a time. Either way a seed's run is the same sim run with the same result (the same seed
// gives the same run); only the order they finish in differs. The children are tracked by pid and
// ended on close, on an interrupt, and if this process exits.
import { type ChildProcess, fork } from "node:child_process";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestConfig } from "../config/test-config.js";
import { toTestFile } from "../config/test-file.js";
import { addExitHook } from "../process-exit.js";
import type { FromWorker, ToWorker } from "./explore-worker.js";
import { runTrial, type Trial } from "./sim-trial.js";

export interface SeedRunner {
  /** How many seeds may run at once. */
  readonly slots: number;
  /** A seed's trial; undefined when interrupted. */
  run(seed: number): Promise<Trial | undefined>;
  close(): Promise<void>;
}

export function inProcess(test: TestConfig, scratch: string, interrupt: AbortSignal): SeedRunner {
  return {
    slots: 1,
    run: (seed) =>
      runTrial({ ...test, seed }, { store: scratch, interrupt, history: "if-invalid" }),
    close: async () => {},
  };
}

const COMPILED_ENTRY = new URL("../../bin/compiled-entry.js", import.meta.url).href;
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WORKER = relative(ROOT, fileURLToPath(new URL("./explore-worker.ts", import.meta.url)));

/** The worker's compiled bundle (bin/compiled-entry.js: built once, then cached by its sources). */
async function compiledWorker(): Promise<string> {
  const { compiledEntry } = (await import(
    COMPILED_ENTRY
  )) as typeof import("../../bin/compiled-entry.js");
  return compiledEntry(WORKER);
}

interface Worker {
  child: ChildProcess;
  ready: Promise<void>;
  /** The seed it runs now and who waits for it. */
  busy?: { seed: number; settle: (trial: Trial | undefined) => void; fail: (err: Error) => void };
}

/** A worker's young generation may grow to this (MB a semi-space; V8's default is 16): a seed
 * makes short-lived garbage fast, and this nursery halves the scavenges of a 1,000-op trial
 * (2.3 → 1.2) and cuts their pause time by a third. */
const SEMI_SPACE_MB = 32;

function startWorker(test: TestConfig, entry: string, scratch: string): Worker {
  const child = fork(entry, [], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    execArgv: [...process.execArgv, `--max-semi-space-size=${SEMI_SPACE_MB}`],
  });
  const worker: Worker = { child, ready: Promise.resolve() };
  worker.ready = new Promise((resolve, reject) => {
    child.on("message", (message: FromWorker) => {
      if (message.type === "ready") return resolve();
      const busy = worker.busy;
      worker.busy = undefined;
      if (message.type === "trial") busy?.settle(message.trial);
      else busy?.fail(new Error(`explore worker ${child.pid}: ${message.message}`));
    });
    child.on("exit", (code, signal) => {
      const err = new Error(`explore worker ${child.pid} exited (${signal ?? code})`);
      reject(err);
      worker.busy?.fail(err);
      worker.busy = undefined;
    });
  });
  // An early exit is also met by whoever awaits `ready`; it is no unhandled rejection.
  worker.ready.catch(() => {});
  child.send({ type: "test", file: toTestFile(test), scratch } satisfies ToWorker);
  return worker;
}

/** `jobs` child processes, each running one seed at a time, each with its store in `scratch`. */
export async function childProcesses(
  test: TestConfig,
  jobs: number,
  scratch: string,
  interrupt: AbortSignal,
): Promise<SeedRunner> {
  const entry = await compiledWorker();
  const workers = Array.from({ length: jobs }, () => startWorker(test, entry, scratch));
  const stopAll = () => {
    for (const { child } of workers)
      if (child.exitCode === null && child.signalCode === null) child.kill();
  };
  const removeHook = addExitHook(stopAll);
  interrupt.addEventListener("abort", stopAll, { once: true });
  return {
    slots: jobs,
    async run(seed) {
      const worker = workers.find((w) => w.busy === undefined);
      if (worker === undefined) throw new Error("every explore worker is busy");
      const trial = new Promise<Trial | undefined>((settle, fail) => {
        worker.busy = { seed, settle, fail };
      });
      await worker.ready;
      worker.child.send({ type: "seed", seed });
      return trial.catch((err: unknown) => {
        if (interrupt.aborted) return undefined;
        throw err;
      });
    },
    async close() {
      interrupt.removeEventListener("abort", stopAll);
      const exited = workers.map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) resolve();
            else child.once("exit", () => resolve());
          }),
      );
      for (const { child } of workers) if (child.connected) child.disconnect();
      await Promise.all(exited);
      removeHook();
    },
  };
}
