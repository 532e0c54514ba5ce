// What a PostgreSQL server stopped by SIGKILL (the kill fault, a failover's fence, a stop whose
// grace ran out, a test's teardown; not a dead harness's, whose servers get SIGQUIT) leaves
// outside its data folder, named in the postmaster.pid it leaves too:
// - its System V segment, the small interlock beside the anonymous main segment, stays until
//   someone removes it. A server started later on the same folder would; a run's or a test's
//   folder is never started again, so every killed server kept one, and a machine has a few
//   thousand at most (kernel.shmmni). (Dynamic shared memory is kept inside the data folder
//   instead: clusterSettings' mmap.)
// - its unix socket and the socket's lock file, which nothing listens on any more.
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { isAbsolute, join } from "node:path";

/** postmaster.pid's lines (0-based; docs: "Creating a Database Cluster", the file's layout in
 * pidfile.h): the port, the first socket folder, the segment's key and id. */
const PORT_LINE = 3;
const SOCKET_DIR_LINE = 4;
const SHMEM_LINE = 6;

/** postmaster.pid's lines: a server that did not shut down cleanly left it (a clean shutdown
 * removes it), or undefined. */
function pidFileLines(dataDir: string): string[] | undefined {
  try {
    return readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n");
  } catch {
    return undefined;
  }
}

/** The id of the System V segment a server that did not shut down cleanly left, or undefined. */
export function leftSegmentId(dataDir: string): number | undefined {
  return segmentIdOf(pidFileLines(dataDir));
}

/** The unix socket and its lock file that a server which did not shut down cleanly left ([]
 * when it listened on none). */
export function leftSocketFiles(dataDir: string): string[] {
  return socketFilesOf(pidFileLines(dataDir));
}

function segmentIdOf(lines: string[] | undefined): number | undefined {
  const id = lines?.[SHMEM_LINE]?.trim().split(/\s+/)[1];
  return id !== undefined && /^\d+$/.test(id) ? Number(id) : undefined;
}

function socketFilesOf(lines: string[] | undefined): string[] {
  const port = lines?.[PORT_LINE]?.trim();
  const dir = lines?.[SOCKET_DIR_LINE]?.trim();
  if (port === undefined || !/^\d+$/.test(port) || dir === undefined || !isAbsolute(dir)) return [];
  const socket = join(dir, `.s.PGSQL.${port}`);
  return [socket, `${socket}.lock`];
}

/** The ids of the machine's System V shared memory segments. */
export function sharedSegmentIds(): number[] {
  return readFileSync("/proc/sysvipc/shm", "utf8")
    .split("\n")
    .slice(1)
    .map((line) => Number(line.trim().split(/\s+/)[1]))
    .filter(Number.isInteger);
}

/** Removes what a stopped server of `dataDir` left, if anything: its segment and its socket
 * files. Only once its processes are gone: a segment still attached is only marked, and goes
 * with its last process. postmaster.pid itself stays, as the server's record of its end. */
export function releaseLeftovers(dataDir: string): void {
  const lines = pidFileLines(dataDir);
  const id = segmentIdOf(lines);
  if (id !== undefined) spawnSync("ipcrm", ["-m", String(id)], { stdio: "ignore" });
  for (const file of socketFilesOf(lines)) rmSync(file, { force: true });
}
