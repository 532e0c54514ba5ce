// index.html of a suite's folder: the R1–R3 matrix with the expected value beside the measured
// one (hover: the numbers behind it), and every cell with its outcome, its expectations and a
// link to each run's report.html. Pure: the template (suite-index.html) and a summary in, the
// page out; links are relative to the suite's folder.
import { escapeHtml } from "../report/render-report.js";
import { REQUIREMENTS } from "./requirements.js";
import { requirementRows } from "./requirement-table.js";
import { duration } from "./summary-markdown.js";
import type { CellReport, SuiteSummary } from "./suite-summary.js";

const WORD: Record<CellReport["outcome"], string> = {
  passed: "passed",
  failed: "FAILED",
  unknown: "unknown",
  error: "error",
  skipped: "skipped",
};

function href(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

function pill(css: string, text: string, title = ""): string {
  const tip = title === "" ? "" : ` title="${escapeHtml(title)}"`;
  return `<span class="pill ${css}"${tip}>${escapeHtml(text)}</span>`;
}

function matrix(summary: SuiteSummary): string {
  const rows = requirementRows(summary);
  if (rows.length === 0) return "";
  const body = rows.map((row) => {
    const cells = REQUIREMENTS.map((r) => {
      const v = row.values[r];
      const css = v.matches === true ? "match" : v.matches === false ? "differs" : "none";
      const expected = v.expected === undefined ? "" : `${escapeHtml(v.expected)} / `;
      return `<td>${expected}${pill(css, v.measured, v.why)}</td>`;
    });
    return `          <tr><td><a href="#cell-${row.id}">${escapeHtml(row.label)}</a></td>${cells.join("")}</tr>`;
  });
  return [
    "      <h2>R1 / R2 / R3 (expected / measured)</h2>",
    `      <div class="muted">R1 replicas agree · R2 no acknowledged write lost · R3 no read returns a value the store had already superseded</div>`,
    "      <table>",
    `        <thead><tr><th>build</th>${REQUIREMENTS.map((r) => `<th>${r}</th>`).join("")}</tr></thead>`,
    "        <tbody>",
    ...body,
    "        </tbody>",
    "      </table>",
  ].join("\n");
}

function cellRow(cell: CellReport): string {
  const expectations = cell.expectations.map((e) => {
    const title = e.message ?? "";
    return `<li>${escapeHtml(e.subject)}: ${escapeHtml(e.expected)} → ${pill(e.outcome, e.measured, title)}</li>`;
  });
  const notes = [
    ...(cell.skipped !== undefined ? [cell.skipped] : []),
    ...cell.flakiness,
    ...cell.notes,
  ];
  const runs = cell.runs.map((run) => {
    const label = `seed ${run.seed}`;
    const link =
      run.runDir === undefined
        ? escapeHtml(label)
        : `<a href="${href(run.runDir)}/report.html">${escapeHtml(label)}</a> <a class="muted" href="${href(run.runDir)}/">files</a>`;
    return `<li>${link}${run.error === undefined ? "" : ` <span class="muted">${escapeHtml(run.error)}</span>`}</li>`;
  });
  return [
    `          <tr id="cell-${escapeHtml(cell.id)}">`,
    `<td>${escapeHtml(cell.label)}<div class="muted">${escapeHtml(cell.id)} · ${duration(cell.durationMs)}</div></td>`,
    `<td>${pill(cell.outcome, WORD[cell.outcome])}${notes.map((n) => `<div class="muted">${escapeHtml(n)}</div>`).join("")}</td>`,
    `<td><ul>${expectations.join("")}</ul></td>`,
    `<td><ul>${runs.join("")}</ul></td></tr>`,
  ].join("");
}

export function suiteIndexPage(template: string, summary: SuiteSummary): string {
  const { counts } = summary;
  const meta = [
    `${WORD[summary.outcome]} · ${counts.cells} cells (${counts.passed} passed, ${counts.failed} failed, ${counts.unknown} unknown, ${counts.error} errors, ${counts.skipped} skipped)`,
    `${counts.runs} runs in ${duration(summary.durationMs)}`,
    `started ${summary.startedAt}`,
    ...(summary.git.commit !== undefined ? [`commit ${summary.git.commit.slice(0, 12)}`] : []),
    `exit ${summary.exitCode}`,
  ].join(" · ");
  const fills: Record<string, string> = {
    "/*@title*/": escapeHtml(`faultline suite ${summary.suite}`),
    "/*@meta*/": escapeHtml(meta),
    "/*@matrix*/": matrix(summary),
    "/*@cells*/": summary.cells.map(cellRow).join("\n"),
  };
  return template
    .split(/(\/\*@\w+\*\/)/)
    .map((part) => fills[part] ?? part)
    .join("");
}
