// The trend pages of `faultline serve --db`: /trends lists the recorded suites; /trends/<suite>
// shows, per cell, its verdict over time (one square a run, coloured, its date, seed and commit
// on hover), each key number over time as a small SVG plot, its flake rate, and the last change
// of verdict with the commits around it. Server-rendered, no script, no network. Pure.
import type { Validity } from "../../checkers/checker.js";
import { escapeHtml } from "../report/render-report.js";
import type { CellTrend, Series, VerdictChange } from "./trend-data.js";

/** The URL segment of the lone runs (a suite name starts with a letter, so never this). */
export const LONE_RUNS = "-runs";

const STYLE = `
body{margin:0;color:#1d2125;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif}
main{max-width:1360px;margin:0 auto;padding:16px 20px 40px}h1{font-size:20px;margin:0 0 4px}
h2{font-size:16px;margin:20px 0 4px}.muted{color:#6a737d}a{color:#0969da;text-decoration:none}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #e1e4e8}
th{color:#6a737d;font-size:12px;background:#f6f8fa}.cell{border:1px solid #e1e4e8;border-radius:6px;padding:8px 12px;margin:12px 0}
.plots{display:flex;flex-wrap:wrap;gap:12px}.plot{font-size:12px}.v-true{fill:#1a7f37}.v-false{fill:#cf222e}
.v-unknown{fill:#bf8700}.v-none{fill:#afb8c1}.change{color:#cf222e}code{font-size:12px}`;

function page(title: string, body: string): string {
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
    `<style>${STYLE}</style></head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`
  );
}

export function trendIndexPage(
  suites: readonly { suite?: string; runs: number; latest: Date; outcome?: string }[],
): string {
  const rows = suites.map((s) => {
    const segment = s.suite ?? LONE_RUNS;
    const name = s.suite ?? "lone runs (faultline run)";
    return `<tr><td><a href="/trends/${encodeURIComponent(segment)}">${escapeHtml(name)}</a></td><td>${s.runs}</td><td>${escapeHtml(s.latest.toISOString())}</td><td>${escapeHtml(s.outcome ?? "")}</td></tr>`;
  });
  const table =
    rows.length === 0
      ? `<p class="muted">Nothing recorded yet: run <code>faultline suite … --db URL</code>.</p>`
      : `<table><thead><tr><th>suite</th><th>runs</th><th>latest</th><th>last outcome</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
  return page("faultline trends", `<p class="muted"><a href="/">the store</a></p>${table}`);
}

const word = (v: Validity | undefined) =>
  v === true ? "valid" : v === false ? "INVALID" : v === "unknown" ? "unknown" : "no verdict";
const css = (v: Validity | undefined) => (v === undefined ? "none" : String(v));
const short = (commit: string | undefined) => (commit === undefined ? "?" : commit.slice(0, 12));

function verdictStrip(trend: CellTrend): string {
  const size = 12;
  const squares = trend.verdicts.map((v, i) => {
    const tip = `${v.at.toISOString()} seed ${v.seed} commit ${short(v.commit)}: ${word(v.valid)}`;
    return `<rect x="${i * (size + 2)}" y="0" width="${size}" height="${size}" class="v-${css(v.valid)}"><title>${escapeHtml(tip)}</title></rect>`;
  });
  const width = Math.max(size, trend.verdicts.length * (size + 2));
  return `<svg width="${width}" height="${size}" role="img" aria-label="verdicts">${squares.join("")}</svg>`;
}

/** A small line plot of one key number over the runs (x: run order; y: 0 … max). */
export function seriesPlot(series: Series, width = 260, height = 70): string {
  const values = series.points.map((p) => p.value);
  const max = Math.max(...values, 0);
  const min = Math.min(...values, 0);
  const span = max - min || 1;
  const step = series.points.length > 1 ? (width - 8) / (series.points.length - 1) : 0;
  const xy = series.points.map((p, i) => ({
    x: 4 + i * step,
    y: 4 + (height - 8) * (1 - (p.value - min) / span),
    p,
  }));
  const line = xy.map(({ x, y }) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" ");
  const dots = xy.map(({ x, y, p }) => {
    const tip = `${p.at.toISOString()} seed ${p.seed} commit ${short(p.commit)}: ${p.value}`;
    return `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="2.5" fill="#0969da"><title>${escapeHtml(tip)}</title></circle>`;
  });
  const last = values[values.length - 1];
  return (
    `<div class="plot"><div>${escapeHtml(series.name)} <span class="muted">last ${last ?? "—"}, max ${max}</span></div>` +
    `<svg width="${width}" height="${height}" role="img" aria-label="${escapeHtml(series.name)}">` +
    `<rect width="${width}" height="${height}" fill="#f6f8fa"/>` +
    `<polyline points="${line}" fill="none" stroke="#0969da" stroke-width="1.5"/>${dots.join("")}</svg></div>`
  );
}

function changeText(change: VerdictChange | undefined): string {
  if (change === undefined) return `<span class="muted">the verdict never changed</span>`;
  const { before, after } = change;
  return (
    `<span class="change">last change: ${word(change.from)} → ${word(change.to)}</span> ` +
    `between ${escapeHtml(before.at.toISOString())} (commit <code>${escapeHtml(short(before.commit))}</code>, seed ${before.seed}) ` +
    `and ${escapeHtml(after.at.toISOString())} (commit <code>${escapeHtml(short(after.commit))}</code>, seed ${after.seed})` +
    (before.commit !== undefined && after.commit !== undefined && before.commit !== after.commit
      ? ` — <code>git log ${escapeHtml(short(before.commit))}..${escapeHtml(short(after.commit))}</code>`
      : "")
  );
}

export function suiteTrendPage(suite: string | undefined, trends: readonly CellTrend[]): string {
  const title = suite === undefined ? "trends: lone runs" : `trends: ${suite}`;
  const cells = trends.map((t) => {
    const flake = `flake rate ${Math.round(t.flakeRate * 100)}% (${t.invalidRuns} of ${t.runs} runs invalid)`;
    return (
      `<section class="cell" id="${escapeHtml(t.cell)}"><h2>${escapeHtml(t.label)} <span class="muted">${escapeHtml(t.cell)}</span></h2>` +
      `<div>${verdictStrip(t)}</div><div class="muted">${escapeHtml(flake)}</div><div>${changeText(t.lastChange)}</div>` +
      `<div class="plots">${t.series.map((s) => seriesPlot(s)).join("")}</div></section>`
    );
  });
  const body =
    `<p class="muted"><a href="/trends">all suites</a> · <a href="/">the store</a></p>` +
    (cells.length === 0 ? `<p class="muted">No runs recorded.</p>` : cells.join(""));
  return page(title, body);
}
