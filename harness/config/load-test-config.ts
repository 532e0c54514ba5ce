// Loads a test: the YAML file (if any), then the flags over it, validated once by the schema into
// the frozen TestConfig. Every problem becomes one UsageError (exit 254) whose lines name the
// field, the value, what is allowed and where: the YAML line:column, or the flag that set it.
// Environment variables are read here and nowhere else (FAULTLINE_STORE, the store's default).
import { randomInt } from "node:crypto";
import { basename, extname } from "node:path";
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import type { z } from "zod";
import { UsageError } from "../cli-error.js";
import { type ConfigFlag, flagFor, flagValue } from "./config-flags.js";
import { combinationProblems, resolve, type TestConfig, testFileSchema } from "./test-config.js";

export interface TestSource {
  /** The test file: its name (for messages and the default test name) and text. */
  file?: { path: string; text: string };
  /** Flags given on the command line, with their raw strings. */
  flags?: ReadonlyMap<ConfigFlag, string>;
  /** The environment (process.env by default). */
  env?: Readonly<Record<string, string | undefined>>;
}

type Path = readonly (string | number)[];

export function loadTestConfig(source: TestSource): TestConfig {
  const env = source.env ?? process.env;
  const file = source.file;
  const lineCounter = new LineCounter();
  const doc =
    file === undefined ? undefined : parseDocument(file.text, { lineCounter, prettyErrors: true });
  if (file !== undefined && doc !== undefined) {
    const [error] = doc.errors;
    if (error !== undefined) {
      const pos = error.linePos?.[0];
      const where = pos === undefined ? file.path : `${file.path}:${pos.line}:${pos.col}`;
      throw new UsageError(
        `${where}: malformed YAML: ${error.message.split("\n")[0]?.replace(/ at line \d+, column \d+:?$/, "")}`,
      );
    }
  }
  const fromFile: unknown = doc?.toJS() ?? {};
  if (typeof fromFile !== "object" || fromFile === null || Array.isArray(fromFile)) {
    throw new UsageError(
      `${file?.path}:1:1: a test file is a mapping of keys (name, build, strategy …), got ${describe(fromFile)}`,
    );
  }

  const raw = structuredClone(fromFile) as Record<string, unknown>;
  // A nemesis shorthand in the file ("partition,kill") becomes {kinds} so a flag can override it.
  if (
    raw.nemesis !== undefined &&
    (typeof raw.nemesis === "string" || Array.isArray(raw.nemesis))
  ) {
    raw.nemesis =
      raw.nemesis === "none"
        ? { kinds: [] }
        : {
            kinds:
              typeof raw.nemesis === "string"
                ? raw.nemesis.split(",").map((s) => s.trim())
                : raw.nemesis,
          };
  }
  const given = new Set<ConfigFlag>();
  for (const [flag, text] of source.flags ?? []) {
    given.add(flag);
    setPath(raw, flag.path, flagValue(flag, text));
  }
  if (raw.store === undefined && env.FAULTLINE_STORE) raw.store = env.FAULTLINE_STORE;

  const where = (path: Path, key = false): string => {
    const flag = flagFor(path, given);
    if (flag !== undefined) return `${flag.flags.split(" ")[0]}`;
    if (doc === undefined || file === undefined) return "";
    const node = locate(doc.contents, path, key);
    const offset = node?.range?.[0];
    if (offset === undefined) return file.path;
    const pos = lineCounter.linePos(offset);
    return `${file.path}:${pos.line}:${pos.col}`;
  };
  const problem = (path: Path, message: string, key = false) => {
    const field = path.length === 0 ? "(test)" : path.join(".");
    const value = key ? "" : ` = ${describe(getPath(raw, path))}`;
    const at = where(path, key);
    return `${at === "" ? "" : `${at}: `}${field}${value}: ${message}`;
  };

  const parsed = testFileSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.flatMap((issue) =>
      issue.code === "unrecognized_keys"
        ? issue.keys.map((k) =>
            problem(
              [...(issue.path as Path), k],
              `unknown key (allowed: ${allowedKeys(issue.path as Path)})`,
              true,
            ),
          )
        : [problem(issue.path as Path, explain(issue))],
    );
    throw new UsageError(lines.join("\n"));
  }
  const problems = combinationProblems(parsed.data);
  if (problems.length > 0)
    throw new UsageError(problems.map((p) => problem(p.path, p.message)).join("\n"));

  const seed = parsed.data.seed ?? randomInt(2 ** 31 - 1);
  const defaultName = file === undefined ? undefined : basename(file.path, extname(file.path));
  return resolve(parsed.data, seed, defaultName);
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
      return `expected at most ${issue.maximum}`;
    default:
      return issue.message;
  }
}

function allowedKeys(path: Path): string {
  let schema: z.ZodType = testFileSchema;
  for (const segment of path) {
    const inner = unwrap(schema);
    const shape = (inner as { shape?: Record<string, z.ZodType> }).shape;
    if (shape === undefined || typeof segment !== "string" || shape[segment] === undefined)
      return "?";
    schema = shape[segment];
  }
  const shape = (unwrap(schema) as { shape?: Record<string, unknown> }).shape;
  return shape === undefined ? "?" : Object.keys(shape).join(", ");
}

/** Sees through optional() and preprocess() to the object schema inside. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema as z.ZodType & { def?: { innerType?: z.ZodType; out?: z.ZodType } };
  for (let i = 0; i < 5; i++) {
    const next = current.def?.innerType ?? current.def?.out;
    if (next === undefined) break;
    current = next as typeof current;
  }
  return current;
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

export function describe(value: unknown): string {
  if (value === undefined) return "(missing)";
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
