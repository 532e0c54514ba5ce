// A forking server's process group, as the local runtime handles it (Linux /proc): signal every
// member at once, wait until all have stopped (a pause) or are gone (a kill: none may still hold
// the port or shared memory a restart needs), and guard a paused group with a watchdog outside
// it. A stopped group never sees the harness die — its leader's parent-death signal kills the
// leader alone, and the kernel continues an orphaned group only within the parent's session —
// so the watchdog, reading a pipe from the harness, kills the group when that pipe ends.
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { trackChild, untrackChild } from "./child-processes.js";

const POLL_MS = 2;
const GONE_WAIT_MS = 5_000;

/** Sends `name` to every process of the group `pgid`; ignores a group that is gone. */
export function signalGroup(pgid: number, name: NodeJS.Signals): void {
  try {
    process.kill(-pgid, name);
  } catch {
    // ESRCH: no process is left in it.
  }
}

/** The live members of group `pgid` and their states (R, S, T …), zombies left out. */
export function groupMembers(pgid: number): { pid: number; state: string }[] {
  const members: { pid: number; state: string }[] = [];
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return members;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue;
    }
    // After the command's closing parenthesis: state, ppid, pgrp, …
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(pgrp) === pgid && state !== "Z" && state !== "X")
      members.push({ pid: Number(name), state: state! });
  }
  return members;
}

/** Waits until every member of the group has stopped (at most `timeoutMs`). */
export async function awaitGroupStopped(pgid: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (groupMembers(pgid).every((m) => m.state === "T" || m.state === "t")) return;
    await sleep(POLL_MS);
  }
}

/** Waits until no member of the group is left (at most `timeoutMs`). */
export async function awaitGroupGone(pgid: number, timeoutMs = GONE_WAIT_MS): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (groupMembers(pgid).length > 0 && performance.now() < deadline) await sleep(POLL_MS);
}

export interface GroupWatchdog {
  /** Ends the watchdog (the group was resumed or is gone); the group lives on. */
  stop(): void;
}

/** A watchdog that SIGKILLs group `pgid` once this process dies (EOF on its stdin pipe). */
export function watchPausedGroup(pgid: number): GroupWatchdog {
  const child: ChildProcess = spawn(
    "/bin/sh",
    ["-c", 'read -r _; kill -s KILL -- "-$1"', "faultline-watchdog", String(pgid)],
    { stdio: ["pipe", "ignore", "ignore"] },
  );
  child.stdin?.on("error", () => {});
  const pid = child.pid;
  if (pid !== undefined) {
    trackChild(pid);
    child.once("exit", () => untrackChild(pid));
  }
  return {
    stop() {
      // SIGKILL, not EOF: EOF is what tells it to kill the group.
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}
