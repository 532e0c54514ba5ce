// Durations in a test file: a number of seconds (`20`, `0.5`) or a string with a unit (`500ms`,
// `5s`, `2m`). Parsed once at the edge into milliseconds; the rest of the harness sees only `…Ms`.
import { z } from "zod";

const UNIT_MS = { ms: 1, s: 1000, m: 60_000 } as const;
const PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)\s*$/;

/** Milliseconds for a duration in seconds or with a unit; undefined when it is not one. */
function parseDurationMs(input: number | string): number | undefined {
  if (typeof input === "number")
    return Number.isFinite(input) ? Math.round(input * 1000) : undefined;
  const match = PATTERN.exec(input);
  if (match === null) return undefined;
  return Math.round(Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]);
}

/** A zod schema for a non-negative duration, resolved to milliseconds. */
export const durationMs = z.unknown().transform((input, ctx) => {
  const ms =
    typeof input === "number" || typeof input === "string" ? parseDurationMs(input) : undefined;
  if (ms === undefined || ms < 0) {
    ctx.addIssue({
      code: "custom",
      message: "expected a duration: seconds (20, 0.5) or a number with a unit (500ms, 5s, 2m)",
    });
    return z.NEVER;
  }
  return ms;
});

/** A duration in [minMs, maxMs] milliseconds (a node's own flags take the same ranges). */
export function durationWithin(minMs: number, maxMs: number) {
  return durationMs.refine((ms) => ms >= minMs && ms <= maxMs, {
    message: `expected a duration from ${minMs}ms to ${maxMs}ms`,
  });
}

/** A duration of at least 1 ms (an interval, a timeout, a time limit). */
export const positiveDurationMs = durationMs.refine((ms) => ms >= 1, {
  message: "expected a duration longer than 0 (20, 0.5, 500ms, 5s, 2m)",
});
