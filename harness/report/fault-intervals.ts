// The faults of a run as intervals to shade on the report's timelines, from the nemesis ops of the
// history: a fault starts at the invoke of its start step (partition, kill, pause, clock) and ends
// at the completion of its stop step (heal, restart, resume, clock-reset), of the final heal-all,
// or at the end of the history. Steps of one kind run in order, so starts and stops pair FIFO.
// Which f starts and which stops a fault comes from the one table of fault kinds (fault-kinds.ts).
import type { Op } from "../../checkers/history.js";
import { HEAL_ALL, kindStoppedBy, startsFault } from "./fault-kinds.js";

export interface FaultInterval {
  /** partition | kill | pause | clock | another start step's f. */
  kind: string;
  /** Seconds since the test started. */
  startS: number;
  endS: number;
  /** What it hit, for people: "bridge: n1↮n3", "n2, n3", "n1 +1200ms". */
  targets: string;
  /** ok when the start step succeeded; info when it failed or its outcome is unknown. */
  outcome: "ok" | "info" | "pending";
  /** Whether a stop step (or heal-all) ended it; false when the history ended first. */
  healed: boolean;
  /** History indexes of the start's invoke and the stop's completion. */
  ops: number[];
}

/** A nemesis step that happened at one moment and ends no fault (e.g. an unknown f). */
export interface NemesisEvent {
  f: string;
  timeS: number;
  outcome: "ok" | "info" | "pending";
  detail: string;
  index: number;
}

/** Nanoseconds → seconds, to the microsecond (a long run's op times keep their precision). */
export const seconds = (ns: number): number => Math.round(ns / 1e3) / 1e6;

/** "bridge: n1↮n3, n3↮n1" for a partition value, node lists and clock offsets for the others. */
export function describeTargets(kind: string, value: unknown): string {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.map(String).join(", ");
  if (typeof value !== "object") return String(value);
  const record = value as Record<string, unknown>;
  if (kind === "partition") {
    const cuts = Array.isArray(record.cuts) ? record.cuts : [];
    const directed = cuts
      .filter((cut): cut is unknown[] => Array.isArray(cut))
      .map((cut) => [String(cut[0]), String(cut[1])] as const);
    const has = new Set(directed.map(([a, b]) => `${a}>${b}`));
    // A link cut both ways shows once, as a↮b; a one-way cut as a→b.
    const links = directed.flatMap(([a, b]) =>
      !has.has(`${b}>${a}`) ? [`${a}→${b}`] : a < b ? [`${a}↮${b}`] : [],
    );
    const shape = typeof record.shape === "string" ? record.shape : "partition";
    return links.length > 0 ? `${shape}: cut ${links.join(", ")}` : shape;
  }
  if (kind === "clock") {
    return Object.entries(record)
      .map(([node, ms]) => `${node} ${typeof ms === "number" && ms >= 0 ? "+" : ""}${ms}ms`)
      .join(", ");
  }
  return JSON.stringify(value);
}

interface Step {
  invoke: Op;
  complete: Op | undefined;
}

/** Pairs nemesis invokes with their completions by f, in order (steps of one f never overlap). */
function nemesisSteps(history: Iterable<Op>): Step[] {
  const steps: Step[] = [];
  const open = new Map<string, Step[]>();
  for (const op of history) {
    if (op.process !== "nemesis") continue;
    if (op.type === "invoke") {
      const step: Step = { invoke: op, complete: undefined };
      steps.push(step);
      const queue = open.get(op.f) ?? [];
      queue.push(step);
      open.set(op.f, queue);
    } else {
      const step = open.get(op.f)?.shift();
      if (step !== undefined) step.complete = op;
    }
  }
  return steps;
}

/** The faults and events of the nemesis ops among `ops` (other ops are skipped); a fault never
 * healed lasts until `endNs`, the history's last time. */
export function faultIntervals(
  ops: Iterable<Op>,
  endNs: number,
): {
  faults: FaultInterval[];
  events: NemesisEvent[];
} {
  const faults: FaultInterval[] = [];
  const events: NemesisEvent[] = [];
  const active = new Map<string, FaultInterval[]>();
  const outcomeOf = (step: Step) =>
    step.complete === undefined ? "pending" : step.complete.type === "ok" ? "ok" : "info";
  const end = (fault: FaultInterval, step: Step) => {
    const at = step.complete ?? step.invoke;
    fault.endS = seconds(at.time);
    fault.healed = true;
    fault.ops.push(at.index);
  };

  for (const step of nemesisSteps(ops)) {
    const f = step.invoke.f;
    const stopped = kindStoppedBy(f);
    if (startsFault(f)) {
      const fault: FaultInterval = {
        kind: f,
        startS: seconds(step.invoke.time),
        endS: seconds(endNs),
        targets: describeTargets(f, step.invoke.value),
        outcome: outcomeOf(step),
        healed: false,
        ops: [step.invoke.index],
      };
      faults.push(fault);
      active.set(f, [...(active.get(f) ?? []), fault]);
    } else if (stopped !== undefined) {
      const fault = active.get(stopped)?.shift();
      if (fault !== undefined) end(fault, step);
    } else if (f === HEAL_ALL) {
      for (const list of active.values()) for (const fault of list.splice(0)) end(fault, step);
      events.push(eventOf(step, outcomeOf(step)));
    } else {
      events.push(eventOf(step, outcomeOf(step)));
    }
  }
  return { faults, events };
}

function eventOf(step: Step, outcome: NemesisEvent["outcome"]): NemesisEvent {
  const error = step.complete?.error;
  return {
    f: step.invoke.f,
    timeS: seconds(step.invoke.time),
    outcome,
    detail:
      describeTargets(step.invoke.f, step.invoke.value) +
      (typeof error === "string" ? ` (${error})` : ""),
    index: step.invoke.index,
  };
}
