// A forking server's processes, as the local runtime handles them (Linux /proc): the leader it
// spawned and every process that leader forked, found by parent pid. Process groups will not do:
// PostgreSQL puts each backend in a session of its own (so that the postmaster can signal it
// alone). The leader is stopped first, so the tree cannot grow while it is walked; then every
// member gets the signal. A paused tree is guarded by a watchdog outside it: a stopped process
// never sees the harness die, so the watchdog, reading a pipe from the harness, continues the
// tree's (frozen) members once that pipe ends, and kills them a moment later.
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

const POLL_MS = 2;
const GONE_WAIT_MS = 5_000;
const STOP_WAIT_MS = 1_000;

interface Stat {
  pid: number;
  ppid: number;
  state: string;
}

function readStat(pid: number): Stat | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // After the command's closing parenthesis: state, ppid, …
  const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  if (state === "Z" || state === "X") return undefined;
  return { pid, ppid: Number(ppid), state: state! };
}

/** The live processes below `leader` (its children, theirs, …), zombies left out. */
export function descendants(leader: number): Stat[] {
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return [];
  }
  const byParent = new Map<number, Stat[]>();
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat === undefined) continue;
    const siblings = byParent.get(stat.ppid);
    if (siblings === undefined) byParent.set(stat.ppid, [stat]);
    else siblings.push(stat);
  }
  const found: Stat[] = [];
  const queue = [leader];
  while (queue.length > 0) {
    for (const child of byParent.get(queue.pop()!) ?? []) {
      found.push(child);
      queue.push(child.pid);
    }
  }
  return found;
}

/** The leader and its descendants, with their states (R, S, T …); [] when the leader is gone. */
export function treeMembers(leader: number): Stat[] {
  const self = readStat(leader);
  return self === undefined ? [] : [self, ...descendants(leader)];
}

const isStopped = (s: Stat) => s.state === "T" || s.state === "t";

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // ESRCH: it is gone.
  }
}

/** Stops the leader and waits (at most a second) until it is: it forks no more. */
async function freeze(leader: number): Promise<void> {
  signal(leader, "SIGSTOP");
  const deadline = performance.now() + STOP_WAIT_MS;
  while (performance.now() < deadline) {
    const self = readStat(leader);
    if (self === undefined || isStopped(self)) return;
    await sleep(POLL_MS);
  }
}

/** SIGKILLs the whole tree and waits until none of it is left (no member may still hold the
 * port or shared memory a restart needs). */
export async function killTree(leader: number): Promise<void> {
  await freeze(leader);
  const members = treeMembers(leader);
  for (const member of members) signal(member.pid, "SIGKILL");
  signal(leader, "SIGKILL");
  const deadline = performance.now() + GONE_WAIT_MS;
  while (members.some((m) => readStat(m.pid) !== undefined) && performance.now() < deadline)
    await sleep(POLL_MS);
}

/** The same without waiting, for an exit hook (synchronous). */
export function killTreeNow(leader: number): void {
  signal(leader, "SIGSTOP");
  for (const member of descendants(leader)) signal(member.pid, "SIGKILL");
  signal(leader, "SIGKILL");
}

/** SIGSTOPs the whole tree and waits (at most a second) until every member has stopped. */
export async function stopTree(leader: number): Promise<void> {
  await freeze(leader);
  const deadline = performance.now() + STOP_WAIT_MS;
  for (;;) {
    const running = treeMembers(leader).filter((m) => !isStopped(m));
    if (running.length === 0 || performance.now() > deadline) return;
    for (const member of running) signal(member.pid, "SIGSTOP");
    await sleep(POLL_MS);
  }
}

/** SIGCONTs every member of the tree. */
export function continueTree(leader: number): void {
  for (const member of treeMembers(leader)) signal(member.pid, "SIGCONT");
}

export interface TreeWatchdog {
  readonly pid: number | undefined;
  /** Ends the watchdog (the tree was resumed or is gone); the tree lives on. */
  stop(): void;
}

/** How long a continued tree has to act on its parent-death signal before the SIGKILL. */
const WATCHDOG_GRACE_S = 2;

/** A watchdog for `pids` (a stopped tree's members), for when this process dies (EOF on its stdin
 * pipe): it continues them, so that a leader whose parent-death signal shuts it down cleanly
 * (PostgreSQL's SIGQUIT, pending while it was stopped) can, and SIGKILLs what is left after
 * WATCHDOG_GRACE_S. */
export function watchStoppedTree(pids: readonly number[]): TreeWatchdog {
  const script = `read -r _; kill -s CONT "$@"; sleep ${WATCHDOG_GRACE_S}; kill -s KILL "$@"`;
  const child: ChildProcess = spawn(
    "/bin/sh",
    ["-c", script, "faultline-watchdog", ...pids.map(String)],
    { stdio: ["pipe", "ignore", "ignore"] },
  );
  child.stdin?.on("error", () => {});
  return {
    pid: child.pid,
    stop() {
      // SIGKILL, not EOF: EOF is what tells it to kill the tree.
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}
