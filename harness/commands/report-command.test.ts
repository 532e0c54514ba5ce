import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { EXIT, UsageError } from "../cli-error.js";
import { testConfigOf, testJson } from "../config/test-file.js";
import { registerReportCommand } from "./report-command.js";

const root = mkdtempSync(join(tmpdir(), "faultline-report-cmd-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

async function report(...args: string[]): Promise<string[]> {
  const out: string[] = [];
  vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void out.push(a.join(" ")));
  const program = new Command("faultline").exitOverride();
  registerReportCommand(program);
  await program.parseAsync(["node", "faultline", "report", ...args]);
  return out;
}

describe("faultline report <run-dir>", () => {
  it("writes report.html and prints its path", async () => {
    const dir = join(root, "t", "20260101T000000.000Z");
    mkdirSync(dir, { recursive: true });
    const test = testConfigOf({ seed: 1, name: "cart-leaderless-lww" });
    writeFileSync(join(dir, "test.json"), testJson(test));
    writeFileSync(
      join(dir, "history.jsonl"),
      '{"index":0,"time":0,"process":0,"type":"invoke","f":"read","key":"k","value":null}\n',
    );
    writeFileSync(join(dir, "results.json"), '{"valid":"unknown","results":{}}');
    expect(await report(dir)).toEqual([join(dir, "report.html")]);
  });

  it("is a usage error (exit 254) on a missing run directory", async () => {
    const missing = join(root, "missing");
    const failure = report(missing);
    await expect(failure).rejects.toBeInstanceOf(UsageError);
    await expect(failure).rejects.toMatchObject({
      exitCode: EXIT.badInput,
      message: `no run directory ${missing}: ENOENT`,
    });
  });
});
