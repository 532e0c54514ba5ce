// `faultline check` through the real binary: exit codes as the CLI maps them (0 valid,
// 1 invalid, 254 bad input), output on stdout, the error on stderr.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { faultline } from "../run/faultline-process.js";

const dir = mkdtempSync(join(tmpdir(), "faultline-check-e2e-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("faultline check (binary)", () => {
  it("exits 0 on a linearizable Jepsen log and 1 on one that is not", async () => {
    const good = join(dir, "good.log");
    writeFileSync(
      good,
      "INFO  jepsen.util - 0\t:invoke\t:write\t1\nINFO  jepsen.util - 0\t:ok\t:write\t1\n" +
        "INFO  jepsen.util - 1\t:invoke\t:read\tnil\nINFO  jepsen.util - 1\t:ok\t:read\t1\n",
    );
    const ok = await faultline(["check", good]);
    expect(ok.stdout).toContain("linearizable: valid");
    expect(ok.code).toBe(0);
    const bad = join(dir, "bad.log");
    writeFileSync(
      bad,
      "INFO  jepsen.util - 0\t:invoke\t:write\t1\nINFO  jepsen.util - 0\t:ok\t:write\t1\n" +
        "INFO  jepsen.util - 1\t:invoke\t:read\tnil\nINFO  jepsen.util - 1\t:ok\t:read\t2\n",
    );
    const failed = await faultline(["check", bad]);
    expect(failed.stdout).toContain("shortest failing prefix");
    expect(failed.code).toBe(1);
  });

  it("exits 254 with a message on an unreadable file", async () => {
    const missing = await faultline(["check", join(dir, "missing.jsonl")]);
    expect(missing.code).toBe(254);
    expect(missing.stderr).toContain("cannot read");
    expect(missing.stderr).not.toContain("    at "); // no stack trace
  });

  it("exits 254 naming the file and line of a corrupt history in a run directory", async () => {
    const run = join(dir, "corrupt-run");
    mkdirSync(run);
    const test = { name: "corrupt-run", seed: 1, workload: "cart", checkers: ["lost-writes"] };
    writeFileSync(join(run, "test.json"), JSON.stringify(test));
    const op = { index: 0, time: 0, process: 0, type: "invoke", f: "add", key: "k1", value: 1 };
    writeFileSync(
      join(run, "history.jsonl"),
      `${JSON.stringify(op)}\n{oops\n${JSON.stringify(op)}\n`,
    );
    const corrupt = await faultline(["check", run]);
    expect(corrupt.code).toBe(254);
    expect(corrupt.stderr).toMatch(/history\.jsonl:2: not valid JSON/);
    expect(corrupt.stderr).not.toContain("    at ");
  });
});
