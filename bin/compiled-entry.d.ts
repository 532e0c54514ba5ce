// The types of compiled-entry.js, for the TypeScript that imports it (the benchmarks, the explore
// workers' launcher).

/** The compiled form of `entry` (a path from `root`, the checkout), built first when stale. */
export function compiledEntry(entry: string, root?: string): Promise<string>;

/** Imports `entry` compiled. */
export function importCompiled(entry: string): Promise<void>;
