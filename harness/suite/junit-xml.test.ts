// junit.xml as its consumers read it: validated by xmllint (Debian's libxml2-utils) against
// junit.xsd, written from the documented JUnit format, and read back with XPath. Without xmllint
// the test skips with a message, unless CI=true (then it must be installed).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it, vi } from "vitest";
import { junitXml } from "./junit-xml.js";
import { finishedRun, suite, summaryOf } from "./test-fixtures/results.js";

vi.mock("../runtime/runtimes.js", () => ({ runtimes: { local: {}, docker: {} } }));

const XSD = fileURLToPath(new URL("./junit.xsd", import.meta.url));
const hasXmllint = spawnSync("xmllint", ["--version"]).status === 0;
const required = process.env.CI === "true";
if (!hasXmllint && !required) {
  console.warn(
    "SKIPPING junit.xml schema tests: xmllint is not installed (apt-get install -y libxml2-utils)",
  );
}
const dir = mkdtempSync(join(tmpdir(), "faultline-junit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function validate(path: string): { ok: boolean; output: string } {
  const result = spawnSync("xmllint", ["--noout", "--schema", XSD, path], { encoding: "utf8" });
  return { ok: result.status === 0, output: result.stderr };
}

function xpath(path: string, expression: string): string {
  return execFileSync("xmllint", ["--xpath", expression, path], { encoding: "utf8" }).trim();
}

const SUITE = suite(`name: nightly
seeds: [1, 2]
axes:
  build:
    - name: lww
      expect: { lost-writes: invalid, R2: "no" }
    - name: siblings
      expect: { R3: "yes" }
    - name: reject
    - name: later
`);

/** lww as expected; siblings read a stale value (R3 unmet) and lost an item (lost-writes unmet);
 * reject had a crashed run (an error); later never ran. */
function nightly() {
  return summaryOf(SUITE, (cell) => {
    if (cell.id === "later") return undefined;
    if (cell.id === "lww") return [finishedRun(1, { lost: 3 }), finishedRun(2, { lost: 1 })];
    if (cell.id === "siblings")
      return [finishedRun(1, { superseded: 2, lost: 1 }), finishedRun(2, { superseded: 1 })];
    return [
      finishedRun(1),
      {
        ...finishedRun(2),
        valid: undefined,
        verdicts: {},
        error: "internal error: <boom> & \u0007",
      },
    ];
  });
}

describe.skipIf(!hasXmllint && !required)("junit.xml", () => {
  const path = file("junit.xml", junitXml(nightly()));

  it("is valid for the JUnit schema GitHub, GitLab and Jenkins read", () => {
    const { ok, output } = validate(path);
    expect(output).toContain("validates");
    expect(ok).toBe(true);
  });

  it("has one testsuite per cell and one testcase per cell × checker (and expected R1–R3)", () => {
    expect(xpath(path, "count(/testsuites/testsuite)")).toBe("4");
    expect(xpath(path, "string(/testsuites/testsuite[1]/@name)")).toBe("nightly.lww");
    const names = Array.from({ length: 6 }, (_, i) =>
      xpath(path, `string(/testsuites/testsuite[1]/testcase[${i + 1}]/@name)`),
    );
    expect(names).toEqual([
      "lost-writes",
      "convergence",
      "stale-reads",
      "stats",
      "R2 (requirement)",
      "",
    ]);
  });

  it("counts tests, failures, errors and skipped, per testsuite and in total, as its testcases say", () => {
    const attr = (at: string, name: string) => Number(xpath(path, `string(${at}/@${name})`));
    for (const at of ["/testsuites", ...[1, 2, 3, 4].map((i) => `/testsuites/testsuite[${i}]`)]) {
      const cases = at === "/testsuites" ? `${at}/testsuite/testcase` : `${at}/testcase`;
      expect(attr(at, "tests"), at).toBe(Number(xpath(path, `count(${cases})`)));
      expect(attr(at, "failures"), at).toBe(Number(xpath(path, `count(${cases}/failure)`)));
      expect(attr(at, "errors"), at).toBe(Number(xpath(path, `count(${cases}/error)`)));
      expect(attr(at, "skipped"), at).toBe(Number(xpath(path, `count(${cases}/skipped)`)));
    }
    expect([
      attr("/testsuites", "failures"),
      attr("/testsuites", "errors"),
      attr("/testsuites", "skipped"),
    ]).toEqual([2, 4, 1]);
    expect(attr("/testsuites", "time")).toBe(60);
    expect(attr("/testsuites/testsuite[1]", "time")).toBe(20);
  });

  it("gives an unmet expectation a failure whose message and text carry the key numbers and counterexamples", () => {
    const at = `/testsuites/testsuite[@name="nightly.siblings"]/testcase[@name="lost-writes"]/failure`;
    expect(xpath(path, `string(${at}/@message)`)).toBe(
      "expected valid, measured invalid in 1 of 2 seeds, valid in 1",
    );
    const text = xpath(path, `string(${at})`);
    expect(text).toMatch(/seed 1: anomalies: lost; .*lost 1/);
    expect(text).toContain("lost: item 7 on k1 (add op 3, absent from read op 40)");
    const r3 = `/testsuites/testsuite[@name="nightly.siblings"]/testcase[@name="R3 (requirement)"]/failure/@message`;
    expect(xpath(path, `string(${r3})`)).toBe("expected yes, measured eventual");
  });

  it("reports a crashed run as an error (its text escaped, control characters replaced)", () => {
    const errors = xpath(path, `string(/testsuites/testsuite[@name="nightly.reject"]/system-out)`);
    expect(errors).toContain("internal error: <boom> & \ufffd");
    expect(xpath(path, `count(/testsuites/testsuite[@name="nightly.reject"]/testcase/error)`)).toBe(
      "4",
    );
  });

  it("marks the testcases of a cell that never ran as skipped", () => {
    const at = `/testsuites/testsuite[@name="nightly.later"]`;
    expect(xpath(path, `count(${at}/testcase/skipped)`)).toBe("1");
    expect(xpath(path, `string(${at}/system-out)`)).toContain(
      "skipped: the time budget (1s) ran out",
    );
  });

  it("the schema refuses what consumers would misread (it is no rubber stamp)", () => {
    const xml = junitXml(nightly());
    const broken = [
      xml.replace(/ failures="\d+"/, ""),
      xml.replace("<testcase ", '<testcase bogus="1" '),
      xml.replace(/<failure message="[^"]*"/, "<failure"),
      xml.replace(/time="[\d.]+"/, 'time="soon"'),
    ];
    for (const [i, text] of broken.entries())
      expect(validate(file(`broken-${i}.xml`, text)).ok, `broken ${i}`).toBe(false);
  });
});
