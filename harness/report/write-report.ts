// Writes a run's report.html: reads what the run directory holds (test.json, results.json, and
// history.jsonl through a file scan that keeps columns, never the ops) unless the caller has it in
// hand, computes the report's data, renders the page and replaces report.html atomically.
// `faultline run` and `check` call it after the checkers, with the ops in hand; `faultline report`
// calls it alone. Bad input (no such directory, no history) is a UsageError.
import { readdir, readFile, realpath, rename, stat, writeFile } from "node:fs/promises";
import { basename, dirname, relative } from "node:path";
import type { History } from "../../checkers/history.js";
import { UsageError } from "../cli-error.js";
import type { TestConfig } from "../config/test-config.js";
import { readTestJson } from "../config/test-file.js";
import { runPaths } from "../store/run-store.js";
import { type FileScan, scanHistoryFile } from "./history-file-scan.js";
import { renderReport } from "./render-report.js";
import { loadReportAssets } from "./report-assets.js";
import { reportData, type StoredResults } from "./report-data.js";

export interface StoredRun {
  test: TestConfig;
  history: History;
  results: StoredResults;
}

async function readText(path: string, what: string, hint = ""): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new UsageError(`cannot read ${what} ${path}: ${code}${hint}`);
  }
}

async function readJson(path: string, what: string, hint = ""): Promise<unknown> {
  const text = await readText(path, what, hint);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${path}: not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
}

/** The stored run in `runDir`, checked enough to report on: a UsageError names what is missing.
 * Dispose of its scan to close the history. */
async function readStoredRun(
  runDir: string,
): Promise<Omit<StoredRun, "history"> & { scan: FileScan }> {
  const info = await stat(runDir).catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`no run directory ${runDir}: ${err.code ?? err.message}`);
  });
  if (!info.isDirectory()) throw new UsageError(`${runDir} is not a run directory (a file)`);
  const paths = runPaths(runDir);
  const test = readTestJson(paths.test, await readText(paths.test, "the test"));
  const historyPath = paths.history;
  let scan: FileScan;
  try {
    scan = await scanHistoryFile(historyPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== undefined) throw new UsageError(`cannot read the history ${historyPath}: ${code}`);
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  try {
    if (scan.length === 0) throw new UsageError(`${historyPath} is empty: the run recorded no op`);
    const results = (await readJson(
      paths.results,
      "the checkers' results",
      ` (run \`faultline check ${runDir}\` to check the run first)`,
    )) as StoredResults;
    if (typeof results !== "object" || results === null || typeof results.results !== "object") {
      throw new UsageError(`${paths.results}: not a faultline result (no results)`);
    }
    return { test, scan, results };
  } catch (err) {
    await scan[Symbol.asyncDispose]();
    throw err;
  }
}

/** The run's files worth linking: its top-level files and those in nodes/, relative paths. */
async function runFiles(runDir: string): Promise<string[]> {
  const paths = runPaths(runDir);
  const files: string[] = [];
  for (const entry of await readdir(runDir, { withFileTypes: true })) {
    if (entry.isFile() && entry.name !== basename(paths.report) && !entry.name.endsWith(".tmp"))
      files.push(entry.name);
  }
  const nodes = await readdir(paths.nodesDir, { withFileTypes: true }).catch(() => []);
  for (const entry of nodes)
    if (entry.isFile()) files.push(relative(runDir, `${paths.nodesDir}/${entry.name}`));
  return files;
}

/** Writes `<runDir>/report.html` and returns its path. */
export async function writeReport(runDir: string, run?: StoredRun): Promise<string> {
  const page = run === undefined ? await storedPage(runDir) : await pageOf(runDir, run);
  const path = runPaths(runDir).report;
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, page);
  await rename(temporary, path);
  return path;
}

/** The page of the run in `runDir`, its history scanned from the file. */
async function storedPage(runDir: string): Promise<string> {
  const stored = await readStoredRun(runDir);
  await using _history = stored.scan;
  return await pageOf(runDir, stored); // Before the scan's file closes.
}

async function pageOf(
  runDir: string,
  run: Omit<StoredRun, "history"> & ({ history: History } | { scan: FileScan }),
): Promise<string> {
  const real = await realpath(runDir);
  const data = reportData({
    ...run,
    runName: `${basename(dirname(real))}/${basename(real)}`,
    files: await runFiles(runDir),
  });
  return renderReport(data, await loadReportAssets());
}

/** writeReport for the end of a check: a report that cannot be written is a warning on stderr,
 * never a lost verdict. */
export async function writeReportOrWarn(
  runDir: string,
  run: StoredRun,
): Promise<string | undefined> {
  try {
    return await writeReport(runDir, run);
  } catch (err) {
    console.error(
      `warning: ${runPaths(runDir).report} not written: ${err instanceof Error ? err.message : String(err)}`,
    );
    return undefined;
  }
}
