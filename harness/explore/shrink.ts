// Shrinking a failing sim run with fast-check. The run's script (seed-script.ts) is the one
// example of an arbitrary of sub-scripts — a subset of its clients and faults, each fault as
// short as 1 ms, a subsequence of each client's ops — and the property "this sub-script does not
// fail that way" is checked on the example alone, so fast-check's shrinker walks down from it,
// in rounds (alternately dropping ops from the front and from the back); then each op and fault
// left is tried alone. Each candidate is a sim run lasting until its last op starts and its last
// fault ends; it fails that way when the same checker is INVALID with the same anomaly. The
// smallest is then tidied — clients with no op dropped, values renumbered 1, 2, …, times moved
// to start at 0 — where it still fails so. A budget bounds it all.
import fc from "fast-check";
import type { CheckResult } from "../../checkers/checker.js";
import type { TestConfig } from "../config/test-config.js";
import type { ScriptFault, ScriptOp, TestScript } from "../run/test-script.js";

/** What a failure is: the checker that judged it INVALID and the anomaly it named. */
export interface ShrinkTarget {
  checker: string;
  anomaly?: string;
}

/** The first INVALID checker of a run (in the test's order) and its first anomaly. */
export function targetOf(results: Record<string, CheckResult>): ShrinkTarget | undefined {
  for (const [checker, result] of Object.entries(results)) {
    if (result.valid !== false) continue;
    const anomalies = Array.isArray(result.anomalies) ? (result.anomalies as unknown[]) : [];
    const anomaly = anomalies.find((a): a is string => typeof a === "string");
    return { checker, ...(anomaly !== undefined && { anomaly }) };
  }
  return undefined;
}

export function failsAs(
  results: Record<string, CheckResult> | undefined,
  target: ShrinkTarget,
): boolean {
  const result = results?.[target.checker];
  if (result?.valid !== false) return false;
  if (target.anomaly === undefined) return true;
  return Array.isArray(result.anomalies) && result.anomalies.includes(target.anomaly);
}

/** A script's size, as the shrink reports it. */
export interface ScriptSize {
  ops: number;
  clients: number;
  faults: number;
  /** The faults' total duration. */
  faultMs: number;
}

export function sizeOf(script: Required<TestScript>): ScriptSize {
  return {
    ops: script.ops.reduce((n, thread) => n + thread.length, 0),
    clients: script.ops.filter((thread) => thread.length > 0).length,
    faults: script.faults.length,
    faultMs: script.faults.reduce((ms, f) => ms + f.durationMs, 0),
  };
}

/** "1110 ops by 5 clients, 5 faults (15000 ms in all)". */
export function describeSize(size: ScriptSize): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const faults =
    size.faults === 0 ? "no fault" : `${plural(size.faults, "fault")} (${size.faultMs} ms in all)`;
  return `${plural(size.ops, "op")} by ${plural(size.clients, "client")}, ${faults}`;
}

/** The test with this script in place of its seed's ops and faults. */
export function scripted(config: TestConfig, script: Required<TestScript>): TestConfig {
  return { ...config, clients: { ...config.clients, concurrency: script.ops.length }, script };
}

export interface ShrinkOptions {
  /** Runs a candidate; its results, or undefined when the run was interrupted. */
  trial(config: TestConfig): Promise<Record<string, CheckResult> | undefined>;
  budgetMs: number;
  onProgress?(progress: { tries: number; best: ScriptSize }): void;
}

export interface ShrinkResult {
  config: TestConfig;
  script: Required<TestScript>;
  before: ScriptSize;
  after: ScriptSize;
  tries: number;
  /** The budget ran out before fast-check was done. */
  budgetSpent: boolean;
}

/** Runs without a smaller failing script after which a round gives up. */
const STALL_TRIES = 60;

interface Candidate {
  clients: number[];
  faults: number[];
  durations: number[];
  ops: ScriptOp[][];
}

function scriptOfCandidate(
  script: Required<TestScript>,
  c: Candidate,
  reversed: boolean,
): Required<TestScript> {
  const faults = c.faults.map(
    (i): ScriptFault => ({ ...script.faults[i]!, durationMs: c.durations[i]! }),
  );
  const ops = c.ops.map((thread) => (reversed ? [...thread].reverse() : thread)) as ScriptOp[][];
  return { ops: ops.map((thread, t) => (c.clients.includes(t) ? thread : [])), faults };
}

/** The same candidate is often met again (fast-check starts over after each success): its key. */
function keyOf(script: Required<TestScript>): string {
  const ops = script.ops.map((thread) => thread.map((op) => `${op.value}@${op.atMs}`).join(","));
  const faults = script.faults.map((f) => `${f.atMs}+${f.durationMs}`);
  return `${ops.join("|")}/${faults.join(",")}`;
}

/** A script's run needs to last only until its last op starts and its last fault ends. */
function timeLimitOf(config: TestConfig, script: Required<TestScript>): number {
  const ends = [
    ...script.ops.flat().map((op) => op.atMs),
    ...script.faults.map((f) => f.atMs + f.durationMs),
  ];
  return Math.min(config.timeLimit, Math.ceil(Math.max(0, ...ends)) + 1);
}

/** For each op and fault of `script` (last first): the script without it, if it is still in. */
function withoutOne(
  script: Required<TestScript>,
): ((current: Required<TestScript>) => Required<TestScript> | undefined)[] {
  const steps: ((current: Required<TestScript>) => Required<TestScript> | undefined)[] = [];
  for (const op of script.ops.flat().reverse()) {
    steps.push((current) => {
      const ops = current.ops.map((thread) => thread.filter((o) => o !== op));
      return ops.some((thread, t) => thread.length !== current.ops[t]!.length)
        ? { ops, faults: current.faults }
        : undefined;
    });
  }
  for (const fault of script.faults) {
    steps.push((current) => {
      // The same fault, perhaps shorter by now.
      const faults = current.faults.filter((f) => f.atMs !== fault.atMs || f.kind !== fault.kind);
      return faults.length < current.faults.length ? { ops: current.ops, faults } : undefined;
    });
  }
  return steps;
}

/** Clients with no op dropped and values renumbered in time order. */
export function tidied(script: Required<TestScript>): Required<TestScript> {
  const threads = script.ops.filter((thread) => thread.length > 0);
  const order = threads.flat().sort((a, b) => a.atMs - b.atMs || a.value - b.value);
  const renumbered = new Map(order.map((op, i) => [op, i + 1]));
  return {
    ops: threads.map((thread) => thread.map((op) => ({ ...op, value: renumbered.get(op)! }))),
    faults: script.faults,
  };
}

/** Every time moved earlier by the whole milliseconds before the first op or fault. */
export function shifted(script: Required<TestScript>): Required<TestScript> {
  const times = [...script.ops.flat().map((op) => op.atMs), ...script.faults.map((f) => f.atMs)];
  const byMs = Math.floor(Math.min(...times));
  if (!Number.isFinite(byMs) || byMs <= 0) return script;
  return {
    ops: script.ops.map((thread) => thread.map((op) => ({ ...op, atMs: op.atMs - byMs }))),
    faults: script.faults.map((f) => ({ ...f, atMs: f.atMs - byMs })),
  };
}

export async function shrink(
  config: TestConfig,
  script: Required<TestScript>,
  target: ShrinkTarget,
  options: ShrinkOptions,
): Promise<ShrinkResult> {
  const deadlineMs = performance.now() + options.budgetMs;
  const seen = new Map<string, boolean>();
  let tries = 0;
  let best = script;
  const fails = async (candidate: Required<TestScript>) => {
    const key = keyOf(candidate);
    const known = seen.get(key);
    if (known !== undefined) return known;
    tries++;
    stalled++;
    const test = { ...scripted(config, candidate), timeLimit: timeLimitOf(config, candidate) };
    const failed = failsAs(await options.trial(test), target);
    seen.set(key, failed);
    if (failed && weight(candidate) < weight(best)) {
      best = candidate;
      stalled = 0;
    }
    options.onProgress?.({ tries, best: sizeOf(best) });
    return failed;
  };
  let budgetSpent = false;
  /** Runs since the smallest failing script last got smaller (known candidates are free). */
  let stalled = 0;
  // fast-check's shrinker stops where none of its steps helps, and slows down on long lists; a
  // new round from the smallest script so far (alternately taking ops from the front and from
  // the back) goes further. A round that stalls ends; two rounds in a row without progress end
  // the search.
  for (let round = 0, idle = 0; idle < 2 && !budgetSpent; round++) {
    const start = best;
    const reversed = round % 2 === 1;
    stalled = 0;
    const property = fc.asyncProperty(candidates(start, reversed), async (candidate) => {
      // Past the budget or a stall, every candidate "passes": fast-check stops at once.
      budgetSpent ||= performance.now() >= deadlineMs;
      if (budgetSpent || stalled > STALL_TRIES) return true;
      return !(await fails(scriptOfCandidate(start, candidate, reversed)));
    });
    await fc.check(property, { examples: [[exampleOf(start, reversed)]], numRuns: 1 });
    idle = weight(best) < weight(start) ? 0 : idle + 1;
  }
  // Then each op and fault left is tried alone (fast-check's steps remove runs of them), and
  // tidier forms of the smallest, each kept only if it still fails so.
  for (const smaller of withoutOne(best)) {
    if (performance.now() >= deadlineMs) break;
    const candidate = smaller(best);
    if (candidate !== undefined && (await fails(candidate))) best = candidate;
  }
  for (const tidy of [tidied, shifted]) {
    const tidier = tidy(best);
    if (keyOf(tidier) !== keyOf(best) && (await fails(tidier))) best = tidier;
  }
  const shrunk = { ...scripted(config, best), timeLimit: timeLimitOf(config, best) };
  return {
    config: shrunk,
    script: best,
    before: sizeOf(script),
    after: sizeOf(best),
    tries,
    budgetSpent,
  };
}

/** Sub-scripts of `script`, shrinking towards fewer clients, faults and ops, shorter faults;
 * `reversed`: each client's ops are given last first (fast-check drops from the front). */
function candidates(script: Required<TestScript>, reversed: boolean): fc.Arbitrary<Candidate> {
  // fast-check shrinks a record's keys in this order.
  return fc.record({
    clients: fc.subarray(script.ops.map((_, t) => t)),
    faults: fc.subarray(script.faults.map((_, i) => i)),
    durations: fc.tuple(
      ...script.faults.map((f) =>
        fc.integer({ min: 1, max: Math.max(1, Math.ceil(f.durationMs)) }),
      ),
    ),
    ops: fc.tuple(
      ...script.ops.map((thread) => fc.subarray(reversed ? [...thread].reverse() : thread)),
    ),
  });
}

/** The whole script, as a value of `candidates` (the one example fast-check checks). */
function exampleOf(script: Required<TestScript>, reversed: boolean): Candidate {
  return {
    clients: script.ops.map((_, t) => t),
    faults: script.faults.map((_, i) => i),
    durations: script.faults.map((f) => Math.max(1, Math.ceil(f.durationMs))),
    ops: script.ops.map((thread) => (reversed ? [...thread].reverse() : thread)),
  };
}

/** Smaller is better: fewer ops first, then fewer faults, then shorter ones. */
function weight(script: Required<TestScript>): number {
  const size = sizeOf(script);
  return size.ops * 1e9 + size.faults * 1e7 + size.faultMs;
}
