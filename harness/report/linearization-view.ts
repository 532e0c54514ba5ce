// The Porcupine-style view of a `linearizable` failure: on the failing key, the longest
// linearization the checker found, step by step with the model's state after each (replayed here
// through the same model), the op no linearization can place, the ops concurrent with it, and the
// ops of that key over that stretch of time for a diagram (one lane per process).
import type { CheckResult } from "../../checkers/checker.js";
import type { LinearizableFailure } from "../../checkers/linearizable-checker.js";
import type { AnyModel } from "../../checkers/models/model.js";
import { models } from "../../checkers/models/models.js";
import { seconds } from "./fault-intervals.js";
import type { HistoryScan } from "./history-scan.js";
import { INVOKE } from "./op-line-scanner.js";
import { OUTCOMES } from "./palette.js";

export interface LinearizedOp {
  index: number;
  process: string;
  description: string;
  startS: number;
  /** Undefined when the op never completed (info): it may take effect any time after its call. */
  endS?: number;
}

export interface LinearizationStep extends LinearizedOp {
  step: number;
  /** The model's state after this step ("?" when the replay could not read the op). */
  state: string;
}

export interface LinearizationView {
  checker: string;
  key: string;
  model: string;
  explanation: string;
  blocked: LinearizedOp;
  /** The last STEPS_SHOWN steps of the longest linearization (of `stepsTotal`). */
  steps: LinearizationStep[];
  stepsTotal: number;
  initialState: string;
  finalState: string;
  concurrent: (LinearizedOp & { linearized: boolean })[];
  /** The ops of the key from the first step shown to the blocked op's completion. */
  diagram: {
    fromS: number;
    toS: number;
    ops: (LinearizedOp & { role: "step" | "blocked" | "concurrent" | "other"; step?: number })[];
  };
}

const STEPS_SHOWN = 40;
/** The diagram starts at the earliest of the last few steps (and the concurrent ops). */
const DIAGRAM_STEPS = 8;
const DIAGRAM_OPS_MAX = 200;

function isFailure(value: unknown): value is LinearizableFailure {
  const f = value as LinearizableFailure | undefined;
  return (
    typeof f === "object" &&
    f !== null &&
    Array.isArray(f.linearized) &&
    typeof f.op?.invoke === "number" &&
    Array.isArray(f.concurrent)
  );
}

function opAt(scan: HistoryScan, index: number, description: string): LinearizedOp | undefined {
  const at = scan.positionOf(index);
  if (at === undefined) return undefined;
  const invoke = scan.op(at);
  const end = scan.partner[at]!;
  const complete = end >= 0 ? scan.op(end) : undefined;
  return {
    index,
    process: String(invoke.process),
    description,
    startS: seconds(invoke.time),
    ...(complete !== undefined && complete.type === "ok" && { endS: seconds(complete.time) }),
  };
}

const [OK, FAIL] = [OUTCOMES.indexOf("ok"), OUTCOMES.indexOf("fail")];

/** What the diagram needs of the invoke at `position` (a client op's or a final read's: every
 * invoke on a key has a slot), from the scan's columns: a key has many ops, none is read whole. */
function invokeAt(scan: HistoryScan, position: number) {
  const slot = scan.slotAt[position]!;
  const ops = slot >= 0 ? scan.client : scan.finalReads;
  const i = slot >= 0 ? slot : -2 - slot;
  return {
    index: ops.index[i]!,
    time: ops.startNs[i]!,
    process: ops.process[i]!,
    f: ops.names.fs[ops.f[i]!]!,
    endNs: ops.endNs[i]!,
    outcome: ops.outcome[i]!,
  };
}

/** Replays the linearization through the model: the description of each op and the state after. */
function replay(model: AnyModel, scan: HistoryScan, order: readonly number[]) {
  let state = model.init(undefined);
  const initialState = model.describe(state);
  const steps: { index: number; description: string; state: string }[] = [];
  let broken = false;
  for (const index of order) {
    const at = scan.positionOf(index);
    const invoke = at === undefined ? undefined : scan.op(at);
    const end = at === undefined ? -1 : scan.partner[at]!;
    const complete = end >= 0 ? scan.op(end) : undefined;
    let description = `op ${index}`;
    if (invoke !== undefined && !broken) {
      try {
        const call = model.prepare(
          invoke,
          complete?.type === "ok" ? complete : undefined,
          "faultline",
        );
        if (call !== undefined) {
          description = model.describeCall(call, invoke.f);
          const next = model.step(state, call.input, call.output);
          if (next === undefined) broken = true;
          else state = next;
        }
      } catch {
        broken = true; // A history the model cannot read: the states are not shown past here.
      }
    }
    steps.push({ index, description, state: broken ? "?" : model.describe(state) });
  }
  return { initialState, steps };
}

/** The view of each checker result that carries a linearizability failure. */
export function linearizationViews(
  scan: HistoryScan,
  results: Record<string, CheckResult>,
): LinearizationView[] {
  const views: LinearizationView[] = [];
  for (const [checker, result] of Object.entries(results)) {
    const failure = result.failure;
    if (!isFailure(failure)) continue;
    const model = models[String(result.model) as keyof typeof models] as AnyModel | undefined;
    const view = model && viewOf(scan, checker, model, failure);
    if (view !== undefined) views.push(view);
  }
  return views;
}

function viewOf(
  scan: HistoryScan,
  checker: string,
  model: AnyModel,
  failure: LinearizableFailure,
): LinearizationView | undefined {
  const blocked = opAt(scan, failure.op.invoke, failure.op.description);
  if (blocked === undefined) return undefined;
  const { initialState, steps: replayed } = replay(model, scan, failure.linearized);
  const steps = replayed.slice(-STEPS_SHOWN).flatMap((s, i): LinearizationStep[] => {
    const op = opAt(scan, s.index, s.description);
    const step = replayed.length - Math.min(replayed.length, STEPS_SHOWN) + i + 1;
    return op === undefined ? [] : [{ ...op, step, state: s.state }];
  });
  const concurrent = failure.concurrent.flatMap((c) => {
    const op = opAt(scan, c.invoke, c.description);
    return op === undefined ? [] : [{ ...op, linearized: c.linearized }];
  });
  return {
    checker,
    key: failure.key,
    model: model.name,
    explanation: failure.explanation,
    blocked,
    steps,
    stepsTotal: replayed.length,
    initialState,
    finalState: failure.state,
    concurrent,
    diagram: diagramOf(scan, failure.key, blocked, steps, concurrent),
  };
}

function diagramOf(
  scan: HistoryScan,
  key: string,
  blocked: LinearizedOp,
  steps: readonly LinearizationStep[],
  concurrent: readonly LinearizedOp[],
): LinearizationView["diagram"] {
  const shown = [blocked, ...steps, ...concurrent];
  const framing = [blocked, ...steps.slice(-DIAGRAM_STEPS), ...concurrent];
  const fromS = Math.min(...framing.map((op) => op.startS));
  const toS = Math.max(...framing.map((op) => op.endS ?? op.startS));
  const stepOf = new Map(steps.map((s) => [s.index, s.step]));
  const concurrentSet = new Set(concurrent.map((c) => c.index));
  const ops: LinearizationView["diagram"]["ops"] = [];
  for (const position of scan.byKey.get(key) ?? []) {
    if (scan.typeAt[position] !== INVOKE || ops.length >= DIAGRAM_OPS_MAX) continue;
    const invoke = invokeAt(scan, position);
    const startS = seconds(invoke.time);
    if (invoke.outcome === FAIL) continue; // It did not happen.
    // An info op may take effect any time after its call: it has no end.
    const endS = invoke.outcome === OK ? seconds(invoke.endNs) : undefined;
    if (startS > toS || (endS !== undefined && endS < fromS)) continue;
    const index = invoke.index;
    const known = shown.find((op) => op.index === index);
    const role =
      index === blocked.index
        ? "blocked"
        : stepOf.has(index)
          ? "step"
          : concurrentSet.has(index)
            ? "concurrent"
            : "other";
    ops.push({
      ...(known ?? { index, process: String(invoke.process), description: invoke.f, startS }),
      ...(endS !== undefined && { endS }),
      role,
      ...(stepOf.has(index) && { step: stepOf.get(index) }),
    });
  }
  return { fromS, toS, ops };
}
