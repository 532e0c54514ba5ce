// The end of a run as a user reads it: a table of the checker verdicts with their key numbers,
// then the run directory. Pure: results in, text out.
import type { CheckResult, Validity } from "../../checkers/checker.js";

const VERDICT: Record<string, string> = { true: "valid", false: "INVALID", unknown: "unknown" };

export function verdictWord(valid: Validity): string {
  return VERDICT[String(valid)] ?? String(valid);
}

/** A result's numbers worth a glance: its top-level numbers and its `counts`, non-zero first. */
export function keyNumbers(result: CheckResult, max = 6): string {
  if (result.error !== undefined) return `error: ${result.error}`;
  const entries: [string, number][] = [];
  for (const [name, value] of Object.entries(result)) {
    if (typeof value === "number") entries.push([name, value]);
    if (name === "counts" && typeof value === "object" && value !== null) {
      for (const [inner, n] of Object.entries(value))
        if (typeof n === "number") entries.push([inner, n]);
    }
  }
  const shown = [
    ...entries.filter(([, n]) => n !== 0),
    ...entries.filter(([, n]) => n === 0),
  ].slice(0, max);
  const anomalies =
    Array.isArray(result.anomalies) && result.anomalies.length > 0
      ? `anomalies: ${result.anomalies.join(", ")}; `
      : "";
  return (
    anomalies +
    shown.map(([name, n]) => `${name} ${Number.isInteger(n) ? n : n.toFixed(1)}`).join(", ")
  );
}

export function summaryTable(valid: Validity, results: Record<string, CheckResult>): string {
  const rows = Object.entries(results).map(
    ([name, result]) => [name, verdictWord(result.valid), keyNumbers(result)] as const,
  );
  const width = Math.max(7, ...rows.map(([name]) => name.length));
  const lines = [
    `${"checker".padEnd(width)}  ${"verdict".padEnd(7)}  key numbers`,
    ...rows.map(
      ([name, verdict, numbers]) => `${name.padEnd(width)}  ${verdict.padEnd(7)}  ${numbers}`,
    ),
    `${"overall".padEnd(width)}  ${verdictWord(valid)}`,
  ];
  return lines.join("\n");
}
