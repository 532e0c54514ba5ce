// A checker is a pure function from a history to a verdict. It never reads the clock or the
// network. Composition ranks true < "unknown" < false; a checker that throws yields "unknown".
import type { History } from "./history.js";

export type Validity = true | false | "unknown";

export interface CheckResult {
  valid: Validity;
  /** Op indexes of a few concrete counterexamples. */
  counterexamples?: readonly number[];
  /** Set when the checker crashed or gave up (budget); valid is then "unknown". */
  error?: string;
  [detail: string]: unknown;
}

/** What the test claims and the checkers may need; each checker reads only what it knows. */
export interface CheckOptions {
  /** linearizable: "register" | "cas-register" | "kv". */
  model?: string;
  /** linearizable: the register's initial value (absent when undefined). */
  initial?: unknown;
  /** stale-reads: the consistency the test claims ("eventual" allows stale reads). */
  consistency?: "eventual" | "session" | "linearizable";
  /** A budget after which a search answers "unknown". */
  timeLimitMs?: number;
  [option: string]: unknown;
}

export interface Checker {
  readonly name: string;
  check(history: History, options: CheckOptions): CheckResult;
}

const rank = { true: 0, unknown: 1, false: 2 } as const;

/** The worse of two verdicts: true < "unknown" < false. */
export function worse(a: Validity, b: Validity): Validity {
  return rank[String(a) as keyof typeof rank] >= rank[String(b) as keyof typeof rank] ? a : b;
}

/** Runs a checker, turning a throw into an "unknown" verdict that carries the error. */
export function safeCheck(checker: Checker, history: History, options: CheckOptions): CheckResult {
  try {
    return checker.check(history, options);
  } catch (err) {
    return { valid: "unknown", error: err instanceof Error ? err.message : String(err) };
  }
}

export const noopChecker: Checker = { name: "noop", check: () => ({ valid: true }) };

/** Runs every checker; the composite is valid only as far as the worst of them. */
export function composeCheckers(checkers: readonly Checker[]): Checker & {
  check(h: History, o: CheckOptions): CheckResult & { results: Record<string, CheckResult> };
} {
  return {
    name: "compose",
    check(history, options) {
      const results: Record<string, CheckResult> = {};
      let valid: Validity = true;
      for (const checker of checkers) {
        const result = safeCheck(checker, history, options);
        results[checker.name] = result;
        valid = worse(valid, result.valid);
      }
      return { valid, results };
    },
  };
}
