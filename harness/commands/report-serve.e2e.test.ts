// `faultline report` and `faultline serve` as a user runs them (child processes of
// bin/faultline.js).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { testConfigOf, testJson } from "../config/test-file.js";
import { faultline } from "../run/faultline-process.js";

const root = mkdtempSync(join(tmpdir(), "faultline-report-e2e-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function storedRun(): string {
  const dir = join(root, "store", "cart", "20260101T000000.000Z");
  mkdirSync(join(dir, "nodes"), { recursive: true });
  const test = testConfigOf({ seed: 3, name: "cart-leaderless-lww" });
  writeFileSync(join(dir, "test.json"), testJson(test));
  writeFileSync(
    join(dir, "history.jsonl"),
    '{"index":0,"time":0,"process":0,"type":"invoke","f":"add","key":"k","value":1}\n' +
      '{"index":1,"time":2000000,"process":0,"type":"ok","f":"add","key":"k","value":1}\n',
  );
  writeFileSync(join(dir, "results.json"), '{"valid":true,"results":{"stats":{"valid":true}}}');
  return dir;
}

describe("faultline report and serve", () => {
  it("report exits 254 naming a missing run directory", async () => {
    const out = await faultline(["report", join(root, "nope")]);
    expect(out.code).toBe(254);
    expect(out.stderr).toContain(`faultline: no run directory ${join(root, "nope")}: ENOENT`);
  });

  it("report prints the page's path; serve lists the run on 127.0.0.1 and stops on SIGINT", async () => {
    const dir = storedRun();
    const written = await faultline(["report", dir]);
    expect(written).toMatchObject({ code: 0, stdout: `${join(dir, "report.html")}\n` });

    let url: string | undefined;
    const served = faultline(
      ["serve", "--store", join(root, "store"), "--port", "0"],
      (text, child) => {
        const match = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(text);
        if (match && url === undefined) {
          url = match[1]!;
          fetch(url)
            .then((res) => res.text())
            .then((page) => {
              expect(page).toContain('href="cart/20260101T000000.000Z/report.html"');
              child.kill("SIGINT");
            })
            .catch(() => child.kill("SIGKILL"));
        }
      },
    );
    const out = await served;
    expect(url).toBeDefined();
    expect(out.code).toBe(0);
  });
});
