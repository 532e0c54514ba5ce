// The process-wide registry of the child processes the harness started (the nodes). An exit hook
// SIGCONTs and SIGKILLs every live one synchronously, so no way the harness ends leaves one
// running (process-exit.ts); a SIGKILLed harness runs no hook: the kernel then kills its nodes
// (their parent-death signal, node-process.ts), and nodes started with --exit-with-parent also
// see EOF on stdin.
import { addExitHook } from "../process-exit.js";

const live = new Set<number>();
let hooked = false;

/** Registers a live child; from now on no exit path of this process leaves it running. */
export function trackChild(pid: number): void {
  if (!hooked) addExitHook(killAllChildren);
  hooked = true;
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

function killAllChildren(): void {
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
