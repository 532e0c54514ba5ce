// No way the process that started the servers ends leaves one running: a SIGKILLed owner (no
// exit hook runs) still takes its primary and standby with it, through the parent-death signal
// (SIGQUIT: an immediate shutdown) that the launch plan's setpriv sets on every server.
import { spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { leftSegmentId, releaseLeftovers, sharedSegmentIds } from "./postgres-leftovers.js";
import { eventually } from "./test-support.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CHILD = fileURLToPath(new URL("./test-fixtures/postgres-owner-child.ts", import.meta.url));

/** Alive and not a zombie (a killed postmaster may wait for its reaper). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

it("servers die with their SIGKILLed owner, and remove their shared memory", async () => {
  const child = spawn(process.execPath, [`${ROOT}bin/run-ts.js`, CHILD], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  let runDir: string | undefined;
  try {
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once("line", resolve);
      child.once("exit", (code) => reject(new Error(`the owner exited (${code}) before starting`)));
    });
    const started = JSON.parse(line) as { pids: number[]; runDir: string };
    runDir = started.runDir;
    expect(started.pids).toHaveLength(2);
    for (const pid of started.pids) expect(isAlive(pid)).toBe(true);
    const dataDirs = ["n1", "n2"].map((node) => join(started.runDir, "data", node));
    const segments = dataDirs.map(leftSegmentId);
    expect(segments.every(Number.isInteger)).toBe(true);

    child.kill("SIGKILL");
    await exited;
    await eventually("both postmasters are gone", async () => !started.pids.some(isAlive));
    // The parent-death signal is SIGQUIT: an immediate shutdown, which removes the server's
    // System V segment and its postmaster.pid (a SIGKILL would leave both).
    expect(sharedSegmentIds().filter((id) => segments.includes(id))).toEqual([]);
    for (const dataDir of dataDirs) expect(leftSegmentId(dataDir)).toBeUndefined();
  } finally {
    child.kill("SIGKILL");
    // The owner never cleaned up: its run folder, and its servers' shared memory, are ours to
    // remove.
    if (runDir !== undefined) {
      for (const node of ["n1", "n2"]) releaseLeftovers(join(runDir, "data", node));
      rmSync(runDir, { recursive: true, force: true });
    }
  }
}, 120_000);
