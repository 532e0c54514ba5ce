// A suite's folder in the store: `<store>/<suite>/<timestamp>/` holds summary.json, junit.xml,
// summary.md, index.html and one folder per cell (its runs, one per seed); `<store>/<suite>/latest`
// points at the newest (a relative symlink, replaced atomically). Writing the four files is one
// call, so a run, a merge and a rewrite produce the same set.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { UsageError } from "../cli-error.js";
import { pointLatest, runTimestamp } from "../store/run-store.js";
import { junitXml } from "./junit-xml.js";
import { suiteIndexPage } from "./suite-index.js";
import { SUMMARY_FORMAT, type SuiteSummary } from "./suite-summary.js";
import { summaryMarkdown } from "./summary-markdown.js";

export const SUITE_FILES = {
  summary: "summary.json",
  junit: "junit.xml",
  markdown: "summary.md",
  index: "index.html",
} as const;

/** Creates `<store>/<suite>/<timestamp>/` and points `<store>/<suite>/latest` at it. */
export function createSuiteDir(storeDir: string, suite: string, now: Date = new Date()): string {
  const parent = join(storeDir, suite);
  let dir = join(parent, runTimestamp(now));
  for (let n = 2; existsSync(dir); n++) dir = join(parent, `${runTimestamp(now)}-${n}`);
  mkdirSync(dir, { recursive: true });
  pointLatest(parent, dir);
  return dir;
}

export async function writeSuiteFiles(dir: string, summary: SuiteSummary): Promise<void> {
  const template = await readFile(new URL("./suite-index.html", import.meta.url), "utf8");
  await writeFile(join(dir, SUITE_FILES.summary), `${JSON.stringify(summary, null, 2)}\n`);
  await writeFile(join(dir, SUITE_FILES.junit), junitXml(summary));
  await writeFile(join(dir, SUITE_FILES.markdown), summaryMarkdown(summary));
  await writeFile(join(dir, SUITE_FILES.index), suiteIndexPage(template, summary));
}

/** A suite folder's summary.json, or a UsageError naming what is wrong with it. */
export function readSuiteSummary(dir: string): SuiteSummary {
  const path = join(dir, SUITE_FILES.summary);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : err);
    throw new UsageError(`cannot read the suite summary ${path}: ${why}`);
  }
  const summary = value as Partial<SuiteSummary> | null;
  if (summary?.format !== SUMMARY_FORMAT || !Array.isArray(summary.cells)) {
    throw new UsageError(
      `${path}: not a faultline suite summary (format ${JSON.stringify(summary?.format)}, expected ${SUMMARY_FORMAT})`,
    );
  }
  return summary as SuiteSummary;
}
