// The store: every run gets `<store>/<test-name>/<timestamp>/` (with a nodes/ folder for node
// logs and dumps), and `<store>/latest` is a relative symlink to the newest run, replaced
// atomically so a reader never sees it missing.
import { existsSync, mkdirSync, renameSync, rmSync, symlinkSync } from "node:fs";
import { join, relative } from "node:path";

/** 20261127T145301.123Z: sortable, and a valid folder name everywhere. */
export function runTimestamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, "");
}

/** Creates the run's folder and points `latest` at it; returns its path. */
export function createRunDir(storeDir: string, testName: string, now: Date = new Date()): string {
  let runDir = join(storeDir, testName, runTimestamp(now));
  // Two runs in the same millisecond (tests) get distinct folders.
  for (let n = 2; existsSync(runDir); n++)
    runDir = join(storeDir, testName, `${runTimestamp(now)}-${n}`);
  mkdirSync(join(runDir, "nodes"), { recursive: true });
  pointLatest(storeDir, runDir);
  return runDir;
}

/** Points `<parent>/latest` at `target` (a relative symlink, replaced atomically). */
export function pointLatest(parent: string, target: string): void {
  const latest = join(parent, "latest");
  const temporary = `${latest}.${process.pid}.tmp`;
  rmSync(temporary, { force: true });
  symlinkSync(relative(parent, target), temporary);
  renameSync(temporary, latest);
}
