// End to end: the store fills up during `faultline run` (a 256 KiB tmpfs as --store). The run
// must stop with one clear line and exit 255 (never 1, which means INVALID), leave the history
// cut at its last whole op, and leave no node running. Mounting needs root; without it the test
// skips with a message.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseJsonl } from "../../checkers/formats/jsonl-format.js";
import { faultline, processesUsing } from "./faultline-process.js";

const store = mkdtempSync(join(tmpdir(), "faultline-full-disk-"));
const mounted =
  spawnSync("mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", store], { stdio: "ignore" })
    .status === 0;
if (!mounted) {
  console.warn(`SKIPPED full-disk.e2e: cannot mount a 256 KiB tmpfs on ${store} (needs root)`);
}
afterAll(() => {
  if (mounted) spawnSync("umount", [store], { stdio: "inherit" });
  rmSync(store, { recursive: true, force: true });
});

describe.skipIf(!mounted)("faultline run on a store that fills up", () => {
  it("exits 255 with a clear error, the history cut at a whole op, no node left", async () => {
    // The time limit is far beyond the test's timeout: the run has to stop on its own.
    const out = await faultline([
      ...["run", "--build", "leaderless", "--strategy", "lww", "--workload", "cart"],
      ...["--nemesis", "none", "--time-limit", "600", "--rate", "400", "--seed", "7"],
      ...["--store", store],
    ]);
    expect(out.code).toBe(255);
    const match =
      /faultline: error: cannot write the history (\S+): no space left on device \(ENOSPC\); it holds the first (\d+) ops/.exec(
        out.stderr,
      );
    expect(match, out.stderr).not.toBeNull();
    expect(out.stderr).not.toMatch(/^\s+at /m);
    const [, path, written] = match!;
    const { history, warnings } = parseJsonl(readFileSync(path!, "utf8"), path!);
    expect(warnings).toEqual([]);
    expect(history.length).toBe(Number(written));
    expect(history.length).toBeGreaterThan(0);
    expect(processesUsing(store)).toEqual([]);
  }, 120_000);
});
