// The seed's table (R1–R3 per build) from a suite summary: one row per cell that measured or
// expected a requirement, the expected value beside the measured one. `faultline matrix` and
// `faultline suite` print it as text; summary.md and index.html render the same rows. Pure.
import { REQUIREMENTS, type Requirement } from "./requirements.js";
import type { SuiteSummary } from "./suite-summary.js";

export interface RequirementCell {
  expected?: string;
  /** The seed's value, where ours is expected to differ (documented). */
  seed?: string;
  /** The worst value over the seeds ("—" when not measured). */
  measured: string;
  /** The numbers behind the measured value. */
  why: string;
  /** true: as expected; false: differs; undefined: nothing expected or not measured. */
  matches?: boolean;
}

export interface RequirementRow {
  id: string;
  label: string;
  values: Record<Requirement, RequirementCell>;
}

export function requirementRows(summary: SuiteSummary): RequirementRow[] {
  return summary.cells
    .filter((cell) => Object.keys(cell.requirements).length > 0)
    .map((cell) => {
      const values = {} as Record<Requirement, RequirementCell>;
      for (const r of REQUIREMENTS) {
        const req = cell.requirements[r];
        const measured = req === undefined || cell.runs.length === 0 ? "—" : req.value;
        values[r] = {
          ...(req?.expected !== undefined && { expected: req.expected }),
          ...(req?.seed !== undefined && { seed: req.seed }),
          measured,
          why: req?.why ?? (cell.skipped !== undefined ? `skipped: ${cell.skipped}` : ""),
          ...(req?.expected !== undefined &&
            measured !== "—" && {
              matches: req.expected === "any" || req.expected === measured,
            }),
        };
      }
      return { id: cell.id, label: cell.label, values };
    });
}

/** "yes / yes", "eventual / yes ✗", "no" (nothing expected), "yes / —" (not measured), and
 * "yes / yes (seed: eventual)" where the suite expects our store to differ from the seed. */
export function requirementText(cell: RequirementCell): string {
  const seed = cell.seed === undefined ? "" : ` (seed: ${cell.seed})`;
  if (cell.expected === undefined) return `${cell.measured}${seed}`;
  return `${cell.expected} / ${cell.measured}${cell.matches === false ? " ✗" : ""}${seed}`;
}

/** The table as aligned text columns: build, then R1, R2, R3 as "expected / measured". */
export function requirementTableText(rows: readonly RequirementRow[]): string {
  const header = ["build", ...REQUIREMENTS.map((r) => `${r} (expected / measured)`)];
  const lines = rows.map((row) => [
    row.label,
    ...REQUIREMENTS.map((r) => requirementText(row.values[r])),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [format(header), ...lines.map(format)].join("\n");
}
