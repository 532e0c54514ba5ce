// The process-wide registry of the child processes the harness started (the nodes). An exit hook
// SIGCONTs and SIGKILLs every live one synchronously, so no way the harness ends leaves one
// running (process-exit.ts); a SIGKILLed harness runs no hook: the kernel then kills its nodes
// (their parent-death signal, node-process.ts), and nodes started with --exit-with-parent also
// see EOF on stdin. A forking server leads its own process group, which is killed whole.
import { addExitHook } from "../process-exit.js";

/** pid → whether it leads a process group of its own (a forking server: signal the group). */
const live = new Map<number, boolean>();
let hooked = false;

/** Registers a live child (with `group`: the leader of its own process group, every member of
 * which is killed with it); from now on no exit path of this process leaves it running. */
export function trackChild(pid: number, group = false): void {
  if (!hooked) addExitHook(killAllChildren);
  hooked = true;
  live.set(pid, group);
}

/** Forgets a child that has exited (its pid may be reused: never signal it again). */
export function untrackChild(pid: number): void {
  live.delete(pid);
}

/** The pids of the live children, for tests and diagnostics. */
export function trackedChildren(): number[] {
  return [...live.keys()];
}

function killAllChildren(): void {
  for (const [pid, group] of live) {
    // SIGCONT first: a stopped (paused) process still dies of SIGKILL, but continuing it lets
    // the kernel reap it promptly and keeps the order the same as Cluster.stop.
    const target = group ? -pid : pid;
    signal(target, "SIGCONT");
    signal(target, "SIGKILL");
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
