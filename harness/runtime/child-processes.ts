// The process-wide registry of the child processes the harness started (the nodes). An exit hook
// SIGCONTs and SIGKILLs every live one synchronously, so no way the harness ends leaves one
// running (process-exit.ts); a SIGKILLed harness runs no hook: the kernel then kills its nodes
// (their parent-death signal, node-process.ts), and nodes started with --exit-with-parent also
// see EOF on stdin. A forking server is killed with every process it forked.
import { addExitHook } from "../process-exit.js";
import { killTreeNow } from "./process-tree.js";

/** pid → whether it forks (a server whose whole process tree is killed with it). */
const live = new Map<number, boolean>();
let hooked = false;

/** Registers a live child (with `tree`: one that forks, killed with its descendants); from now
 * on no exit path of this process leaves it running. */
export function trackChild(pid: number, tree = false): void {
  if (!hooked) addExitHook(killAllChildren);
  hooked = true;
  live.set(pid, tree);
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
  for (const [pid, tree] of live) {
    if (tree) {
      killTreeNow(pid);
      continue;
    }
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
