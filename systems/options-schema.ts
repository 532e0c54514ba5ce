// The vocabulary of a test file's sections (system, nemesis, clients …): durations, shorthand
// flags and combination problems. Each part of the harness declares its section as one zod
// schema built from these; flags, test.json, the reproduce command and the report's YAML are
// derived from those schemas (harness/config/test-file.ts walks them), never written out again.
import { z } from "zod";

/** A command-line shorthand for one key of a section: `--build leader` sets `system.build`. */
export interface FlagSpec {
  /** Commander's spec: "--build <build>". */
  flags: string;
  description: string;
  /** Where the value goes, inside the section that declares the flag. */
  path: readonly string[];
  /** How the text becomes a file value, and a value becomes text again for the reproduce
   * command. A duration is a number of seconds (`20`, `0.5`) or a number with a unit. */
  kind: "string" | "number" | "boolean" | "list" | "duration";
}

/** A combination a schema alone cannot see: the path to blame and why. */
export interface ConfigProblem {
  path: (string | number)[];
  message: string;
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
const PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/;
/** No duration is longer than a timer can wait (2³¹ − 1 ms, about 24.8 days). */
export const DURATION_MS_MAX = 2 ** 31 - 1;

/** Milliseconds for a duration in seconds or with a unit; undefined when it is not one. */
function parseDurationMs(input: unknown): number | undefined {
  if (typeof input === "number") return Number.isFinite(input) ? input * 1000 : undefined;
  if (typeof input !== "string") return undefined;
  const match = PATTERN.exec(input);
  if (match === null) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

const durations = new WeakSet<z.ZodType>();

/** A duration resolved to whole milliseconds, within [minMs, maxMs]. */
export function duration(minMs = 0, maxMs = DURATION_MS_MAX) {
  const schema = z.unknown().transform((input, ctx) => {
    const ms = parseDurationMs(input);
    if (ms === undefined) {
      ctx.addIssue({
        code: "custom",
        message: "expected a duration: seconds (20, 0.5) or a number with a unit (500ms, 5s, 2m)",
      });
      return z.NEVER;
    }
    const rounded = Math.round(ms);
    if (rounded < minMs || rounded > maxMs) {
      ctx.addIssue({
        code: "custom",
        message: `expected a duration from ${formatBound(minMs)} to ${formatBound(maxMs)}`,
      });
      return z.NEVER;
    }
    return rounded;
  });
  durations.add(schema);
  return schema;
}

/** 4000 → "4s", 1500 → "1500ms": the test file's own syntax, which loads back to the same ms. */
export function formatDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** A bound for a message: "1ms", "600s", "24.8 days" for the timer's limit. */
function formatBound(ms: number): string {
  return ms === DURATION_MS_MAX ? "about 24.8 days" : formatDuration(ms);
}

/** Sees through optional, default and preprocess wrappers to the schema that parses. */
export function unwrapSchema(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let i = 0; i < 8; i++) {
    const def = (current as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
    if (durations.has(current)) return current;
    const inner =
      def.type === "optional" ||
      def.type === "default" ||
      def.type === "prefault" ||
      def.type === "nullable"
        ? def.innerType
        : def.type === "pipe" &&
            (def.in as { _zod: { def: { type: string } } })._zod.def.type === "transform"
          ? def.out
          : undefined;
    if (inner === undefined) return current;
    current = inner as z.ZodType;
  }
  return current;
}

export function isDuration(schema: z.ZodType): boolean {
  return durations.has(unwrapSchema(schema));
}

/** The keys of an object schema (through its wrappers), or undefined for any other schema. */
export function objectShape(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  const inner = unwrapSchema(schema) as unknown as {
    _zod: { def: { type: string; shape?: Record<string, z.ZodType>; options?: z.ZodType[] } };
  };
  return inner._zod.def.type === "object" ? inner._zod.def.shape : undefined;
}
