// The seed's three requirements as one pure function of a run's checker results (results.json):
//   R1  replicas agree: "yes" when they agreed at every probe read during the run and after it
//       (a single node always does), "eventual" when they disagreed during the run (probes) or at
//       the first final read but agreed after quiescence, "no" when a key still differed then;
//       from convergence (probes: the test's probeInterval);
//   R2  no acknowledged write is lost: "yes" or "no", from lost-writes (lost items), siblings
//       (dropped values) and lost-updates (lost updates, unreflected writes);
//   R3  no read returns a value the store's own order had already superseded before the read
//       began (a write R2 counts as lost is not counted again): "yes", "eventual" when only reads
//       during the run did, "no" when a node's last final read still did; from stale-reads.
// "unknown" when the checker that measures it was not run, crashed, or had nothing to judge.
import type { CheckResult } from "../../checkers/checker.js";
import type { ProbeAgreement } from "../../checkers/convergence-checker.js";

export const REQUIREMENTS = ["R1", "R2", "R3"] as const;
export type Requirement = (typeof REQUIREMENTS)[number];

export const REQUIREMENT_VALUES = ["yes", "eventual", "no", "unknown"] as const;
export type RequirementValue = (typeof REQUIREMENT_VALUES)[number];

export interface Measured {
  value: RequirementValue;
  /** The numbers behind the value, in a sentence. */
  why: string;
}

export type Requirements = Record<Requirement, Measured>;

type Results = Readonly<Record<string, CheckResult | undefined>>;

export function measureRequirements(results: Results): Requirements {
  return { R1: agreement(results), R2: noLostWrites(results), R3: noSupersededReads(results) };
}

/** The worst of several runs' values (yes < eventual < no); unknown only when all are. */
export function worstValue(values: readonly RequirementValue[]): RequirementValue {
  const rank = { yes: 0, eventual: 1, no: 2 } as const;
  let worst: RequirementValue = "unknown";
  for (const value of values) {
    if (value === "unknown") continue;
    if (worst === "unknown" || rank[value] > rank[worst]) worst = value;
  }
  return worst;
}

const unknown = (why: string): Measured => ({ value: "unknown", why });

function counted(result: CheckResult, name: string): number {
  const counts = result.counts as Record<string, unknown> | undefined;
  const n = counts?.[name];
  return typeof n === "number" ? n : 0;
}

function unusable(name: string, result: CheckResult | undefined): Measured | undefined {
  if (result === undefined) return unknown(`${name} was not run`);
  if (result.error !== undefined) return unknown(`${name} failed: ${result.error}`);
  return undefined;
}

function agreement(results: Results): Measured {
  const result = results.convergence;
  const broken = unusable("convergence", result);
  if (broken !== undefined || result === undefined) return broken!;
  const divergent = counted(result, "divergent");
  if (divergent > 0)
    return { value: "no", why: `${divergent} keys still differed after quiescence` };
  if (result.valid === "unknown" || counted(result, "unread") > 0)
    return unknown("a node never answered a final read");
  if (counted(result, "nodes") === 1) return { value: "yes", why: "a single replica" };
  const probes = result.probes as ProbeAgreement | undefined;
  if (probes !== undefined && probes.disagreeingRounds > 0) {
    const { disagreeingRounds, rounds, disagreementMsMax } = probes;
    return {
      value: "eventual",
      why: `disagreed in ${disagreeingRounds} of ${rounds} probe rounds (longest ${disagreementMsMax} ms), agreed after heal`,
    };
  }
  if (result.agreedAtFirstRound === false) {
    return {
      value: "eventual",
      why: `disagreed at the first final read, agreed in round ${result.agreedRound}`,
    };
  }
  if (probes === undefined)
    return unknown("agreed after heal; no probe reads to tell yes from eventual (probeInterval)");
  if (probes.judgedRounds === 0) return unknown("no probe round reached two nodes");
  return { value: "yes", why: `agreed in all ${probes.judgedRounds} probe rounds and after heal` };
}

/** The R2 checkers and the counts that are acknowledged writes lost (an indeterminate add that a
 * read saw and a later read missed is lost to set-full, but it was never acknowledged: R2 asks
 * about acknowledged writes). */
const LOSSES: Record<string, readonly string[]> = {
  "lost-writes": ["lostAcknowledged"],
  siblings: ["dropped"],
  "lost-updates": ["lost-update", "unreflected"],
};

function noLostWrites(results: Results): Measured {
  const judged: string[] = [];
  const losses: string[] = [];
  for (const [name, countNames] of Object.entries(LOSSES)) {
    const result = results[name];
    if (result === undefined || result.error !== undefined) continue;
    for (const count of countNames) {
      const n = counted(result, count);
      if (n > 0) losses.push(`${name} ${count} ${n}`);
    }
    if (result.valid !== "unknown") judged.push(name);
  }
  if (losses.length > 0) return { value: "no", why: losses.join(", ") };
  if (judged.length === 0)
    return unknown("no lost-writes, siblings or lost-updates verdict to judge by");
  return { value: "yes", why: `nothing lost (${judged.join(", ")})` };
}

function noSupersededReads(results: Results): Measured {
  const result = results["stale-reads"];
  const broken = unusable("stale-reads", result);
  if (broken !== undefined || result === undefined) return broken!;
  const reads = counted(result, "reads");
  if (reads === 0) return unknown("no client reads");
  const finals = counted(result, "superseded-final-read");
  if (finals > 0) {
    return { value: "no", why: `${finals} last final reads returned superseded values` };
  }
  const stale = Math.max(
    counted(result, "superseded-read"),
    counted(result, "monotonic-reads") + counted(result, "read-your-writes"),
  );
  if (stale > 0) {
    return {
      value: "eventual",
      why: `${stale} of ${reads} reads returned superseded values; none after heal`,
    };
  }
  const excused = counted(result, "excused");
  return {
    value: "yes",
    why: `no superseded read in ${reads}${excused > 0 ? ` (${excused} missed only lost writes)` : ""}`,
  };
}
