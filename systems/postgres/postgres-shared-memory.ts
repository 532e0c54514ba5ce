// What a PostgreSQL server stopped by SIGKILL (the kill fault, a failover's fence, a stop whose
// grace ran out, a test's teardown; not a dead harness's, whose servers get SIGQUIT) leaves
// outside its data folder: its System V segment, the
// small interlock beside the anonymous main segment, stays until someone removes it. A server
// started later on the same folder would; a run's or a test's folder is never started again, so
// every killed server kept one, and a machine has a few thousand at most (kernel.shmmni).
// (Dynamic shared memory is kept inside the data folder instead: clusterSettings' mmap.)
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** postmaster.pid's line of the segment's key and id (docs: "Creating a Database Cluster",
 * the file's layout in pidfile.h): 1-based line 7. */
const SHMEM_LINE = 6;

/** The id of the System V segment a server that did not shut down cleanly left (a clean shutdown
 * removes postmaster.pid), or undefined. */
export function leftSegmentId(dataDir: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(join(dataDir, "postmaster.pid"), "utf8");
  } catch {
    return undefined;
  }
  const id = text.split("\n")[SHMEM_LINE]?.trim().split(/\s+/)[1];
  return id !== undefined && /^\d+$/.test(id) ? Number(id) : undefined;
}

/** The ids of the machine's System V shared memory segments. */
export function sharedSegmentIds(): number[] {
  return readFileSync("/proc/sysvipc/shm", "utf8")
    .split("\n")
    .slice(1)
    .map((line) => Number(line.trim().split(/\s+/)[1]))
    .filter(Number.isInteger);
}

/** Removes the segment a stopped server of `dataDir` left, if any (once its processes are gone:
 * a segment still attached is only marked, and goes with its last process). */
export function releaseSharedMemory(dataDir: string): void {
  const id = leftSegmentId(dataDir);
  if (id !== undefined) spawnSync("ipcrm", ["-m", String(id)], { stdio: "ignore" });
}
