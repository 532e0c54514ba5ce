// summary.md from a suite summary: a markdown page fit for a CI step summary (GitHub's
// $GITHUB_STEP_SUMMARY): the outcome and counts, the seed's R1–R3 table (expected / measured)
// when the suite measures requirements, one row per cell, then each unmet expectation with its
// numbers and the flaky ones. Pure.
import { REQUIREMENTS } from "./requirements.js";
import { requirementRows, requirementText } from "./requirement-table.js";
import type { CellReport, SuiteSummary } from "./suite-summary.js";

const MARK: Record<CellReport["outcome"], string> = {
  passed: "✅ passed",
  failed: "❌ FAILED",
  unknown: "❔ unknown",
  error: "💥 error",
  skipped: "⏭️ skipped",
};

/** A markdown table cell: no pipe or line break may end it early. */
function cell(text: string): string {
  return text.replaceAll("\\", "\\\\").replaceAll("|", "\\|").replace(/\r?\n/g, "<br>");
}

function row(cells: readonly string[]): string {
  return `| ${cells.map(cell).join(" | ")} |`;
}

export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
}

export function summaryMarkdown(summary: SuiteSummary): string {
  const { counts } = summary;
  const lines = [
    `## faultline suite \`${summary.suite}\`: ${MARK[summary.outcome]}`,
    "",
    [
      `${counts.cells} cells, ${counts.runs} runs in ${duration(summary.durationMs)}`,
      `${counts.passed} passed, ${counts.failed} failed, ${counts.unknown} unknown, ${counts.error} errors, ${counts.skipped} skipped`,
      `exit ${summary.exitCode}`,
      ...(summary.git.commit !== undefined
        ? [`commit \`${summary.git.commit.slice(0, 12)}\`${summary.git.dirty ? " (dirty)" : ""}`]
        : []),
      ...(summary.shard !== undefined
        ? [`shard ${summary.shard.index}/${summary.shard.count}`]
        : []),
      ...(summary.interrupted ? ["interrupted"] : []),
    ].join(" · "),
    "",
  ];
  const rows = requirementRows(summary);
  if (rows.length > 0) {
    lines.push(
      "### R1 / R2 / R3 (expected / measured)",
      "",
      row(["build", ...REQUIREMENTS]),
      row(["---", ...REQUIREMENTS.map(() => "---")]),
      ...rows.map((r) => row([r.label, ...REQUIREMENTS.map((q) => requirementText(r.values[q]))])),
      "",
      "R1 replicas agree · R2 no acknowledged write lost · R3 no read returns a superseded value",
      "",
      ...summary.cells.flatMap((c) => c.notes.map((note) => `- **${c.label}**: ${note}`)),
      "",
    );
  }
  lines.push(
    "### Cells",
    "",
    row(["cell", "outcome", "seeds", "time", "unmet expectations"]),
    row(["---", "---", "---", "---", "---"]),
    ...summary.cells.map((c) =>
      row([
        c.label,
        MARK[c.outcome],
        c.seeds.join(", "),
        duration(c.durationMs),
        c.skipped ??
          c.expectations
            .filter((e) => e.outcome !== "passed")
            .map((e) => `${e.subject}: expected ${e.expected}, measured ${e.measured}`)
            .join("; "),
      ]),
    ),
    "",
  );
  const unmet = summary.cells.flatMap((c) =>
    c.expectations
      .filter((e) => e.outcome === "failed" || e.outcome === "error" || e.outcome === "unknown")
      .map((e) => ({ cell: c, e })),
  );
  if (unmet.length > 0) {
    lines.push("### Unmet expectations", "");
    for (const { cell: c, e } of unmet) {
      lines.push(
        `**${c.label}** — ${e.subject} (${e.outcome})`,
        "",
        "```",
        e.message ?? "",
        "```",
        "",
      );
    }
  }
  const flaky = summary.cells.filter((c) => c.flakiness.length > 0);
  if (flaky.length > 0) {
    lines.push("### Flaky across seeds", "");
    for (const c of flaky) lines.push(`- **${c.label}**: ${c.flakiness.join("; ")}`);
    lines.push("");
  }
  return lines.join("\n");
}
