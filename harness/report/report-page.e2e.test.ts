// The report as a user sees it, in Debian's chromium at desktop (1440 px) and phone (390 px)
// width: the reports of a failing example (register-leader-linearizable) and a passing one
// (cart-siblings-keeps-items), both real runs, and a run built here with a known linearizability
// failure and a <script> planted in a key, a value, the run's folder and a node's name. Each page
// draws with no console error, no horizontal overflow on a phone, every view marked with
// data-view, and no planted script run. Screenshots go to each run folder (screenshots/), under
// .vitest/report-page/ (git-ignored), as test artifacts.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Checker, composeCheckers } from "../../checkers/checker.js";
import { checkers } from "../../checkers/checkers.js";
import type { Op } from "../../checkers/history.js";
import { HistoryBuilder } from "../../checkers/history-builder.js";
import { testConfigOf, testJson } from "../config/test-file.js";
import { faultline, runDirOf } from "../run/faultline-process.js";
import { browserGate, launchChromium } from "./test-fixtures/headless-chromium.js";
import { writeReport } from "./write-report.js";

const gate = browserGate("the report in chromium");
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ARTIFACTS = join(ROOT, ".vitest", "report-page");
const STORE = join(ARTIFACTS, "store");
const WIDTHS = [1440, 390];
const VIEWS = ["checkers", "timeline", "throughput", "latency", "final-reads", "counterexamples"];
const SCRIPT = "<script>window.__planted = (window.__planted || 0) + 1</script>";
const IMG = '<img src=x onerror="window.__planted = (window.__planted || 0) + 1">';

/** A register run on key SCRIPT whose last read returns a value no order explains. */
function plantedHistory(): Op[] {
  const key = `k${SCRIPT}`;
  const node = `n1${IMG}`;
  const h = new HistoryBuilder()
    .at(10)
    .invoke(0, "write", { key, value: 1, node, basis: [] })
    .at(20)
    .ok(0)
    .at(30)
    .invoke(1, "write", { key, value: SCRIPT, node, basis: [[1]] })
    .at(40)
    .ok(1)
    .at(50)
    .nemesis("invoke", "partition", { shape: "one", cuts: [[node, "n2"]] })
    .nemesis("ok", "partition", { shape: "one", cuts: [[node, "n2"]] })
    .at(60)
    .invoke(2, "read", { key, node })
    .at(70)
    .ok(2, { value: [SCRIPT] })
    .at(80)
    .invoke(0, "read", { key, node: "n2" })
    .at(90)
    .ok(0, { value: [1] }) // stale: not linearizable
    .at(100)
    .nemesis("invoke", "heal-all")
    .nemesis("ok", "heal-all");
  h.finalRead(10, key, node, 1, [SCRIPT]).finalRead(11, key, "n2", 1, [1]);
  return h.ops;
}

/** The planted run: a folder name that is no timestamp, under a test folder named with a script
 * (a test's own name cannot hold one: the loader refuses it, test.json included). */
async function plantedRun(): Promise<string> {
  const dir = join(STORE, `planted${IMG}`, "not-a-timestamp");
  mkdirSync(dir, { recursive: true });
  const test = testConfigOf({
    name: "planted",
    seed: 9,
    workload: "register",
    checkers: { consistency: "linearizable" },
  });
  const history = plantedHistory();
  const chosen = ["linearizable", "stale-reads", "convergence", "stats"].map(
    (name) => checkers[name as keyof typeof checkers] as Checker,
  );
  const results = composeCheckers(chosen).check(history, {
    model: "cas-register",
    consistency: "linearizable",
  });
  writeFileSync(join(dir, "test.json"), testJson(test));
  writeFileSync(join(dir, "history.jsonl"), history.map((op) => JSON.stringify(op)).join("\n"));
  writeFileSync(join(dir, "results.json"), JSON.stringify({ ...results, warnings: [] }));
  await writeReport(dir);
  return dir;
}

/** Runs an example as a user does, into the test's store; its run folder. */
async function exampleRun(example: string, seconds: number): Promise<string> {
  const out = await faultline([
    "run",
    join(ROOT, "examples", example),
    ...["--time-limit", String(seconds), "--store", STORE, "--seed", "11"],
  ]);
  expect(out.stderr).not.toMatch(/internal error/);
  return runDirOf(out);
}

interface Loaded {
  errors: string[];
  overflowPx: number;
  views: string[];
  planted: unknown;
  text: string;
}

async function load(page: Page, runDir: string, width: number): Promise<Loaded> {
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (err) => errors.push(err.message));
  await page.setViewportSize({ width, height: 900 });
  await page.goto(`file://${join(runDir, "report.html")}`);
  await page.waitForFunction("document.documentElement.dataset.plotsDrawn !== undefined");
  mkdirSync(join(runDir, "screenshots"), { recursive: true });
  await page.screenshot({ path: join(runDir, "screenshots", `${width}px.png`), fullPage: true });
  return {
    errors,
    overflowPx: (await page.evaluate(
      "document.documentElement.scrollWidth - document.documentElement.clientWidth",
    )) as number,
    views: (await page.evaluate(
      '[...document.querySelectorAll("[data-view]")].map((e) => e.dataset.view)',
    )) as string[],
    planted: await page.evaluate("window.__planted"),
    text: (await page.evaluate("document.body.innerText")) as string,
  };
}

describe.skipIf(!gate.available)(gate.title, () => {
  const runs: Record<string, string> = {};
  let browser: Awaited<ReturnType<typeof launchChromium>>;

  /** Loads a run's report in a fresh tab at this width. */
  async function loaded(name: string, width: number): Promise<Loaded> {
    const page = await browser.newPage();
    try {
      return await load(page, runs[name]!, width);
    } finally {
      await page.close();
    }
  }

  beforeAll(async () => {
    rmSync(ARTIFACTS, { recursive: true, force: true });
    mkdirSync(STORE, { recursive: true });
    runs.planted = await plantedRun();
    runs.failing = await exampleRun("register-leader-linearizable.yaml", 10);
    runs.passing = await exampleRun("cart-siblings-keeps-items.yaml", 6);
    browser = await launchChromium();
  }, 300_000); // two real runs (16 s of ops) and a browser, on a machine that may be busy

  afterAll(async () => {
    await browser?.[Symbol.asyncDispose]();
  });

  for (const name of ["planted", "failing", "passing"]) {
    for (const width of WIDTHS) {
      it(`draws the ${name} run at ${width} px: no console error, every view, no overflow`, async () => {
        const page = await loaded(name, width);
        expect(page.errors).toEqual([]);
        expect(page.overflowPx).toBeLessThanOrEqual(0);
        for (const view of VIEWS) expect(page.views).toContain(view);
        expect(page.views).not.toContain("error");
        expect(page.planted).toBeUndefined();
        // Plain words: no "1 ops", no field names such as stableLatencyMs.
        expect(page.text).not.toMatch(/\b1 ops\b|LatencyMs|agreedRound/);
      });
    }
  }

  it("shows the timeline and the linearization view of a linearizability failure", async () => {
    const page = await loaded("planted", 1440);
    expect(page.views).toContain("timeline");
    expect(page.views).toContain("linearization");
    expect(page.text).toContain("The longest linearization, step by step");
    expect(page.text).toContain("The op that cannot be placed");
  });

  it("shows every planted script as text, and runs none of them", async () => {
    const page = await loaded("planted", 1440);
    expect(page.planted).toBeUndefined();
    expect(page.text).toContain(`planted${IMG}`); // the run's test folder
    expect(page.text).toContain(`k${SCRIPT}`); // the key
    expect(page.text).toContain(`n1${IMG}`); // a node
    expect(page.text).toContain(JSON.stringify(SCRIPT)); // a value
    expect(page.text).toContain('No start time: the run folder "not-a-timestamp"');
  });

  it("shows the linearization view on the failing example when its linearizable check failed", async () => {
    const results = JSON.parse(readFileSync(join(runs.failing!, "results.json"), "utf8")) as {
      results: Record<string, { valid: unknown }>;
    };
    const page = await loaded("failing", 1440);
    expect(page.views.includes("linearization")).toBe(
      results.results.linearizable?.valid === false,
    );
  });
});
