// The registry of checkers: `faultline run`, `faultline check` and the docs read this one map.
// Add an entry per checker (one line each).
import type { Checker } from "./checker.js";
import { linearizableChecker } from "./linearizable-checker.js";
import { lostWritesChecker } from "./lost-writes-checker.js";

export const checkers = {
  "lost-writes": lostWritesChecker,
  linearizable: linearizableChecker,
} satisfies Record<string, Checker>;

export type CheckerName = keyof typeof checkers;
