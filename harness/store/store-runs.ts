// The store's runs as `faultline serve` lists them (store/<test>/<timestamp>/, each with its
// files as run-store.ts names them): the store module's listing, for serve and its index page.
// Each run's entry is read from its files once and kept until the run folder or its results.json
// changes (their mtimes are the cache key), so listing 500 runs costs a few hundred stats.
import type { Dirent } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Validity } from "../../checkers/checker.js";
import { startedAtOf } from "../report/report-data.js";
import { runPaths } from "./run-store.js";

export interface RunEntry {
  /** Relative to the store, with "/": "cart-leaderless-lww/20261127T152912.419Z". */
  path: string;
  test: string;
  startedAt?: string;
  /** "none" when the run has no results.json (interrupted, or still running). */
  verdict: Validity | "none";
  /** "leaderless / lww", "postgres": what ran, as far as test.json says. */
  system?: string;
  workload?: string;
  nemesis?: string;
  seed?: number;
  hasReport: boolean;
}

async function readJson(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    const value: unknown = JSON.parse(await readFile(path, "utf8"));
    return typeof value === "object" && value !== null
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const text = (value: unknown) => (typeof value === "string" ? value : undefined);
const section = (value: unknown) =>
  typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};

/** What ran: our node's build / strategy, or the system's name (a test.json of any shape). */
function systemOf(config: Record<string, unknown>): string | undefined {
  const system = section(config.system);
  const build = text(config.build) ?? text(system.build);
  const strategy = text(config.strategy) ?? text(system.strategy);
  if (build !== undefined || strategy !== undefined) return `${build ?? "?"} / ${strategy ?? "?"}`;
  return text(system.name) ?? text(config.system);
}

function nemesisOf(config: Record<string, unknown>): string | undefined {
  const kinds = section(config.nemesis).kinds;
  if (!Array.isArray(kinds)) return text(config.nemesis);
  return kinds.length === 0 ? "none" : kinds.join(",");
}

async function readEntry(dir: string, test: string, path: string): Promise<RunEntry | undefined> {
  const paths = runPaths(dir);
  const config = await readJson(paths.test);
  if (config === undefined) return undefined;
  const results = await readJson(paths.results);
  const startedAt = startedAtOf(path);
  const valid = results?.valid;
  return {
    path,
    test,
    ...(startedAt !== undefined && { startedAt }),
    verdict: valid === true || valid === false || valid === "unknown" ? valid : "none",
    system: systemOf(config),
    workload: text(config.workload) ?? text(section(config.workload).name),
    nemesis: nemesisOf(config),
    seed: typeof config.seed === "number" ? config.seed : undefined,
    hasReport: await stat(paths.report).then(
      (info) => info.isFile(),
      () => false,
    ),
  };
}

const mtimeOf = (path: string) =>
  stat(path).then(
    (info) => info.mtimeMs,
    () => -1,
  );

async function directories(dir: string): Promise<Dirent[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  // `latest` is a symlink: its run is listed under its test.
  return entries.filter((entry) => entry.isDirectory());
}

/** Lists a store's runs, newest first, re-reading only the runs that changed since last time. */
export class StoreRuns {
  private readonly cache = new Map<string, { key: string; entry: RunEntry | undefined }>();

  constructor(private readonly storeDir: string) {}

  async list(): Promise<RunEntry[]> {
    const seen = new Set<string>();
    const tests = await directories(this.storeDir);
    const folders = await Promise.all(
      tests.map((test) => directories(join(this.storeDir, test.name))),
    );
    const pending: Promise<RunEntry | undefined>[] = [];
    tests.forEach((test, t) => {
      for (const folder of folders[t]!) {
        const path = `${test.name}/${folder.name}`;
        seen.add(path);
        pending.push(this.entry(test.name, path));
      }
    });
    const runs = (await Promise.all(pending)).filter((run): run is RunEntry => run !== undefined);
    for (const path of this.cache.keys()) if (!seen.has(path)) this.cache.delete(path);
    return runs.sort(
      (a, b) =>
        (b.startedAt ?? "").localeCompare(a.startedAt ?? "") || b.path.localeCompare(a.path),
    );
  }

  private async entry(test: string, path: string): Promise<RunEntry | undefined> {
    const dir = join(this.storeDir, path);
    // A new file in the run changes the folder's mtime; results.json rewritten in place
    // (`faultline check`) changes its own.
    const [dirMs, resultsMs] = await Promise.all([mtimeOf(dir), mtimeOf(runPaths(dir).results)]);
    const key = `${dirMs}:${resultsMs}`;
    const cached = this.cache.get(path);
    if (cached?.key === key) return cached.entry;
    const entry = await readEntry(dir, test, path);
    this.cache.set(path, { key, entry });
    return entry;
  }
}

/** Every run of the store, newest first (no cache). */
export function listRuns(storeDir: string): Promise<RunEntry[]> {
  return new StoreRuns(storeDir).list();
}
