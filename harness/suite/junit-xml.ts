// junit.xml from a suite summary, in the JUnit XML shape GitHub (test-reporter actions), GitLab
// and Jenkins read: <testsuites> with the totals, one <testsuite> per cell, one <testcase> per
// cell × checker (and per expected R1–R3). An unmet expectation is a <failure> whose message says
// what was expected and measured and whose text gives the key numbers and first counterexamples;
// an unknown one or a crashed run is an <error>; a cell that never ran is <skipped>. A cell's time
// is its testsuite's (its testcases share one run). junit.xsd beside this file is the schema the
// tests validate against. Pure.
import type { ExpectationReport, SuiteSummary } from "./suite-summary.js";

export function junitXml(summary: SuiteSummary): string {
  const suites = summary.cells.map((cell) => {
    const cases = cell.expectations.map((e) => testcase(summary.suite, cell.id, e));
    const count = (outcome: ExpectationReport["outcome"][]) =>
      cell.expectations.filter((e) => outcome.includes(e.outcome)).length;
    const properties: [string, string][] = [
      ["label", cell.label],
      ["seeds", cell.seeds.join(",")],
      ...Object.entries(cell.axes).map(([axis, value]): [string, string] => [
        `axis.${axis}`,
        value,
      ]),
      ...cell.runs.flatMap((run): [string, string][] =>
        run.runDir === undefined ? [] : [[`run.seed.${run.seed}`, `${run.runDir}/report.html`]],
      ),
    ];
    const out = [
      ...(cell.skipped !== undefined ? [`skipped: ${cell.skipped}`] : []),
      ...cell.flakiness,
      ...cell.runs.map((run) =>
        [`seed ${run.seed}:`, run.runDir, run.error].filter((x) => x !== undefined).join(" "),
      ),
    ];
    return [
      `  <testsuite${attributes({
        name: `${summary.suite}.${cell.id}`,
        id: cell.index,
        package: summary.suite,
        tests: cell.expectations.length,
        failures: count(["failed"]),
        errors: count(["error", "unknown"]),
        skipped: count(["skipped"]),
        time: seconds(cell.durationMs),
        timestamp: timestamp(cell.runs[0]?.startedAt ?? summary.startedAt),
        hostname: "localhost",
      })}>`,
      "    <properties>",
      ...properties.map(([name, value]) => `      <property${attributes({ name, value })}/>`),
      "    </properties>",
      ...cases,
      ...(out.length > 0 ? [`    <system-out>${text(out.join("\n"))}</system-out>`] : []),
      "  </testsuite>",
    ].join("\n");
  });
  const all = summary.cells.flatMap((c) => c.expectations);
  const count = (outcomes: ExpectationReport["outcome"][]) =>
    all.filter((e) => outcomes.includes(e.outcome)).length;
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites${attributes({
      name: `faultline suite ${summary.suite}`,
      tests: all.length,
      failures: count(["failed"]),
      errors: count(["error", "unknown"]),
      skipped: count(["skipped"]),
      time: seconds(summary.durationMs),
      timestamp: timestamp(summary.startedAt),
    })}>`,
    ...suites,
    "</testsuites>",
    "",
  ].join("\n");
}

function testcase(suite: string, cellId: string, e: ExpectationReport): string {
  const head = `    <testcase${attributes({
    name: e.kind === "requirement" ? `${e.subject} (requirement)` : e.subject,
    classname: `${suite}.${cellId}`,
    time: "0.000",
  })}`;
  const summaryLine = `expected ${e.expected}, measured ${e.measured}`;
  const body = e.message ?? summaryLine;
  switch (e.outcome) {
    case "passed":
      return `${head}/>`;
    case "skipped":
      return `${head}>\n      <skipped${attributes({ message: "the cell did not run" })}/>\n    </testcase>`;
    case "failed":
      return `${head}>\n      <failure${attributes({ message: summaryLine, type: "expectation" })}>${text(body)}</failure>\n    </testcase>`;
    default: {
      const type = e.outcome === "unknown" ? "unknown" : "error";
      const message = e.outcome === "unknown" ? `inconclusive: ${summaryLine}` : summaryLine;
      return `${head}>\n      <error${attributes({ message, type })}>${text(body)}</error>\n    </testcase>`;
    }
  }
}

function attributes(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([name, value]) => ` ${name}="${attribute(String(value))}"`)
    .join("");
}

/** XML 1.0 allows no control characters but tab, newline and carriage return. */
function clean(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  return value.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "\ufffd");
}

function text(value: string): string {
  return clean(value).replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

function attribute(value: string): string {
  return text(value)
    .replaceAll('"', "&quot;")
    .replaceAll("\n", "&#10;")
    .replaceAll("\r", "&#13;")
    .replaceAll("\t", "&#9;");
}

function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

/** ISO 8601 without a zone, as the Ant/Jenkins schema's timestamp wants (UTC). */
function timestamp(iso: string): string {
  return iso.replace(/\.\d+Z$|Z$/, "");
}
