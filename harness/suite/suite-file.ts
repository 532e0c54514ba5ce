// The suite file (`faultline suite suites/x.yaml`): a base test and axes whose product gives the
// cells, each axis value a test-file fragment (the YAML shape of a test) with its expectations,
// plus the seeds every cell runs with. Validated once at the edge into a frozen Suite: an unknown
// key, a wrong type, an empty axis or a bad expectation is a UsageError (exit 254) naming the
// field, the value, what is allowed and the file's line:column. The fragments themselves are
// judged per cell by the test loader (suite-cells.ts), which knows the test file's shape.
import { createHash } from "node:crypto";
import { basename, extname } from "node:path";
import { isMap, LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import { checkers } from "../../checkers/checkers.js";
import { UsageError } from "../cli-error.js";
import { describe, explain, getPath, locate } from "../config/load-test-config.js";
import { deepFreeze } from "../config/test-config.js";
import {
  CHECKER_EXPECTATIONS,
  type CheckerExpectation,
  REQUIREMENT_EXPECTATIONS,
  type RequirementExpectation,
} from "./expectations.js";
import {
  REQUIREMENT_VALUES,
  REQUIREMENTS,
  type Requirement,
  type RequirementValue,
} from "./requirements.js";

export type Path = readonly (string | number)[];

export interface Expectations {
  checkers: Readonly<Record<string, CheckerExpectation>>;
  requirements: Readonly<Partial<Record<Requirement, RequirementExpectation>>>;
  /** The seed's table, where our store is expected to measure otherwise (shown beside). */
  seedTable: Readonly<Partial<Record<Requirement, RequirementValue>>>;
  /** Why it differs (the evidence is in the docs). */
  notes: readonly string[];
}

export interface AxisValue {
  /** Names the cell's part in its id and folder ("single-node-lww"). */
  name: string;
  /** Shown in tables (the name unless the file gives one). */
  label: string;
  /** A test-file fragment, merged over the base and the axes before it. */
  test: Readonly<Record<string, unknown>>;
  expect: Expectations;
  /** Where the value sits in the suite file (for messages). */
  at: Path;
}

export interface Axis {
  name: string;
  values: readonly AxisValue[];
}

export interface Suite {
  path: string;
  name: string;
  description?: string;
  /** sha256 of the file's text: the shards of one suite and the trends match on it. */
  hash: string;
  base: Readonly<Record<string, unknown>>;
  axes: readonly Axis[];
  /** Each cell runs once per seed; undefined: once, with the test's seed (or a random one). */
  seeds?: readonly number[];
  expect: Expectations;
  /** "suites/x.yaml:12:5" for a path in the suite file (the deepest part of it that exists;
   * with `key`, the key's position rather than its value's). */
  where(path: Path, key?: boolean): string;
}

const SLUG = /^[A-Za-z][A-Za-z0-9_-]*$/;
const slug = z.string().regex(SLUG, "expected a letter, then letters, digits, '_' or '-'");
const seed = z
  .number()
  .int()
  .min(0)
  .max(2 ** 31 - 1);
const testFragment = z.record(z.string(), z.unknown());

const expectShape = {
  ...Object.fromEntries(
    Object.keys(checkers).map((name) => [name, z.enum(CHECKER_EXPECTATIONS).optional()]),
  ),
  ...Object.fromEntries(REQUIREMENTS.map((r) => [r, z.enum(REQUIREMENT_EXPECTATIONS).optional()])),
} as Record<string, z.ZodOptional<z.ZodEnum<Record<string, string>>>>;
const expectSchema = z.strictObject(expectShape);

const seedTableSchema = z.strictObject(
  Object.fromEntries(REQUIREMENTS.map((r) => [r, z.enum(REQUIREMENT_VALUES).optional()])),
);

const axisValueSchema = z.strictObject({
  name: slug,
  label: z.string().min(1).optional(),
  test: testFragment.optional(),
  expect: expectSchema.optional(),
  seedTable: seedTableSchema.optional(),
  note: z.string().min(1).optional(),
});

const suiteSchema = z.strictObject({
  name: slug.optional(),
  description: z.string().optional(),
  base: testFragment.optional(),
  axes: z.record(slug, z.array(axisValueSchema).min(1)).optional(),
  seeds: z.array(seed).min(1).optional(),
  expect: expectSchema.optional(),
});

/** The keys allowed where an unknown one was found. */
function allowedKeys(path: Path): string {
  const last = path[path.length - 1];
  if (last === "expect") return Object.keys(expectShape).join(", ");
  if (last === "seedTable") return REQUIREMENTS.join(", ");
  if (path[0] === "axes" && path.length === 3) return Object.keys(axisValueSchema.shape).join(", ");
  return Object.keys(suiteSchema.shape).join(", ");
}

export function loadSuite(file: { path: string; text: string }): Suite {
  const lineCounter = new LineCounter();
  const doc = parseDocument(file.text, { lineCounter, prettyErrors: true });
  const [yamlError] = doc.errors;
  if (yamlError !== undefined) {
    const pos = yamlError.linePos?.[0];
    const at = pos === undefined ? file.path : `${file.path}:${pos.line}:${pos.col}`;
    throw new UsageError(`${at}: malformed YAML: ${yamlError.message.split("\n")[0]}`);
  }
  const where = (path: Path, key = false): string => {
    const offset = locate(doc.contents, path, key)?.range?.[0];
    if (offset === undefined) return file.path;
    const pos = lineCounter.linePos(offset);
    return `${file.path}:${pos.line}:${pos.col}`;
  };
  const raw: unknown = doc.toJS() ?? {};
  if (!isMap(doc.contents) && Object.keys(raw as object).length > 0) {
    throw new UsageError(
      `${file.path}:1:1: a suite file is a mapping (name, base, axes, seeds, expect), got ${describe(raw)}`,
    );
  }
  const parsed = suiteSchema.safeParse(raw);
  if (!parsed.success) {
    const problem = (path: Path, message: string, key: boolean) => {
      const field = path.length === 0 ? "(suite)" : path.join(".");
      const value = key ? "" : ` = ${describe(getPath(raw, path))}`;
      return `${where(path, key)}: ${field}${value}: ${message}`;
    };
    const lines = parsed.error.issues.flatMap((issue) => {
      const path = issue.path as Path;
      return issue.code === "unrecognized_keys"
        ? issue.keys.map((k) =>
            problem([...path, k], `unknown key (allowed: ${allowedKeys(path)})`, true),
          )
        : [problem(path, explain(issue), false)];
    });
    throw new UsageError(lines.join("\n"));
  }
  const data = parsed.data;
  const axes = Object.entries(data.axes ?? {}).map(([name, values]) => ({
    name,
    values: values.map((value, i) => ({
      name: value.name,
      label: value.label ?? value.name,
      test: value.test ?? {},
      expect: expectations(value.expect, value.seedTable, value.note),
      at: ["axes", name, i] as Path,
    })),
  }));
  for (const axis of axes) {
    const seen = new Set<string>();
    for (const value of axis.values) {
      if (seen.has(value.name)) {
        throw new UsageError(
          `${where([...value.at, "name"])}: axes.${axis.name}: the value name "${value.name}" is used twice (each names a cell)`,
        );
      }
      seen.add(value.name);
    }
  }
  return deepFreeze({
    path: file.path,
    name: data.name ?? basename(file.path, extname(file.path)),
    ...(data.description !== undefined && { description: data.description }),
    hash: createHash("sha256").update(file.text).digest("hex"),
    base: data.base ?? {},
    axes,
    ...(data.seeds !== undefined && { seeds: data.seeds }),
    expect: expectations(data.expect),
    where,
  });
}

function expectations(
  raw: Record<string, string | undefined> | undefined,
  seedTable: Record<string, string | undefined> = {},
  note?: string,
): Expectations {
  const checkerExpectations: Record<string, CheckerExpectation> = {};
  const requirements: Partial<Record<Requirement, RequirementExpectation>> = {};
  for (const [name, value] of Object.entries(raw ?? {})) {
    if (value === undefined) continue;
    if ((REQUIREMENTS as readonly string[]).includes(name))
      requirements[name as Requirement] = value as RequirementExpectation;
    else checkerExpectations[name] = value as CheckerExpectation;
  }
  const seed = Object.fromEntries(Object.entries(seedTable).filter(([, v]) => v !== undefined));
  return {
    checkers: checkerExpectations,
    requirements,
    seedTable: seed as Expectations["seedTable"],
    notes: note === undefined ? [] : [note],
  };
}
