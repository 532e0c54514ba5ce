// The registry of checkers: `faultline run`, `faultline check` and the docs read this one map.
// Add an entry per checker (one line each).
import type { Checker } from "./checker.js";
import { convergenceChecker } from "./convergence-checker.js";
import { linearizableChecker } from "./linearizable-checker.js";
import { lostUpdatesChecker } from "./lost-updates-checker.js";
import { lostWritesChecker } from "./lost-writes-checker.js";
import { siblingsChecker } from "./siblings-checker.js";
import { staleReadsChecker } from "./stale-reads-checker.js";
import { statsChecker } from "./stats-checker.js";

export const checkers = {
  "lost-writes": lostWritesChecker,
  siblings: siblingsChecker,
  convergence: convergenceChecker,
  "lost-updates": lostUpdatesChecker,
  "stale-reads": staleReadsChecker,
  stats: statsChecker,
  linearizable: linearizableChecker,
} satisfies Record<string, Checker>;

export type CheckerName = keyof typeof checkers;
