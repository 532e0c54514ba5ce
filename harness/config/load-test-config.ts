// Loads a test: the YAML file (if any), then the flags over it, validated once — the top level,
// then each named section (system, workload) by its registered schema, then the combinations —
// into the frozen TestConfig. Every problem becomes one UsageError (exit 254) whose lines name the
// field, the value, what is allowed and where: the YAML line:column, or the flag that set it. Only
// the first few problems are spelled out (with a count of the rest), so a file with thousands of
// bad keys is reported in linear time. Environment variables are read here and nowhere else
// (FAULTLINE_STORE, the store's default).
import { randomInt } from "node:crypto";
import { basename, extname } from "node:path";
import { type Document, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import type { z } from "zod";
import { type ConfigProblem, objectShape, unwrapSchema } from "../../systems/options-schema.js";
import { UsageError } from "../cli-error.js";
import { type ConfigFlag, flagFor, flagName, flagValue } from "./config-flags.js";
import {
  NAMED_SECTIONS,
  named,
  type ParsedTest,
  resolve,
  SEED_MAX,
  type TestConfig,
  testFileSchema,
} from "./test-config.js";

export interface TestSource {
  /** The test file: its name (for messages and the default test name) and text. */
  file?: { path: string; text: string };
  /** Flags given on the command line, with their raw strings. */
  flags?: ReadonlyMap<ConfigFlag, string>;
  /** The environment (process.env by default). */
  env?: Readonly<Record<string, string | undefined>>;
}

type Path = readonly (string | number)[];

/** How many problems a failed load spells out; the rest are counted. */
const PROBLEMS_SHOWN = 8;
/** A value echoed in a message is cut to this many characters. */
const VALUE_CHARS_MAX = 60;
/** YAML aliases a file may expand (a "billion laughs" file expands millions). */
const ALIASES_MAX = 100;

/** Keys of the first versions' flat test files, and where each lives now. */
const MOVED: Record<string, string> = {
  build: "system.build",
  strategy: "system.strategy",
  nodes: "system.nodes",
  node: "system (fsync, acks, w, r, readRepair, antiEntropy, requestTimeout are system keys)",
  keys: "workload.keys",
  itemsPerKey: "workload.itemsPerKey",
  concurrency: "clients.concurrency",
  rate: "clients.rate",
  opTimeout: "clients.opTimeout",
  consistency: "checkers.consistency",
  "nemesis.partitionShapes": "nemesis.partition.shapes",
  "nemesis.linkFault": "nemesis.partition.linkFault",
  "nemesis.clockSkewMax": "nemesis.clock.skewMax",
};

interface Problem {
  path: Path;
  message: string;
  /** The problem is the key itself (unknown, moved), not its value. */
  key?: boolean;
}

export function loadTestConfig(source: TestSource): TestConfig {
  const env = source.env ?? process.env;
  const file = source.file;
  const lineCounter = new LineCounter();
  const doc = file === undefined ? undefined : readYaml(file, lineCounter);
  const raw = expandShorthands(doc === undefined ? {} : toObject(doc, file!));
  const given = new Set<ConfigFlag>();
  for (const [flag, text] of source.flags ?? []) {
    given.add(flag);
    setPath(raw, flag.path, flagValue(flag, text));
  }
  if (raw.store === undefined && env.FAULTLINE_STORE) raw.store = env.FAULTLINE_STORE;

  const where = (path: Path, key: boolean): string => {
    const flag = flagFor(path, given);
    if (flag !== undefined) return flagName(flag);
    if (doc === undefined || file === undefined) return "";
    const offset = locate(doc.contents, path, key)?.range?.[0];
    if (offset === undefined) return file.path;
    const pos = lineCounter.linePos(offset);
    return `${file.path}:${pos.line}:${pos.col}`;
  };
  const fail = (problems: readonly Problem[]): never => {
    const lines = problems.slice(0, PROBLEMS_SHOWN).map((p) => {
      const field = p.path.length === 0 ? "(test)" : p.path.join(".");
      const value = p.key ? "" : ` = ${describe(getPath(raw, p.path))}`;
      const at = where(p.path, p.key === true);
      return `${at === "" ? "" : `${at}: `}${field}${value}: ${p.message}`;
    });
    if (problems.length > PROBLEMS_SHOWN)
      lines.push(`… and ${problems.length - PROBLEMS_SHOWN} more problems`);
    throw new UsageError(lines.join("\n"));
  };

  const moved = movedKeys(raw);
  if (moved.length > 0) return fail(moved);
  const parsed = parseSections(raw);
  if (!parsed.ok) return fail(parsed.problems);
  const seed = parsed.test.seed ?? randomInt(SEED_MAX);
  const defaultName = file === undefined ? undefined : basename(file.path, extname(file.path));
  const { config, problems } = resolve(parsed.test, seed, defaultName);
  if (problems.length > 0) return fail(problems);
  return config;
}

function readYaml(file: { path: string; text: string }, lineCounter: LineCounter): Document {
  // The parser's own duplicate-key check is quadratic in a map's size: ours is linear.
  const doc = parseDocument(file.text, { lineCounter, prettyErrors: true, uniqueKeys: false });
  const [error] = doc.errors;
  if (error !== undefined) {
    const pos = error.linePos?.[0];
    const where = pos === undefined ? file.path : `${file.path}:${pos.line}:${pos.col}`;
    const message = error.message.split("\n")[0]?.replace(/ at line \d+, column \d+:?$/, "");
    throw new UsageError(`${where}: malformed YAML: ${message}`);
  }
  const duplicate = firstDuplicateKey(doc.contents);
  if (duplicate !== undefined) {
    const pos = lineCounter.linePos(duplicate.range?.[0] ?? 0);
    const key = describe((duplicate as { value?: unknown }).value);
    throw new UsageError(
      `${file.path}:${pos.line}:${pos.col}: malformed YAML: the key ${key} appears twice`,
    );
  }
  return doc;
}

/** The second occurrence of a key in any map of the document, if any. */
function firstDuplicateKey(root: unknown): Node | undefined {
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const node = pending.pop();
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        if (seen.has(key)) return pair.key as Node;
        seen.add(key);
        pending.push(pair.value);
      }
    } else if (isSeq(node)) {
      pending.push(...node.items);
    }
  }
  return undefined;
}

function toObject(doc: Document, file: { path: string }): Record<string, unknown> {
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: ALIASES_MAX });
  } catch (err) {
    throw new UsageError(
      `${file.path}: the YAML cannot be expanded: ${err instanceof Error ? err.message : String(err)} ` +
        `(at most ${ALIASES_MAX} alias expansions)`,
    );
  }
  value ??= {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new UsageError(
      `${file.path}:1:1: a test file is a mapping of keys (name, system, workload, nemesis …), got ${describe(value)}`,
    );
  }
  return value as Record<string, unknown>;
}

/** Shorthands become objects, so a flag (or a suite's fragment) can set a key inside them:
 * `nemesis: partition,kill` → {kinds: [partition, kill]}, `system: memory` → {name: memory}. */
export function expandShorthands(input: Record<string, unknown>): Record<string, unknown> {
  const raw = { ...input };
  const { nemesis } = raw;
  if (nemesis === "none" || nemesis === null) raw.nemesis = { kinds: [] };
  else if (typeof nemesis === "string")
    raw.nemesis = { kinds: nemesis.split(",").map((s) => s.trim()) };
  else if (Array.isArray(nemesis)) raw.nemesis = { kinds: nemesis };
  for (const section of ["system", "runtime", "workload"]) {
    if (typeof raw[section] === "string") raw[section] = { name: raw[section] };
  }
  if (Array.isArray(raw.checkers)) raw.checkers = { names: raw.checkers };
  return raw;
}

function movedKeys(raw: Record<string, unknown>): Problem[] {
  return Object.entries(MOVED)
    .filter(([from]) => getPath(raw, from.split(".")) !== undefined)
    .map(([from, to]) => ({
      path: from.split("."),
      message: `this key moved: it is ${to} now`,
      key: true,
    }));
}

/** The top level by its schema, then each named section by its registered schema. */
function parseSections(
  raw: Record<string, unknown>,
): { ok: true; test: ParsedTest } | { ok: false; problems: Problem[] } {
  const top = testFileSchema.safeParse(raw);
  const problems = top.success ? [] : issuesOf(top.error, [], testFileSchema);
  const test = { ...(top.success ? top.data : raw) } as ParsedTest;
  for (const [section, { registry, fallback }] of Object.entries(NAMED_SECTIONS)) {
    const value = named(fallback)(test[section as keyof typeof NAMED_SECTIONS]) as {
      name?: unknown;
    };
    // Unusable here: the top level says why.
    if (typeof value !== "object" || value === null || typeof value.name !== "string") continue;
    const entry = registry[value.name];
    if (entry === undefined) {
      problems.push({
        path: [section, "name"],
        message: `unknown ${section} (allowed: ${Object.keys(registry).join(", ")})`,
      });
      continue;
    }
    const parsed = entry.schema.safeParse(value);
    if (parsed.success) (test as Record<string, unknown>)[section] = parsed.data;
    else problems.push(...issuesOf(parsed.error, [section], entry.schema));
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, test };
}

function issuesOf(error: z.ZodError, prefix: Path, schema: z.ZodType): Problem[] {
  return error.issues.flatMap((issue): Problem[] => {
    const path = [...prefix, ...(issue.path as Path)];
    if (issue.code !== "unrecognized_keys") return [{ path, message: explain(issue) }];
    const allowed = allowedKeys(schema, issue.path as Path);
    return issue.keys.map((k) => ({
      path: [...path, k],
      message: `unknown key (allowed: ${allowed})`,
      key: true,
    }));
  });
}

/** What was wrong, with what is allowed, in words a user of the test file understands. */
export function explain(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return `expected ${issue.expected === "int" ? "an integer" : `a ${issue.expected}`}`;
    case "invalid_value":
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "too_small":
      return issue.origin === "array"
        ? `expected at least ${issue.minimum} entries`
        : `expected at least ${issue.minimum}`;
    case "too_big":
      return issue.origin === "string"
        ? `expected at most ${issue.maximum} characters`
        : `expected at most ${issue.maximum}`;
    default:
      return issue.message;
  }
}

function allowedKeys(schema: z.ZodType, path: Path): string {
  let current: z.ZodType | undefined = schema;
  for (const segment of path) {
    current = typeof segment === "string" ? objectShape(current)?.[segment] : undefined;
    if (current === undefined) return "?";
  }
  const shape = objectShape(unwrapSchema(current));
  return shape === undefined ? "?" : Object.keys(shape).join(", ");
}

/** The YAML node at a path (the key's node for `key`), or the deepest one that exists on the way. */
export function locate(root: unknown, path: Path, key: boolean): Node | undefined {
  let node = root as Node | undefined;
  for (const [i, segment] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === segment);
      if (pair === undefined) return node;
      if (key && i === path.length - 1) return pair.key as Node;
      node = (pair.value ?? pair.key) as Node;
    } else if (isSeq(node) && typeof segment === "number") {
      const item = node.items[segment] as Node | undefined;
      if (item === undefined) return node;
      node = item;
    } else if (isSeq(node)) {
      // A shorthand list stands for the section's list key (`checkers: [a]` is checkers.names).
    } else {
      return node;
    }
  }
  return node;
}

export function getPath(root: unknown, path: Path): unknown {
  let value = root;
  for (const segment of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<string | number, unknown>)[segment];
  }
  return value;
}

function setPath(root: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let target = root;
  for (const segment of path.slice(0, -1)) {
    const next = target[segment];
    if (typeof next !== "object" || next === null || Array.isArray(next)) target[segment] = {};
    target = target[segment] as Record<string, unknown>;
  }
  target[path[path.length - 1]!] = value;
}

/** A value for a message: JSON, cut short; non-finite numbers by name (JSON says null). */
export function describe(value: unknown): string {
  if (value === undefined) return "(missing)";
  const text =
    typeof value === "number" && !Number.isFinite(value) ? String(value) : JSON.stringify(value);
  return text.length > VALUE_CHARS_MAX ? `${text.slice(0, VALUE_CHARS_MAX - 3)}...` : text;
}

export type { ConfigProblem };
