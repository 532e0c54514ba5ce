// Assembles the report page: report.html with report.css, report.js, uPlot and the report's data
// inlined into one self-contained file (no network, works from file://). Pure string assembly:
// the assets come in as text (report-assets.ts reads them), the page goes out as text.
import type { ReportData } from "./report-data.js";

export interface ReportAssets {
  html: string;
  css: string;
  js: string;
  uplotJs: string;
  uplotCss: string;
}

/** JSON that is safe inside <script type="application/json">: no `<` can open `</script>` or
 * `<!--`, and the line separators JavaScript once rejected are escaped too. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replaceAll("<", "\\u003c")
    .replaceAll("\u2028", "\\u2028")
    .replaceAll("\u2029", "\\u2029");
}

export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

/** Inlined code must not end its own element early. */
function inlinable(text: string, element: "script" | "style", what: string): string {
  if (element === "script") return text.replace(/<\/(script)/gi, "<\\/$1");
  if (/<\/style/i.test(text)) throw new Error(`${what} contains "</style" and cannot be inlined`);
  return text;
}

/** The template with each marker replaced by its text. The template is split at its markers first,
 * so inlined text (a history value, uPlot's code) is never searched for a marker. */
function fill(template: string, texts: Record<string, string>): string {
  const parts = template.split(/(\/\*@[\w.]+\*\/|"@data")/);
  for (const marker of Object.keys(texts)) {
    const count = parts.filter((part, i) => i % 2 === 1 && part === marker).length;
    if (count !== 1)
      throw new Error(`report.html must hold the marker ${marker} once, not ${count} times`);
  }
  return parts
    .map((part, i) => {
      if (i % 2 === 0) return part;
      const text = texts[part];
      if (text === undefined) throw new Error(`report.html has an unknown marker ${part}`);
      return text;
    })
    .join("");
}

export function renderReport(data: ReportData, assets: ReportAssets): string {
  const verdict = data.verdict === true ? "valid" : data.verdict === false ? "INVALID" : "unknown";
  return fill(assets.html, {
    "/*@title*/": escapeHtml(`${verdict} · ${data.title} · faultline`),
    "/*@uplot.css*/": inlinable(assets.uplotCss, "style", "uPlot.min.css"),
    "/*@report.css*/": inlinable(assets.css, "style", "report.css"),
    '"@data"': scriptSafeJson(data),
    "/*@uplot.js*/": inlinable(assets.uplotJs, "script", "uPlot.iife.min.js"),
    "/*@report.js*/": inlinable(assets.js, "script", "report.js"),
  });
}
