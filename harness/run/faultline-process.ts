// For end-to-end tests: runs `faultline` as a user does (a child process of bin/faultline.js) and
// reads back what a finished run stored. Resolves with the exit code and the whole output; it
// never rejects on a non-zero exit, since the exit code is what the tests assert.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CheckResult } from "../../checkers/checker.js";
import { parseJsonl } from "../../checkers/formats/jsonl-format.js";
import type { History } from "../../checkers/history.js";

const BIN = fileURLToPath(new URL("../../bin/faultline.js", import.meta.url));

export interface FinishedProcess {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `faultline ARGS…`; `onStdout` sees the output so far (e.g. to send a signal mid-run). */
export function faultline(
  args: readonly string[],
  onStdout?: (text: string, child: ChildProcess) => void,
): Promise<FinishedProcess> {
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

/** The run directory a finished run printed (`run: DIR`). */
export function runDirOf(out: FinishedProcess): string {
  const match = /^run: (.+)$/m.exec(out.stdout);
  if (match === null) throw new Error(`no run directory in:\n${out.stdout}\n${out.stderr}`);
  return match[1]!;
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
  const historyPath = join(dir, "history.jsonl");
  const { history } = parseJsonl(readFileSync(historyPath, "utf8"), historyPath);
  const stored = JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as {
    valid: CheckResult["valid"];
    results: Record<string, CheckResult>;
  };
  return { dir, history, valid: stored.valid, results: stored.results };
}
