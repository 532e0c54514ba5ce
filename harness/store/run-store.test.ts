import { existsSync, mkdtempSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UsageError } from "../cli-error.js";
import { createRunDir, runPaths } from "./run-store.js";

const root = mkdtempSync(join(tmpdir(), "run-store-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("the store", () => {
  it("lays out a run folder and points latest at it", () => {
    const store = join(root, "a");
    const at = new Date("2026-12-03T07:00:00.123Z");
    const paths = createRunDir(store, "cart", at);
    expect(paths.runDir).toBe(join(store, "cart", "20261203T070000.123Z"));
    expect(existsSync(paths.nodesDir)).toBe(true);
    expect(paths.nodeLog("n2")).toBe(join(paths.runDir, "nodes", "n2.log"));
    expect(paths.nodeDump("n2")).toBe(join(paths.runDir, "nodes", "n2.dump.json"));
    expect(runPaths(paths.runDir).history).toBe(join(paths.runDir, "history.jsonl"));
    expect(readlinkSync(join(store, "latest"))).toBe(join("cart", "20261203T070000.123Z"));
  });

  it("gives runs started in the same millisecond folders of their own", () => {
    const store = join(root, "b");
    const at = new Date("2026-12-03T07:00:00.000Z");
    const dirs = Array.from({ length: 5 }, () => createRunDir(store, "t", at).runDir);
    expect(new Set(dirs).size).toBe(5);
    expect(dirs[1]).toBe(join(store, "t", "20261203T070000.000Z-2"));
    expect(join(store, readlinkSync(join(store, "latest")))).toBe(dirs[4]);
  });

  it("refuses, as bad input naming the store, a store that is a file or a name too long", () => {
    const file = join(root, "a-file");
    writeFileSync(file, "");
    const refusal = (store: string, name = "t") => {
      try {
        createRunDir(store, name);
      } catch (err) {
        expect(err).toBeInstanceOf(UsageError);
        return (err as Error).message;
      }
      throw new Error("expected a refusal");
    };
    expect(refusal(file)).toBe(
      `the store ${JSON.stringify(file)} is (or is inside) a file, not a folder (ENOTDIR); choose another with --store`,
    );
    expect(refusal(join(file, "inside"))).toContain("(ENOTDIR)");
    expect(refusal("/dev/null")).toContain("not a folder");
    expect(refusal(join(root, "c"), "n".repeat(300))).toContain("makes a path too long");
  });
});
