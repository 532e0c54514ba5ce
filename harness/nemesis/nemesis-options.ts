// The `nemesis:` section: the schedule's own keys (kinds, interval, jitter, faultDuration) and one
// sub-section per fault kind, each declared by its bundle (`nemesis.partition.shapes`,
// `nemesis.kill.target` …). A shorthand — "none", "partition,kill", [partition, kill] — names
// the kinds only. Resolving fills the defaults that depend on the test; the problems name the
// path to blame (a kind's own problem with no path blames its entry in `kinds`).
import { z } from "zod";
import { type ConfigProblem, duration } from "../../systems/options-schema.js";
import { CAPABILITIES } from "../../systems/system.js";
import { FAULT_KINDS, type FaultKindName, nemeses } from "./nemeses.js";
import type { FaultCheckContext } from "./nemesis.js";

const kindSections = Object.fromEntries(
  Object.values(nemeses).map((bundle) => [bundle.kind, bundle.schema.prefault({})]),
) as { [K in FaultKindName]: z.ZodPrefault<(typeof nemeses)[K]["schema"]> };

const nemesisObject = z.strictObject({
  kinds: z.array(z.enum(FAULT_KINDS as [FaultKindName, ...FaultKindName[]])).default([]),
  interval: duration(1).default(4_000),
  /** Default: a quarter of the interval, at most 1 s (faults must stay ordered in time). */
  jitter: duration().optional(),
  faultDuration: duration(1).default(3_000),
  ...kindSections,
});

/** "none" → no fault; "partition,kill" or [partition, kill] → those kinds. */
function shorthand(input: unknown): unknown {
  if (input === "none" || input === null) return { kinds: [] };
  if (typeof input === "string") return { kinds: input.split(",").map((k) => k.trim()) };
  if (Array.isArray(input)) return { kinds: input };
  return input;
}

export const nemesisSchema = z.preprocess(shorthand, nemesisObject).prefault({});

export type NemesisOptions = z.output<typeof nemesisObject> & { jitter: number };

export function resolveNemesis(
  parsed: z.output<typeof nemesisObject>,
  test: FaultCheckContext,
): NemesisOptions {
  const resolved = {
    ...parsed,
    kinds: [...new Set(parsed.kinds)],
    jitter: parsed.jitter ?? Math.min(1_000, Math.floor(parsed.interval / 4)),
  };
  for (const bundle of Object.values(nemeses)) {
    const kind = bundle.kind as FaultKindName;
    // biome-ignore lint/suspicious/noExplicitAny: each bundle resolves its own section
    const section = resolved[kind] as any;
    (resolved as Record<string, unknown>)[kind] = bundle.resolve?.(section, test) ?? section;
  }
  return resolved;
}

export function nemesisProblems(n: NemesisOptions, test: FaultCheckContext): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (n.jitter >= n.interval) {
    problems.push({
      path: ["nemesis", "jitter"],
      message: `jitter ${n.jitter}ms must be less than the interval between faults (${n.interval}ms)`,
    });
  }
  n.kinds.forEach((kind, i) => {
    const bundle = nemeses[kind];
    // biome-ignore lint/suspicious/noExplicitAny: each bundle checks its own section
    const section = n[kind] as any;
    for (const p of bundle.problems(section, test)) {
      problems.push({
        path: p.path.length === 0 ? ["nemesis", "kinds", i] : ["nemesis", kind, ...p.path],
        message: p.message,
      });
    }
    for (const capability of bundle.needs(section)) {
      if (!test.capabilities.includes(capability)) {
        problems.push({
          path: ["nemesis", "kinds", i],
          message: `${kind} faults need the capability "${capability}" (${CAPABILITIES[capability]}), which system ${test.system} lacks`,
        });
      }
    }
  });
  return problems;
}
