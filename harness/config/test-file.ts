// A resolved TestConfig as a test file: the same keys, every duration written in the file's own
// syntax ("4s", "500ms"), found by walking each part's schema — so test.json, the report's YAML
// and `faultline run <test.json>` all come from the schemas, and loading the file gives back the
// same TestConfig. `readTestJson` is the way back: through the loader, never a cast.
import { stringify } from "yaml";
import type { z } from "zod";
import { formatDuration, isDuration, objectShape } from "../../systems/options-schema.js";
import { UsageError } from "../cli-error.js";
import { loadTestConfig } from "./load-test-config.js";
import { NAMED_SECTIONS, type TestConfig, testFileSchema } from "./test-config.js";

/** The value in the file's shape, durations formatted as the schema says. */
function fileValue(schema: z.ZodType | undefined, value: unknown): unknown {
  if (schema === undefined) return value;
  if (typeof value === "number" && isDuration(schema)) return formatDuration(value);
  const shape = objectShape(schema);
  if (shape === undefined || typeof value !== "object" || value === null || Array.isArray(value))
    return value;
  // The schema's order, so test.json reads like a test file.
  const keys = [...new Set([...Object.keys(shape), ...Object.keys(value)])];
  const record = value as Record<string, unknown>;
  return Object.fromEntries(
    keys
      .filter((key) => record[key] !== undefined)
      .map((key) => [key, fileValue(shape[key], record[key])]),
  );
}

/** The resolved test as a test file's object. */
export function toTestFile(test: TestConfig): Record<string, unknown> {
  const top = objectShape(testFileSchema)!;
  const file: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(test)) {
    const registry = NAMED_SECTIONS[key as keyof typeof NAMED_SECTIONS]?.registry;
    const schema = registry?.[(value as { name: string }).name]?.schema ?? top[key];
    file[key] = fileValue(schema, value);
  }
  return file;
}

/** test.json's text. */
export function testJson(test: TestConfig): string {
  return `${JSON.stringify(toTestFile(test), null, 2)}\n`;
}

/** The whole test as YAML (the report's "run this file" block). */
export function testYaml(test: TestConfig): string {
  return stringify(toTestFile(test), { flow: false, lineWidth: 0 });
}

/** A stored test.json, loaded back through the schemas; a UsageError names what is wrong. */
export function readTestJson(path: string, text: string): TestConfig {
  try {
    JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${path}: not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  try {
    return loadTestConfig({ file: { path, text }, env: {} });
  } catch (err) {
    if (err instanceof UsageError)
      throw new UsageError(`${path} is not a test faultline can load:\n${err.message}`);
    throw err;
  }
}

/** A test from a test file's object (suites, tests): loaded as that YAML file would be. */
export function testConfigOf(file: Record<string, unknown>, path = "test.yaml"): TestConfig {
  return loadTestConfig({ file: { path, text: stringify(file) }, env: {} });
}
