// Reads the files the report page is made of: report.html, report.css and report.js beside this
// module, and uPlot's browser build and stylesheet from node_modules. Read once per process.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { ReportAssets } from "./render-report.js";

let loaded: Promise<ReportAssets> | undefined;

async function read(path: string | URL): Promise<string> {
  return readFile(path, "utf8");
}

export function loadReportAssets(): Promise<ReportAssets> {
  loaded ??= (async () => {
    const require = createRequire(import.meta.url);
    const [html, css, js, uplotJs, uplotCss] = await Promise.all([
      read(new URL("./report.html", import.meta.url)),
      read(new URL("./report.css", import.meta.url)),
      read(new URL("./report.js", import.meta.url)),
      read(require.resolve("uplot/dist/uPlot.iife.min.js")),
      read(require.resolve("uplot/dist/uPlot.min.css")),
    ]);
    return { html, css, js, uplotJs, uplotCss };
  })().catch((err: unknown) => {
    loaded = undefined; // A later call tries again.
    throw err;
  });
  return loaded;
}
