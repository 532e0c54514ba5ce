// One-shot steps of a local node (its setup before the first start, a job such as a rewind):
// folders made for the node's owner, files written, and commands run to completion as the
// owner, output appended to the node's log, each within its timeout (then it is killed with
// whatever it forked: initdb's and pg_rewind's own servers). Every command is tracked, so no exit path leaves one running; a failure names the
// node, the step and the end of the log.
import { spawn } from "node:child_process";
import {
  chmodSync,
  chownSync,
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";
import type { NodeId, ProcessOwner, SetupStep } from "../../systems/system.js";
import { UsageError } from "../cli-error.js";
import { trackChild, untrackChild } from "./child-processes.js";
import { placedCommand } from "./node-process.js";
import { killTree } from "./process-tree.js";

export interface StepContext {
  node: NodeId;
  owner: ProcessOwner | undefined;
  logPath: string;
  /** Aborted on Ctrl-C: the step in progress is killed. */
  signal?: AbortSignal;
}

const LOG_TAIL_LINES = 10;

/** Makes the node's folders (0700, the owner's); their parents stay reachable (0755). A folder
 * the owner could not reach is the user's to fix (a run folder under a private home). */
export function makeNodeDirectories(
  node: NodeId,
  directories: readonly string[],
  owner: ProcessOwner | undefined,
): void {
  for (const dir of directories) {
    mkdirSync(dirname(dir), { recursive: true, mode: 0o755 });
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    if (owner !== undefined) {
      chownSync(dir, owner.uid, owner.gid);
      assertReachable(node, dir, owner);
    }
  }
}

/** Runs `steps` in order; rejects with the first that failed. */
export async function runSteps(steps: readonly SetupStep[], context: StepContext): Promise<void> {
  for (const step of steps) {
    if (context.signal?.aborted) throw new Error(`node ${context.node}: interrupted`);
    await runStep(step, context);
  }
}

async function runStep(step: SetupStep, context: StepContext): Promise<void> {
  const { owner } = context;
  if (step.kind !== "run")
    appendLog(context.logPath, `--- ${step.name}: ${step.kind} ${step.path}\n`);
  switch (step.kind) {
    case "write-file":
      writeFileSync(step.path, step.content, { mode: 0o600 });
      if (owner !== undefined) chownSync(step.path, owner.uid, owner.gid);
      return;
    case "empty-dir":
      rmSync(step.path, { recursive: true, force: true });
      makeNodeDirectories(context.node, [step.path], owner);
      return;
    case "run":
      return runCommand(step, context);
  }
}

async function runCommand(
  step: Extract<SetupStep, { kind: "run" }>,
  { node, owner, logPath, signal }: StepContext,
): Promise<void> {
  const log = openSync(logPath, "a");
  const offset = fstatSync(log).size;
  let pid: number | undefined;
  let exited: Promise<number | string>;
  try {
    writeSync(log, `--- ${step.name}: ${step.command.file} ${step.command.args.join(" ")}\n`);
    const placed = placedCommand(step.command, owner, log);
    // A session of its own: a terminal's Ctrl-C is the harness's to act on, not the step's.
    const child = spawn(placed.file, placed.args, {
      stdio: ["ignore", log, log],
      detached: true,
      ...(placed.env !== undefined && { env: placed.env }),
    });
    pid = child.pid;
    exited = new Promise((resolve) => {
      child.once("error", (err) => resolve(err.message));
      child.once("exit", (code, name) => resolve(code ?? name ?? "unknown"));
    });
  } finally {
    closeSync(log);
  }
  if (pid === undefined) {
    throw new Error(`node ${node}: ${step.name}: cannot run ${step.command.file}: ${await exited}`);
  }
  const leader = pid;
  trackChild(leader, true);
  let killed = false;
  const kill = () => {
    killed = true;
    void killTree(leader);
  };
  const timer = setTimeout(kill, step.timeoutMs);
  signal?.addEventListener("abort", kill, { once: true });
  const code = await exited;
  clearTimeout(timer);
  signal?.removeEventListener("abort", kill);
  untrackChild(leader);
  if (code === 0) return;
  const why = signal?.aborted
    ? "interrupted"
    : killed
      ? `killed after its ${step.timeoutMs} ms timeout`
      : `exit ${code}`;
  throw new Error(
    `node ${node}: ${step.name} failed (${why}); the end of its log ${logPath}:\n` +
      tailFrom(logPath, offset),
  );
}

function appendLog(path: string, line: string): void {
  const log = openSync(path, "a");
  try {
    writeSync(log, line);
  } finally {
    closeSync(log);
  }
}

function tailFrom(path: string, offset: number): string {
  let text = "";
  try {
    text = readFileSync(path).subarray(offset).toString("utf8");
  } catch {
    // No log to quote.
  }
  const lines = text.trimEnd().split("\n").slice(-LOG_TAIL_LINES);
  return lines.map((line) => `  ${line}`).join("\n");
}

/** Throws a UsageError when `owner` cannot enter `dir` (some folder above it is closed to it). */
function assertReachable(node: NodeId, dir: string, owner: ProcessOwner): void {
  for (let at = dirname(dir); ; at = dirname(at)) {
    const st = statSync(at);
    const bit = st.uid === owner.uid ? 0o100 : st.gid === owner.gid ? 0o010 : 0o001;
    if ((st.mode & bit) === 0) {
      throw new UsageError(
        `node ${node}: its folder ${dir} is out of reach of uid ${owner.uid}, the user its ` +
          `server runs as (it refuses root): ${at} has mode ${(st.mode & 0o777).toString(8).padStart(4, "0")} ` +
          `(owner uid ${st.uid}); use a --store that others may enter (e.g. under /tmp), or chmod o+x ${at}`,
      );
    }
    if (at === dirname(at)) return;
  }
}
