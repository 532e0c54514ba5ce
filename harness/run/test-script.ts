// The `script:` section of a test file: what the clients and the nemesis do, spelled out instead
// of drawn from the seed (the shrinker writes it; a person may too). `ops` is one list per client
// thread, each op at its time; `faults` replaces the planned fault schedule. Times are
// milliseconds from the start of the clients (`atMs`, `durationMs`: fractions allowed, so a
// scripted run replays a seeded one to the nanosecond). A thread idles after its list and the
// run still ends at the time limit, as a seeded one does. Each fault's targets are validated by
// the schema of its kind.
import fc from "fast-check";
import { z } from "zod";
import type { ConfigProblem } from "../../systems/options-schema.js";
import type { NodeId } from "../../systems/system.js";
import { type AnyWorkloadType, keyNames } from "../../workloads/workload.js";
import type { FaultEvent } from "../nemesis/nemesis.js";
import { NODE_TARGETS } from "../nemesis/node-targets.js";
import { PARTITION_SHAPES } from "../nemesis/partition-nemesis.js";

const TIME_MS_MAX = 2 ** 31 - 1;
const atMs = z.number().min(0).max(TIME_MS_MAX);

const scriptOp = z.strictObject({
  atMs,
  f: z.string().min(1),
  /** The workload's key slot (k1 … kN). */
  key: z.string().min(1),
  node: z.string().min(1),
  /** The op's unique number: what an add or a write writes (no other op of the run has it). */
  value: z.number().int().min(1),
});

const nodeList = z.array(z.string().min(1));

/** The targets of one fault of each kind, as the schedule draws them (its bundle's fault). */
const FAULT_SCHEMAS: Record<string, z.ZodType> = {
  partition: z.strictObject({ shape: z.enum(PARTITION_SHAPES), order: nodeList.min(2) }),
  kill: z.strictObject({
    target: z.enum(NODE_TARGETS),
    nodes: nodeList,
    count: z.number().int().min(1),
  }),
  pause: z.strictObject({
    target: z.enum(NODE_TARGETS),
    nodes: nodeList,
    count: z.number().int().min(1),
  }),
  clock: z.strictObject({ offsetsMs: z.record(z.string().min(1), z.number().int()) }),
};

const scriptFault = z
  .strictObject({
    atMs,
    durationMs: z.number().min(1).max(TIME_MS_MAX),
    kind: z.string().min(1),
    fault: z.unknown(),
  })
  .superRefine((event, ctx) => {
    const schema = FAULT_SCHEMAS[event.kind];
    if (schema === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["kind"],
        message: `faults of this kind cannot be scripted (scriptable: ${Object.keys(FAULT_SCHEMAS).join(", ")})`,
      });
      return;
    }
    const parsed = schema.safeParse(event.fault);
    for (const issue of parsed.error?.issues ?? []) {
      // The issue as the fault's schema raised it (the loader words it by its code).
      ctx.addIssue({ ...issue, path: ["fault", ...issue.path] } as never);
    }
  });

/** Either part may be left out: the seed draws that part as usual. */
export const scriptSchema = z.strictObject({
  ops: z.array(z.array(scriptOp)).optional(),
  faults: z.array(scriptFault).optional(),
});

export type TestScript = z.output<typeof scriptSchema>;
export type ScriptOp = NonNullable<TestScript["ops"]>[number][number];
export type ScriptFault = NonNullable<TestScript["faults"]>[number];

/** The scripted faults as the nemesis runs them (fresh objects: a fault remembers whom it hit). */
export function scriptedSchedule(faults: readonly ScriptFault[]): FaultEvent[] {
  return faults.map((f) => ({
    atMs: f.atMs,
    durationMs: f.durationMs,
    kind: f.kind,
    fault: structuredClone(f.fault),
  }));
}

/** What a script must agree with in the rest of the test. */
export interface ScriptContext {
  nodes: readonly NodeId[];
  workload: AnyWorkloadType;
  workloadOptions: { keys: number; [option: string]: unknown };
  concurrency: number;
  kinds: readonly string[];
  timeLimitMs: number;
}

const opsOfWorkload = new Map<string, Set<string>>();

/** The ops a workload plans (sampled from its arbitrary: every constant it draws from, unless
 * one has a weight below about 1/50 of the others). */
function workloadOps(ctx: ScriptContext): Set<string> {
  const key = JSON.stringify([ctx.workload.name, ctx.workloadOptions, ctx.nodes.length]);
  let fs = opsOfWorkload.get(key);
  if (fs === undefined) {
    const arbitrary = ctx.workload.create(ctx.workloadOptions).plan(ctx.nodes.length);
    fs = new Set(fc.sample(arbitrary, { seed: 1, numRuns: 1_000 }).map((plan) => plan.f));
    opsOfWorkload.set(key, fs);
  }
  return fs;
}

/** Combinations the schema cannot see (paths from the test's root). */
export function scriptProblems(script: TestScript, ctx: ScriptContext): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const ops = script.ops ?? [];
  if (script.ops !== undefined && ops.length !== ctx.concurrency) {
    problems.push({
      path: ["script", "ops"],
      message: `${ops.length} client threads, but clients.concurrency is ${ctx.concurrency} (they must match)`,
    });
  }
  const known = { fs: workloadOps(ctx), keys: new Set(keyNames(ctx.workloadOptions.keys)) };
  const values = new Set<number>();
  for (const [t, thread] of ops.entries()) {
    for (const [i, op] of thread.entries()) {
      const path = ["script", "ops", t, i];
      const blame = (key: string, message: string) =>
        problems.push({ path: [...path, key], message });
      if (!known.fs.has(op.f))
        blame("f", `not an op of the workload (allowed: ${[...known.fs].join(", ")})`);
      if (!known.keys.has(op.key))
        blame("key", `not a key of the workload (k1 … k${ctx.workloadOptions.keys})`);
      if (!ctx.nodes.includes(op.node))
        blame("node", `unknown node (allowed: ${ctx.nodes.join(", ")})`);
      if (values.has(op.value))
        blame("value", "another op of the script has this value (each is unique)");
      if (i > 0 && op.atMs < thread[i - 1]!.atMs)
        blame("atMs", "before the thread's previous op (a thread's ops are in time order)");
      values.add(op.value);
    }
  }
  for (const [i, event] of (script.faults ?? []).entries())
    problems.push(...faultProblems(event, i, ctx));
  return problems;
}

function faultProblems(event: ScriptFault, i: number, ctx: ScriptContext): ConfigProblem[] {
  const path = ["script", "faults", i];
  const problems: ConfigProblem[] = [];
  if (!ctx.kinds.includes(event.kind))
    problems.push({
      path: [...path, "kind"],
      message: `not in nemesis.kinds (${ctx.kinds.join(", ") || "none"})`,
    });
  if (event.atMs >= ctx.timeLimitMs)
    problems.push({
      path: [...path, "atMs"],
      message: `at or after the time limit (${ctx.timeLimitMs}ms)`,
    });
  const unknown = faultNodes(event).filter((node) => !ctx.nodes.includes(node));
  if (unknown.length > 0) {
    const message = `unknown node(s) ${unknown.join(", ")} (allowed: ${ctx.nodes.join(", ")})`;
    problems.push({ path: [...path, "fault"], message });
  }
  return problems;
}

/** Every node a scripted fault names. */
function faultNodes(event: ScriptFault): string[] {
  const fault = event.fault as { order?: string[]; nodes?: string[]; offsetsMs?: object };
  return [...(fault.order ?? []), ...(fault.nodes ?? []), ...Object.keys(fault.offsetsMs ?? {})];
}
