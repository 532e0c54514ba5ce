import { describe, expect, it } from "vitest";
import { HistoryBuilder } from "../../checkers/history-builder.js";
import { testConfigOf } from "../config/test-file.js";
import { renderReport, scriptSafeJson } from "./render-report.js";
import { loadReportAssets } from "./report-assets.js";
import { reportData } from "./report-data.js";

const test = testConfigOf({ seed: 5, name: "cart-leaderless-lww", nemesis: "kill" });
const hostile = "</script><script>alert(1)</script><!-- /*@report.js*/ \u2028";

function data() {
  const h = new HistoryBuilder()
    .at(10)
    .nemesis("invoke", "kill", ["n2"])
    .nemesis("ok", "kill", ["n2"])
    .read(0, "k", [[hostile]])
    .add(1, "k", 7, "info");
  return reportData({
    test,
    history: h.ops,
    results: {
      valid: false,
      results: { c: { valid: false, anomalies: ["odd"], counterexamples: [2, 3] } },
    },
    runName: "t/20260101T000000.000Z",
    files: ["nodes/n1.log", "nodes/n1.dump.json"],
  });
}

/** The text of the page's data element. */
function embedded(page: string): string {
  const open = '<script id="report-data" type="application/json">';
  const at = page.indexOf(open);
  return page.slice(at + open.length, page.indexOf("</script>", at));
}

describe("renderReport", () => {
  it("embeds the data as JSON that parses back to it, whatever the history holds", async () => {
    const d = data();
    const page = renderReport(d, await loadReportAssets());
    expect(page.split('<script id="report-data"')).toHaveLength(2);
    expect(JSON.parse(embedded(page))).toEqual(d);
    expect(embedded(page)).not.toMatch(/<|\u2028/);
    expect(page).not.toContain("alert(1)</script>");
  });

  it("is one self-contained page: uPlot and the report's code and style inlined, no URL", async () => {
    const assets = await loadReportAssets();
    const d = data();
    const page = renderReport(d, assets);
    expect(page).toContain(assets.uplotJs.slice(0, 200));
    expect(page).toContain(assets.css.slice(0, 200));
    expect(page).toContain(assets.js.slice(0, 200));
    expect(page).toContain("<title>INVALID · cart-leaderless-lww · faultline</title>");
    // The one URL is uPlot's attribution banner, a comment: nothing is fetched.
    const urls = page.match(/https?:\/\/[^\s"')]*/g) ?? [];
    expect(urls).toEqual(["https://github.com/leeoniya/uPlot"]);
    expect(page).toContain("/*! https://github.com/leeoniya/uPlot (v1.6");
    expect(page).not.toMatch(
      /\bfetch\(|XMLHttpRequest|WebSocket|sendBeacon|url\(\s*["']?(?!data:)[a-z]+:/i,
    );
    expect(page).not.toMatch(/\b(?:src|href)\s*=\s*["']?\/\//i);
    expect(page).not.toMatch(/@import|<link\b|<script\b[^>]*\bsrc=/i);
    // Every marker was filled (the hostile string in the data is not one).
    for (const marker of ["/*@title*/", "/*@uplot.css*/", "/*@report.css*/", '"@data"'])
      expect(page).not.toContain(marker);
    const inData = scriptSafeJson(d).split("/*@report.js*/").length;
    expect(inData).toBeGreaterThan(1);
    expect(page.split("/*@report.js*/")).toHaveLength(inData); // only the copies in the data
  });

  it("refuses a template that lacks a marker", async () => {
    const assets = await loadReportAssets();
    expect(() => renderReport(data(), { ...assets, html: "<html></html>" })).toThrow(
      /marker \/\*@title\*\/ once, not 0 times/,
    );
  });

  it("escapes what would end the script element", () => {
    expect(scriptSafeJson({ a: "</script>" })).toBe('{"a":"\\u003c/script>"}');
  });
});
