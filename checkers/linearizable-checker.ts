// The `linearizable` checker: is there a total order of the ops, consistent with real time, that
// the model (register, cas-register, kv) accepts? Ops are paired per process, split by key
// (P-compositionality) and each part searched (linearizable-search.ts). `fail` ops did not
// happen; `info` and never-completed ops may happen any time after their call, or never.
// A time or memory budget answers "unknown" (the budget is the only clock this checker reads);
// a failure names the shortest failing prefix, the op it ends on and the ops concurrent with it.
import type { CheckOptions, CheckResult, Checker } from "./checker.js";
import type { History, Op } from "./history.js";
import { searchLinearization, type SearchCall } from "./linearizable-search.js";
import { type AnyModel, DIALECTS, type Dialect, partition } from "./models/model.js";
import { type ModelName, MODEL_NAMES, models } from "./models/models.js";

const DEFAULT_TIME_LIMIT_MS = 10_000;
const DEFAULT_MAX_CACHE_ENTRIES = 20_000_000;
const DEFAULT_MAX_MEMORY_BYTES = 1024 * 1024 * 1024;

interface PreparedCall extends SearchCall {
  f: string;
  invoke: Op;
  completion: Op | undefined;
  input: unknown;
  output: unknown;
}

export interface LinearizableFailure {
  /** The part (key) that cannot be linearized. */
  key: string;
  /** The op no linearization can complete: history indexes of its invoke and completion. */
  op: { invoke: number; completion: number | undefined; description: string };
  /** The history up to and including this index cannot be linearized; any shorter prefix can. */
  prefixEndIndex: number;
  /** The longest linearization found (invoke indexes in order) and the state it leaves. */
  linearized: number[];
  state: string;
  /** Ops concurrent with the blocked one (invoke indexes), and whether the longest
   * linearization placed them: the candidates that conflict. */
  concurrent: { invoke: number; description: string; linearized: boolean }[];
  explanation: string;
}

export interface LinearizableResult extends CheckResult {
  model: string;
  ops: number;
  ignored: number;
  parts: number;
  steps: number;
  /** Configurations memoised by the search (a measure of its work and memory). */
  configurations: number;
  /** Ops of unknown outcome that nothing observes, so the search never places them. */
  unobservedInfo: number;
  /** The first part found to fail, with its shortest failing prefix. */
  failure?: LinearizableFailure;
  /** Keys the budget ran out on (their verdict is unknown). */
  unknownKeys?: string[];
}

/** Options beyond CheckOptions: `dialect` (how reads are encoded: "faultline" by default),
 * `maxCacheEntries` and `maxMemoryBytes` (memo budgets), and `baseline: true` to search the
 * plain Porcupine way (for the benchmark and the differential tests). */
export function checkLinearizable(
  history: History,
  options: CheckOptions = {},
): LinearizableResult {
  const model = resolveModel(options.model);
  const dialect = resolveDialect(options.dialect);
  const deadline = performance.now() + (options.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS);
  const maxCacheEntries = Number(options.maxCacheEntries ?? DEFAULT_MAX_CACHE_ENTRIES);
  const maxMemoryBytes = Number(options.maxMemoryBytes ?? DEFAULT_MAX_MEMORY_BYTES);
  const baseline = options.baseline === true;
  const { calls, ignored, warnings } = pairCalls(model, history, dialect);
  const parts = partition(model, calls, (c) => c.invoke);

  const result: LinearizableResult = {
    valid: true,
    model: model.name,
    ops: calls.length,
    ignored,
    parts: parts.size,
    steps: 0,
    configurations: 0,
    unobservedInfo: 0,
  };
  if (warnings.length > 0) result.warnings = warnings;
  // Small parts first: a cheap failure is found before an expensive part eats the budget.
  // The search stops at the first part that fails (as Porcupine does): proving another part
  // invalid too can cost an exhaustive search (kv c50-bad has such a part).
  const ordered = [...parts].sort((a, b) => a[1].length - b[1].length);
  let failure: LinearizableFailure | undefined;
  const unknownKeys: string[] = [];
  for (const [key, allCalls] of ordered) {
    const keep = baseline ? undefined : model.observable?.(allCalls);
    const partCalls = keep === undefined ? allCalls : allCalls.filter((_, i) => keep[i]);
    result.unobservedInfo += allCalls.length - partCalls.length;
    const outcome = searchLinearization(model, options.initial, partCalls, {
      deadline,
      maxCacheEntries,
      maxMemoryBytes,
      baseline,
    });
    result.steps += outcome.steps;
    result.configurations += outcome.cacheEntries;
    if (outcome.kind === "unknown") {
      unknownKeys.push(key);
      result.error ??= `key ${JSON.stringify(key)}: ${outcome.reason} after ${outcome.steps} steps`;
    } else if (outcome.kind === "illegal") {
      failure = describeFailure(model, key, partCalls, outcome);
      break;
    }
  }
  if (failure !== undefined) {
    result.valid = false;
    result.failure = failure;
    result.counterexamples = [
      failure.op.invoke,
      ...(failure.op.completion === undefined ? [] : [failure.op.completion]),
      ...failure.concurrent.map((c) => c.invoke),
    ].slice(0, 12);
  } else if (unknownKeys.length > 0) {
    result.valid = "unknown";
  }
  if (unknownKeys.length > 0) result.unknownKeys = unknownKeys;
  return result;
}

export const linearizableChecker: Checker = { name: "linearizable", check: checkLinearizable };

function resolveModel(name: unknown): AnyModel {
  if (name === undefined) return models["cas-register"];
  if (typeof name === "string" && name in models) return models[name as ModelName];
  throw new Error(
    `unknown model ${JSON.stringify(name)}: expected one of ${MODEL_NAMES.join(", ")}`,
  );
}

function resolveDialect(dialect: unknown): Dialect {
  if (dialect === undefined) return "faultline";
  if (DIALECTS.includes(dialect as Dialect)) return dialect as Dialect;
  throw new Error(
    `unknown dialect ${JSON.stringify(dialect)}: expected one of ${DIALECTS.join(", ")}`,
  );
}

/** Pairs each invoke with its process's next completion and reads the pair through the model.
 * Each invoke takes its slot in call order, filled when it completes (no sort afterwards). */
function pairCalls(
  model: AnyModel,
  history: History,
  dialect: Dialect,
): { calls: PreparedCall[]; ignored: number; warnings: string[] } {
  const slots: (PreparedCall | undefined)[] = [];
  const warnings: string[] = [];
  // A process's open invoke; undefined once completed (no delete: a Map that shrinks rehashes).
  const pending = new Map<unknown, { op: Op; pos: number; slot: number } | undefined>();
  let ignored = 0;
  const fill = (
    open: { op: Op; pos: number; slot: number },
    completion?: Op,
    returnPos = Infinity,
  ) => {
    const invoke = open.op;
    const call = model.prepare(invoke, completion, dialect);
    if (call === undefined) return;
    slots[open.slot] = {
      input: call.input,
      output: call.output,
      f: invoke.f,
      invoke,
      completion,
      info: completion === undefined,
      callPos: open.pos,
      returnPos,
    };
  };
  for (let pos = 0; pos < history.length; pos++) {
    const op = history[pos]!;
    if (op.process === "nemesis") continue;
    if (!model.fs.has(op.f)) {
      if (op.type === "invoke") ignored++;
      continue;
    }
    if (op.type === "invoke") {
      const before = pending.get(op.process);
      if (before !== undefined) {
        warnings.push(
          `op ${op.index}: process ${op.process} invoked again before op ${before.op.index} completed; that one is treated as info`,
        );
        fill(before);
      }
      pending.set(op.process, { op, pos, slot: slots.length });
      slots.push(undefined);
      continue;
    }
    const open = pending.get(op.process);
    if (open === undefined || open.op.f !== op.f) {
      throw new Error(
        `op ${op.index}: a ${op.type} ${op.f} of process ${op.process} with no pending ${op.f} invoke`,
      );
    }
    pending.set(op.process, undefined);
    if (op.type === "fail") continue; // did not happen
    if (op.type === "ok") fill(open, op, pos);
    else fill(open);
  }
  for (const open of pending.values()) if (open !== undefined) fill(open);
  const calls = slots.filter((call): call is PreparedCall => call !== undefined);
  return { calls, ignored, warnings };
}

function describeFailure(
  model: AnyModel,
  key: string,
  calls: PreparedCall[],
  outcome: { blocked: number; order: number[]; state: unknown },
): LinearizableFailure {
  const blocked = calls[outcome.blocked]!;
  const describe = (c: PreparedCall) => model.describeCall(c, c.f);
  const linearizedSet = new Set(outcome.order);
  const concurrent = calls
    .map((c, i) => ({ c, i }))
    .filter(
      ({ c, i }) =>
        i !== outcome.blocked && c.callPos < blocked.returnPos && c.returnPos > blocked.callPos,
    )
    .map(({ c, i }) => ({
      invoke: c.invoke.index,
      description: describe(c),
      linearized: linearizedSet.has(i),
    }));
  const state = model.describe(outcome.state);
  const where = key === "" ? "" : ` on key ${JSON.stringify(key)}`;
  return {
    key,
    op: {
      invoke: blocked.invoke.index,
      completion: blocked.completion?.index,
      description: describe(blocked),
    },
    prefixEndIndex: blocked.completion?.index ?? blocked.invoke.index,
    linearized: outcome.order.map((i) => calls[i]!.invoke.index),
    state,
    concurrent,
    explanation:
      `no linearization${where} reaches the completion of op ${blocked.invoke.index} (${describe(blocked)}) ` +
      `at index ${blocked.completion?.index}: the longest linearization places ${outcome.order.length} ops ` +
      `and leaves the state ${state}; ${concurrent.length} ops are concurrent with it`,
  };
}
