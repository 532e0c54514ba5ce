// A suite's cells: the base test × one value of every axis (in file order, the last axis varying
// fastest), each the deep merge of the base and its values' test fragments (objects merge key by
// key; anything else, lists included, is replaced; a section's shorthand such as
// "partition,kill" is its object first), with the expectations merged the same way over the suite's.
// Every cell is loaded by the test loader before anything runs, so a bad combination (w: 4 on
// 3 nodes) stops the suite at once (exit 254) naming the suite file's line:column of the value
// that set the field. `--shard I/N` keeps cells I, I+N, I+2N … (1-based): long and short cells
// spread over the shards alike.
import { randomInt } from "node:crypto";
import { stringify } from "yaml";
import { UsageError } from "../cli-error.js";
import { expandShorthands, loadTestConfig } from "../config/load-test-config.js";
import type { TestConfig } from "../config/test-config.js";
import type { AxisValue, Expectations, Path, Suite } from "./suite-file.js";

export interface Cell {
  /** 0-based position in the suite's expansion (the same in every shard). */
  index: number;
  /** The values' names joined by "."; names the cell's folder and test. */
  id: string;
  /** The values' labels joined by " / ". */
  label: string;
  /** Axis name → the value's label. */
  axes: Readonly<Record<string, string>>;
  /** The merged test-file object (its seed and store are set per run). */
  test: Readonly<Record<string, unknown>>;
  seeds: readonly number[];
  expect: Expectations;
  /** The fragments merged into it, base first, with where each sits in the suite file. */
  sources: readonly { at: Path; test: Readonly<Record<string, unknown>> }[];
}

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** A fragment with its sections' shorthands expanded ("partition,kill" → {kinds}, "memory" →
 * {name}), as the test loader reads them, so fragments merge key by key. */
const normalized = (fragment: Readonly<Json>): Json => expandShorthands(fragment);

export function deepMerge(base: Readonly<Json>, over: Readonly<Json>): Json {
  const merged: Json = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const under = merged[key];
    merged[key] = isObject(under) && isObject(value) ? deepMerge(under, value) : value;
  }
  return merged;
}

function mergeExpectations(under: Expectations, over: Expectations): Expectations {
  return {
    checkers: { ...under.checkers, ...over.checkers },
    requirements: { ...under.requirements, ...over.requirements },
    seedTable: { ...under.seedTable, ...over.seedTable },
    notes: [...under.notes, ...over.notes],
  };
}

/** Every cell of the suite; `randomSeed` picks the seed of a suite that names none, and `seeds`
 * (the --seeds flag) replaces the file's. */
export function expandCells(
  suite: Suite,
  randomSeed: () => number = defaultSeed,
  seeds: readonly number[] | undefined = suite.seeds,
): Cell[] {
  let combos: { axis: string; value: AxisValue }[][] = [[]];
  for (const axis of suite.axes) {
    combos = combos.flatMap((combo) =>
      axis.values.map((value) => [...combo, { axis: axis.name, value }]),
    );
  }
  return combos.map((combo, index) => {
    const values = combo.map((c) => c.value);
    const sources = [
      { at: ["base"] as Path, test: suite.base },
      ...values.map((v) => ({ at: [...v.at, "test"] as Path, test: v.test })),
    ];
    const test = sources.reduce<Json>((merged, s) => deepMerge(merged, normalized(s.test)), {});
    const expect = values.reduce((e, v) => mergeExpectations(e, v.expect), suite.expect);
    const ownSeed = typeof test.seed === "number" ? test.seed : undefined;
    return {
      index,
      id: combo.length === 0 ? suite.name : values.map((v) => v.name).join("."),
      label: combo.length === 0 ? suite.name : values.map((v) => v.label).join(" / "),
      axes: Object.fromEntries(combo.map((c) => [c.axis, c.value.label])),
      test,
      seeds: seeds ?? [ownSeed ?? randomSeed()],
      expect,
      sources,
    };
  });
}

function defaultSeed(): number {
  return randomInt(2 ** 31 - 1);
}

/** The cells of shard I of N. */
export function shardCells(cells: readonly Cell[], shard: Shard | undefined): Cell[] {
  if (shard === undefined) return [...cells];
  return cells.filter((cell) => cell.index % shard.count === shard.index - 1);
}

/** "2/4" → {index: 2, count: 4}. */
export function parseShard(text: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (match === null || count < 1 || index < 1 || index > count) {
    throw new UsageError(
      `--shard ${JSON.stringify(text)} must be I/N with 1 ≤ I ≤ N (e.g. 2/4: the second of four)`,
    );
  }
  return { index, count };
}

/** The cell's run as a test file, as `faultline run` would read it: the path names the suite
 * file and the cell (messages and the loader's default name), the text is its YAML. */
export function cellTestFile(
  suite: Suite,
  cell: Cell,
  seed: number,
  storeDir?: string,
): { path: string; text: string } {
  const test = {
    ...cell.test,
    name: cell.id,
    seed,
    ...(storeDir !== undefined && { store: storeDir }),
  };
  return { path: `${suite.path}#cell ${cell.index + 1}`, text: stringify(test) };
}

/** Loads every cell (every seed) as the runner will; the problems of all of them, each at the
 * suite file's line:column of the value that set the field, make one UsageError. */
export function validateCells(suite: Suite, cells: readonly Cell[]): Map<Cell, TestConfig[]> {
  const loaded = new Map<Cell, TestConfig[]>();
  const problems: string[] = [];
  for (const cell of cells) {
    try {
      loaded.set(
        cell,
        cell.seeds.map((seed) =>
          loadTestConfig({ file: cellTestFile(suite, cell, seed), env: {} }),
        ),
      );
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      problems.push(...err.message.split("\n").map((line) => locateProblem(suite, cell, line)));
    }
  }
  if (problems.length > 0) throw new UsageError([...new Set(problems)].join("\n"));
  return loaded;
}

/** A test loader's problem line for a cell, placed at the fragment that set its field. */
function locateProblem(suite: Suite, cell: Cell, line: string): string {
  const prefix = `${suite.path}#cell ${cell.index + 1}`;
  const match = new RegExp(`^${escapeRegExp(prefix)}(?::\\d+:\\d+)?: ([^\\s:=]+)(.*)$`).exec(line);
  const name = `cell ${cell.index + 1} (${cell.id})`;
  if (match === null) return `${suite.path}: ${name}: ${line}`;
  const field = match[1]!;
  const path: Path =
    field === "(test)" ? [] : field.split(".").map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  // The fragment that set the most of the field's path; the later one when two did alike.
  let source = cell.sources[cell.sources.length - 1]!;
  let deepest = 0;
  for (const s of [...cell.sources].reverse()) {
    const depth = depthIn(normalized(s.test), path);
    if (depth > deepest) [source, deepest] = [s, depth];
  }
  const key = match[2]!.startsWith(": unknown key");
  return `${suite.where([...source.at, ...path], key)}: ${name}: ${field}${match[2]}`;
}

/** How many leading segments of `path` exist in `root`. */
function depthIn(root: unknown, path: Path): number {
  let value = root;
  for (const [i, segment] of path.entries()) {
    if (typeof value !== "object" || value === null) return i;
    value = (value as Record<string | number, unknown>)[segment];
    if (value === undefined) return i;
  }
  return path.length;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
