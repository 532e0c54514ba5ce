// One node as a local child process: spawn it on a port chosen for it, with its output appended
// to its log file, wait until its system says it is ready, then kill, pause, resume, terminate.
// Every live pid is in the process-wide registry (child-processes.ts), so none outlives the
// harness; the stdin pipe makes a node started with --exit-with-parent die with a SIGKILLed one,
// and on Linux the kernel's parent-death signal (setpriv --pdeathsig) kills a paused one too.
// A forking server (PostgreSQL) is signalled with every process it forked (process-tree.ts), and
// runs as its owner when the harness is root (setpriv --reuid/--regid).
import { type ChildProcess, spawn } from "node:child_process";
import {
  accessSync,
  closeSync,
  constants,
  fstatSync,
  openSync,
  readFileSync,
  readSync,
  writeSync,
} from "node:fs";
import { delimiter, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { ProcessCommand, ProcessOwner } from "../../systems/system.js";
import { trackChild, untrackChild } from "./child-processes.js";
import {
  continueTree,
  killTree,
  stopTree,
  type TreeWatchdog,
  treeMembers,
  watchStoppedTree,
} from "./process-tree.js";

/** The executable, arguments and environment that run one node serving on `port`. */
export type NodeCommand = (port: number) => ProcessCommand;

export interface NodeProcessOptions {
  id: string;
  command: NodeCommand;
  /** True once the node serves on 127.0.0.1:port (the system's readiness probe). */
  ready: (port: number, signal: AbortSignal) => Promise<boolean>;
  logPath: string;
  /** How long a start may take until the node is ready. */
  startTimeoutMs: number;
  /** The node forks: kill, pause and resume reach every process it forked. */
  forks?: boolean;
  /** The user it runs as (the harness is root). */
  owner?: ProcessOwner;
  /** What terminate() sends first (default SIGTERM). */
  stopSignal?: NodeJS.Signals;
}

export type NodeState = "down" | "running" | "paused";

/** A node that did not come up; the message names it and quotes the tail of its log. */
export class NodeStartError extends Error {
  override readonly name = "NodeStartError";
  constructor(
    message: string,
    /** The log written by this start attempt (for EADDRINUSE detection). */
    readonly log: string,
  ) {
    super(message);
  }
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const POLL_MS = 25;
const LOG_TAIL_LINES = 15;
const STOP_WAIT_MS = 1000;

export class NodeProcess {
  #child: ChildProcess | undefined;
  #exited: Promise<Exit> = Promise.resolve({ code: null, signal: null });
  #state: NodeState = "down";
  #port: number | undefined;
  /** While a forking node is paused: what kills its processes if the harness dies meanwhile. */
  #watchdog: TreeWatchdog | undefined;

  constructor(readonly options: NodeProcessOptions) {}

  get id(): string {
    return this.options.id;
  }

  get state(): NodeState {
    return this.#state;
  }

  get pid(): number | undefined {
    return this.#state === "down" ? undefined : this.#child?.pid;
  }

  /** The port it serves on once started (kept across kills, for a restart on the same port). */
  get port(): number | undefined {
    return this.#port;
  }

  /** Spawns the node on `port` and waits until it is ready; on failure (or when `signal`
   * aborts first) it is left down. */
  async start(port: number, signal?: AbortSignal): Promise<void> {
    if (this.#state !== "down") throw new Error(`node ${this.id} is already running`);
    const { id, logPath, startTimeoutMs, forks = false } = this.options;
    const command = this.options.command(port);
    const { file } = command;
    const logFd = openSync(logPath, "a");
    const logOffset = fstatSync(logFd).size;
    let child: ChildProcess;
    try {
      const spawned = placedCommand(command, this.options.owner, logFd);
      // Not detached: the node stays in the harness's session and process group, so a
      // terminal's Ctrl-C reaches it too. A forking server gets a session of its own: a
      // terminal's SIGINT would be its fast shutdown, racing the harness's own stop of it.
      child = spawn(spawned.file, spawned.args, {
        stdio: ["pipe", logFd, logFd],
        detached: forks,
        ...(spawned.env !== undefined && { env: spawned.env }),
      });
    } finally {
      closeSync(logFd);
    }
    // 'error' comes for a failed spawn (then pid is undefined) or a failed signal (ignored).
    const spawnError = new Promise<Error>((resolve) => child.on("error", resolve));
    if (child.pid === undefined) {
      const err = await spawnError;
      throw new NodeStartError(`node ${id}: cannot run ${file}: ${err.message}`, "");
    }
    const pid = child.pid;
    trackChild(pid, forks);
    child.stdin?.on("error", () => {
      // EPIPE once the node has exited: nothing to deliver any more.
    });
    let exit: Exit | undefined;
    this.#exited = new Promise<Exit>((resolve) =>
      child.once("exit", (code, signal) => {
        this.#stopWatchdog();
        untrackChild(pid);
        exit = { code, signal };
        if (this.#child === child) this.#state = "down";
        resolve(exit);
      }),
    );
    this.#child = child;
    this.#state = "running";
    this.#port = port;

    const deadline = performance.now() + startTimeoutMs;
    const probe = new AbortController();
    for (;;) {
      if (exit !== undefined) {
        const log = readLogFrom(logPath, logOffset);
        throw new NodeStartError(
          `node ${id} exited (${describeExit(exit)}) before it was ready; ` +
            `the end of its log ${logPath}:\n${tail(log)}`,
          log,
        );
      }
      if (signal?.aborted) {
        probe.abort();
        await this.kill();
        throw new NodeStartError(`node ${id}: the start was interrupted`, "");
      }
      if (performance.now() > deadline) {
        probe.abort();
        await this.kill();
        const log = readLogFrom(logPath, logOffset);
        throw new NodeStartError(
          `node ${id} was not ready on 127.0.0.1:${port} within ${startTimeoutMs} ms; ` +
            `the end of its log ${logPath}:\n${tail(log)}`,
          log,
        );
      }
      if (await this.options.ready(port, probe.signal)) return;
      await sleep(POLL_MS);
    }
  }

  /** SIGKILL (the whole group of a forking node), and wait until it is gone; a no-op when it
   * is down. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (this.#state === "down" || child === undefined) return;
    // A forking node's processes all die, and are gone, before it counts as down.
    if (this.options.forks && child.pid !== undefined) await killTree(child.pid);
    else signal(child, "SIGKILL");
    await this.#exited;
  }

  /** SIGSTOP, and (where /proc exists) wait until every thread of it has stopped. */
  async pause(): Promise<void> {
    if (this.#state === "down") throw new Error(`node ${this.id} is down: cannot pause it`);
    const child = this.#child!;
    if (this.options.forks && child.pid !== undefined) {
      this.#state = "paused";
      await stopTree(child.pid);
      // Stopped processes cannot see the harness die (the leader's parent-death signal reaches
      // the leader alone, and waits while it is stopped): a watchdog outside them ends them then.
      this.#stopWatchdog();
      this.#watchdog = watchStoppedTree(treeMembers(child.pid).map((m) => m.pid));
      if (this.#watchdog.pid !== undefined) trackChild(this.#watchdog.pid);
      return;
    }
    signal(child, "SIGSTOP");
    this.#state = "paused";
    // A multi-threaded process stops a moment after the signal; until it has, it may still
    // answer, and the kernel would not treat its group as holding a stopped job.
    const deadline = performance.now() + STOP_WAIT_MS;
    while (child.pid !== undefined && processState(child.pid) === "running") {
      if (performance.now() > deadline) break;
      await sleep(1);
    }
  }

  /** SIGCONT; a no-op unless paused. */
  resume(): void {
    if (this.#state !== "paused") return;
    this.#continue(this.#child!);
    this.#state = "running";
    this.#stopWatchdog();
  }

  /** Continues it, asks it to stop (SIGTERM, or the launch's signal), and SIGKILLs it if it
   * has not exited after `graceMs`. */
  async terminate(graceMs: number): Promise<void> {
    const child = this.#child;
    if (this.#state === "down" || child === undefined) return;
    this.#continue(child);
    this.#state = "running";
    this.#stopWatchdog();
    // To the leader only: a server's children stop as their leader tells them.
    signal(child, this.options.stopSignal ?? "SIGTERM");
    const timer = sleep(graceMs, "timeout" as const, { ref: false });
    if ((await Promise.race([this.#exited, timer])) === "timeout") await this.kill();
  }

  #continue(child: ChildProcess): void {
    if (this.options.forks && child.pid !== undefined) continueTree(child.pid);
    else signal(child, "SIGCONT");
  }

  #stopWatchdog(): void {
    const watchdog = this.#watchdog;
    this.#watchdog = undefined;
    if (watchdog === undefined) return;
    watchdog.stop();
    if (watchdog.pid !== undefined) untrackChild(watchdog.pid);
  }
}

// A paused (SIGSTOPped) node cannot see EOF on its stdin when the harness dies, and the kernel's
// SIGHUP + SIGCONT of an orphaned process group only comes when the harness leads its group (a
// terminal's job, not a script's `cmd &`). setpriv(1) (util-linux) sets PR_SET_PDEATHSIG before it
// execs the node (same pid): the kernel SIGKILLs the node when the harness dies, stopped or not
// (or sends the signal the command names: a PostgreSQL server shuts down on SIGQUIT).
const SETPRIV = process.platform === "linux" ? findExecutable("setpriv") : undefined;
let warnedNoSetpriv = false;

/** What to spawn for `command`: through setpriv, with its parent-death signal (SIGKILL unless it
 * names one) where possible, and as `owner` when given (setpriv sets the signal after changing
 * the user, which clears it); the environment the process sees (undefined: the harness's own). */
export function placedCommand(
  command: ProcessCommand,
  owner: ProcessOwner | undefined,
  logFd: number,
): { file: string; args: string[]; env?: NodeJS.ProcessEnv } {
  const { file, args } = command;
  const env =
    command.inheritEnv === false
      ? { ...command.env }
      : command.env === undefined
        ? undefined
        : { ...process.env, ...command.env };
  const user =
    owner === undefined ? [] : [`--reuid=${owner.uid}`, `--regid=${owner.gid}`, "--clear-groups"];
  if (SETPRIV !== undefined) {
    const death = command.parentDeathSignal ?? "SIGKILL";
    return { file: SETPRIV, args: [...user, "--pdeathsig", death, "--", file, ...args], env };
  }
  if (owner !== undefined) {
    throw new Error(
      `cannot run ${file} as uid ${owner.uid}: setpriv not found (install the Debian package util-linux)`,
    );
  }
  if (!warnedNoSetpriv) {
    warnedNoSetpriv = true;
    writeSync(
      logFd,
      "faultline: setpriv (util-linux) not found: a node paused when the harness is SIGKILLed " +
        "stays stopped\n",
    );
  }
  return { file, args, env };
}

function findExecutable(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

function signal(child: ChildProcess, name: NodeJS.Signals): void {
  try {
    child.kill(name);
  } catch {
    // Exited in the meantime: the 'exit' handler updates the state.
  }
}

/** From /proc/<pid>/stat: "stopped" (T), "running" (any other live state), "unknown". */
function processState(pid: number): "stopped" | "running" | "unknown" {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat[stat.lastIndexOf(")") + 2];
    return state === "T" ? "stopped" : state === "Z" || state === "X" ? "unknown" : "running";
  } catch {
    return "unknown";
  }
}

function readLogFrom(path: string, offset: number): string {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    if (size <= offset) return "";
    const buffer = Buffer.alloc(size - offset);
    const read = readSync(fd, buffer, 0, buffer.length, offset);
    return buffer.subarray(0, read).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

function tail(log: string): string {
  const lines = log.trimEnd().split("\n").slice(-LOG_TAIL_LINES);
  return lines.length === 1 && lines[0] === ""
    ? "  (empty)"
    : lines.map((line) => `  ${line}`).join("\n");
}

function describeExit(exit: Exit): string {
  return exit.signal === null ? `code ${exit.code}` : `signal ${exit.signal}`;
}
