// The process-wide registry of the child processes the harness started (the nodes). However the
// harness process ends — normal exit, an uncaught error, Ctrl-C (once or twice), SIGTERM, SIGHUP —
// every registered child is SIGCONTed and SIGKILLed synchronously, so none outlives it. A
// SIGKILLed harness runs no handler: nodes started with --exit-with-parent then see EOF on stdin.
import { constants } from "node:os";

const live = new Set<number>();
const signalCounts = new Map<NodeJS.Signals, number>();
const EXIT_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const satisfies readonly NodeJS.Signals[];
let installed = false;
let exiting = false;

/** Registers a live child; from now on no exit path of this process leaves it running. */
export function trackChild(pid: number): void {
  install();
  live.add(pid);
}

/** Forgets a child that has exited (its pid may be reused: never signal it again). */
export function untrackChild(pid: number): void {
  live.delete(pid);
}

/** The pids of the live children, for tests and diagnostics. */
export function trackedChildren(): number[] {
  return [...live];
}

/** True once an exit signal arrived or the process is exiting: start no new child then. */
export function isExiting(): boolean {
  return exiting;
}

/** Kills every registered child now, synchronously (safe inside an 'exit' handler). */
export function killAllChildren(): void {
  exiting = true;
  for (const pid of live) {
    // SIGCONT first: a stopped (paused) process still dies of SIGKILL, but continuing it lets
    // the kernel reap it promptly and keeps the order the same as Cluster.stop.
    signal(pid, "SIGCONT");
    signal(pid, "SIGKILL");
  }
  live.clear();
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone (ESRCH): nothing to clean up.
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  // 'exit' also comes after an uncaught error or rejection, just before the process dies; an
  // application that handles 'uncaughtException' itself keeps running, and keeps its nodes.
  process.on("exit", killAllChildren);
  for (const name of EXIT_SIGNALS) process.on(name, onSignal);
}

function onSignal(name: NodeJS.Signals): void {
  killAllChildren();
  const count = (signalCounts.get(name) ?? 0) + 1;
  signalCounts.set(name, count);
  // A listener replaces Node's default "die on this signal". If the application listens too
  // (to flush its history and stop in order) the first signal is its to handle; a second one,
  // or nobody else listening, ends the process now with the conventional 128 + signal code.
  if (count >= 2 || process.listenerCount(name) <= 1) {
    process.exit(128 + (constants.signals[name] ?? 0));
  }
}
