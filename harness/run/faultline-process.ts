// For end-to-end tests: runs `faultline` as a user does (a child process of bin/faultline.js), reads
// back what a finished run stored, and looks for processes a run left behind. `faultline()` resolves
// with the exit code and the whole output; it never rejects on a non-zero exit, since the exit code
// is what the tests assert.
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { CheckResult } from "../../checkers/checker.js";
import { parseJsonl } from "../../checkers/formats/jsonl-format.js";
import type { History } from "../../checkers/history.js";
import { latestLink, runPaths } from "../store/run-store.js";

const BIN = fileURLToPath(new URL("../../bin/faultline.js", import.meta.url));

export interface FinishedProcess {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Sees the output so far each time more arrives (e.g. to send a signal mid-run). */
export type OnStdout = (text: string, child: ChildProcess) => void;

/** Runs `faultline ARGS…`. */
export function faultline(args: readonly string[], onStdout?: OnStdout): Promise<FinishedProcess> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    onStdout?.(stdout, child);
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

/** An onStdout that sends one SIGINT (a Ctrl-C) once the run has printed its seed and `ready()`
 * holds (polled): a condition, not a fixed delay, which would race a loaded machine's start-up. */
export function ctrlCWhen(ready: () => boolean): OnStdout {
  let polling = false;
  return (stdout, child) => {
    if (polling || !stdout.includes("seed ")) return;
    polling = true;
    const poll = setInterval(() => {
      if (child.exitCode !== null || child.signalCode !== null) clearInterval(poll);
      else if (ready()) {
        clearInterval(poll);
        child.kill("SIGINT");
      }
    }, 50);
  };
}

/** Ctrl-C once the run's history under `storeDir` holds more than `okOps` ok client ops: the
 * cluster and the clients are going when it arrives. */
export function ctrlCOnceOk(storeDir: string, okOps: number): OnStdout {
  return ctrlCWhen(() => okOpsIn(latestLink(storeDir)) > okOps);
}

/** The ok client ops the history in run directory DIR holds so far (0 before it exists). */
export function okOpsIn(dir: string): number {
  try {
    return readHistory(dir).filter((op) => op.type === "ok" && op.process !== "nemesis").length;
  } catch {
    // Not there yet, or a line cut mid-write other than the last: look again later.
    return 0;
  }
}

/** The flags of the tests' standard short run: a seeded cart workload on BUILD/STRATEGY with
 * NEMESIS faults every two seconds for eight seconds. */
export function cartRunFlags(build: string, strategy: string, nemesis: string): string[] {
  return [
    ...["--build", build, "--strategy", strategy, "--nemesis", nemesis],
    ...["--workload", "cart", "--time-limit", "8", "--nemesis-interval", "2", "--seed", "7"],
  ];
}

/** The tests' standard short runs, one per strategy, with the lost-writes verdict and exit code
 * each deserves; each suite adds its own checks of what the run left, keyed by strategy. */
export const STRATEGY_RUNS = [
  {
    title: "leaderless lww cart under partitions loses acknowledged items: exit 1",
    build: "leaderless",
    strategy: "lww",
    nemesis: "partition",
    verdict: /lost-writes\s+INVALID/,
    code: 1,
  },
  {
    title: "leaderless siblings cart under partitions keeps every item: exit 0",
    build: "leaderless",
    strategy: "siblings",
    nemesis: "partition",
    verdict: /lost-writes\s+valid/,
    code: 0,
  },
  {
    title: "leader reject cart under partitions and kills: exit 0",
    build: "leader",
    strategy: "reject",
    nemesis: "partition,kill",
    verdict: /lost-writes\s+valid/,
    code: 0,
  },
] as const;

export type RunStrategy = (typeof STRATEGY_RUNS)[number]["strategy"];

/** The run directory a finished run printed (`run: DIR`). */
export function runDirOf(out: FinishedProcess): string {
  const match = /^run: (.+)$/m.exec(out.stdout);
  if (match === null) throw new Error(`no run directory in:\n${out.stdout}\n${out.stderr}`);
  return match[1]!;
}

/** The history a run stored in DIR (there even when the run was interrupted). */
export function readHistory(dir: string): History {
  const path = runPaths(dir).history;
  return parseJsonl(readFileSync(path, "utf8"), path).history;
}

/** What a finished run stored: its history and results.json. */
export interface StoredRun {
  dir: string;
  history: History;
  valid: CheckResult["valid"];
  /** Checker name → its result. */
  results: Record<string, CheckResult>;
}

export function readStoredRun(out: FinishedProcess): StoredRun {
  const dir = runDirOf(out);
  const stored = JSON.parse(readFileSync(runPaths(dir).results, "utf8")) as {
    valid: CheckResult["valid"];
    results: Record<string, CheckResult>;
  };
  return { dir, history: readHistory(dir), valid: stored.valid, results: stored.results };
}

/**
 * Runs `faultline run <args> --seed S` for each seed until `shows` holds for a run's results;
 * that run, or an error listing each seed's verdicts. For anomalies a fault makes likely but not
 * certain in a few seconds (a kill that lands between two writes): it fails when no seed shows it.
 */
export async function firstRunShowing(
  args: readonly string[],
  seeds: readonly number[],
  shows: (run: StoredRun) => boolean,
  what: string,
): Promise<StoredRun> {
  const seen: string[] = [];
  for (const seed of seeds) {
    const run = readStoredRun(await faultline(["run", ...args, "--seed", String(seed)]));
    if (shows(run)) return run;
    seen.push(`seed ${seed}: ${String(run.valid)}`);
  }
  throw new Error(`no seed showed ${what} (${seen.join("; ")})`);
}

/** Whether a process with this pid exists and is not a zombie (signal 0 checks without sending
 * anything, but a reparented zombie still answers it; Linux /proc tells). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** Processes whose command line mentions PATH (e.g. nodes whose --data-dir lies under a store),
 * as `PID: COMMAND LINE` (Linux /proc). */
export function processesUsing(path: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
      if (cmdline.includes(path)) found.push(`${pid}: ${cmdline}`);
    } catch {
      // It exited meanwhile.
    }
  }
  return found;
}
