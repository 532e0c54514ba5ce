// The store: the one module that knows the layout of a run folder and of the store around it.
// Every run gets `<store>/<test-name>/<timestamp>/` (test.json, history.jsonl, results.json,
// report.html, nodes/<id>.log and .dump.json, data/<id>/); `<store>/latest` is a relative
// symlink to the newest run, replaced atomically so a reader never sees it missing. A run folder
// is created with an exclusive mkdir, so two runs started in the same millisecond get two.
import { mkdirSync, renameSync, rmSync, symlinkSync } from "node:fs";
import { join, relative } from "node:path";
import { UsageError } from "../cli-error.js";

/** The names of a run folder's files. */
export const RUN_FILES = {
  test: "test.json",
  history: "history.jsonl",
  results: "results.json",
  report: "report.html",
} as const;

/** The files and folders of one run folder. */
export function runPaths(runDir: string) {
  return {
    runDir,
    test: join(runDir, RUN_FILES.test),
    history: join(runDir, RUN_FILES.history),
    results: join(runDir, RUN_FILES.results),
    report: join(runDir, RUN_FILES.report),
    nodesDir: join(runDir, "nodes"),
    nodeLog: (node: string) => join(runDir, "nodes", `${node}.log`),
    nodeDump: (node: string) => join(runDir, "nodes", `${node}.dump.json`),
    dataDir: (node: string) => join(runDir, "data", node),
  };
}

export type RunPaths = ReturnType<typeof runPaths>;

/** 20261127T145301.123Z: sortable, and a valid folder name everywhere. */
export function runTimestamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, "");
}

/** A test file kept in the store beside its runs (the shrinker's): <store>/<test-name>/test.yaml. */
export function storedTestPath(storeDir: string, testName: string): string {
  return join(storeDir, testName, "test.yaml");
}

/** The link to the newest run. */
export function latestLink(storeDir: string): string {
  return join(storeDir, "latest");
}

/** Creates the run's folder (and nodes/) and points `latest` at it; returns its paths. A store
 * that cannot take it (read-only, a file, a name too long) is the user's to fix: a UsageError. */
export function createRunDir(storeDir: string, testName: string, now: Date = new Date()): RunPaths {
  const testDir = join(storeDir, testName);
  const stamp = runTimestamp(now);
  try {
    mkdirSync(testDir, { recursive: true });
    let runDir = join(testDir, stamp);
    for (let n = 2; !makeDir(runDir); n++) runDir = join(testDir, `${stamp}-${n}`);
    const paths = runPaths(runDir);
    mkdirSync(paths.nodesDir);
    pointLatest(storeDir, runDir);
    return paths;
  } catch (err) {
    throw storeError(err, storeDir);
  }
}

/** An exclusive mkdir: false when the folder already exists. */
function makeDir(path: string): boolean {
  try {
    mkdirSync(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
}

/** Points `<parent>/latest` at `target` (a relative symlink, replaced atomically): the store's
 * newest run, or a suite's newest night. */
export function pointLatest(parent: string, target: string): void {
  const latest = latestLink(parent);
  const temporary = `${latest}.${process.pid}.tmp`;
  rmSync(temporary, { force: true });
  symlinkSync(relative(parent, target), temporary);
  renameSync(temporary, latest);
}

const STORE_ERRORS: Record<string, string> = {
  EROFS: "is on a read-only file system",
  EACCES: "is not writable by this user",
  EPERM: "is not writable by this user",
  ENOTDIR: "is (or is inside) a file, not a folder",
  EEXIST: "is (or is inside) a file, not a folder",
  ENAMETOOLONG: "makes a path too long for the file system (shorten the test name or the store)",
  ENOSPC: "is on a full file system",
  EDQUOT: "is over its disk quota",
};

function storeError(err: unknown, storeDir: string): Error {
  const code = (err as NodeJS.ErrnoException).code ?? "";
  const why = STORE_ERRORS[code];
  if (why === undefined) return err as Error;
  return new UsageError(
    `the store ${JSON.stringify(storeDir)} ${why} (${code}); choose another with --store`,
  );
}
