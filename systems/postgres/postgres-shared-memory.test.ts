import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { leftSegmentId } from "./postgres-shared-memory.js";

const dir = mkdtempSync(join(tmpdir(), "faultline-pidfile-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** postmaster.pid as PostgreSQL 15 writes it, with `shmem` as its seventh line. */
const pidFile = (shmem: string) =>
  [
    "4242",
    "/run/data/n1",
    "1796285430",
    "5433",
    "/run/sockets/n1",
    "127.0.0.1",
    shmem,
    "ready   ",
    "",
  ].join("\n");

describe("leftSegmentId", () => {
  it("reads the System V segment's id from postmaster.pid's key-and-id line", () => {
    writeFileSync(join(dir, "postmaster.pid"), pidFile("  2155640     98304"));
    expect(leftSegmentId(dir)).toBe(98304);
  });

  it("is undefined without postmaster.pid (a clean shutdown removes it) or without an id", () => {
    expect(leftSegmentId(join(dir, "nowhere"))).toBeUndefined();
    writeFileSync(join(dir, "postmaster.pid"), pidFile("  2155640"));
    expect(leftSegmentId(dir)).toBeUndefined();
    writeFileSync(join(dir, "postmaster.pid"), "4242\n/run/data/n1\n");
    expect(leftSegmentId(dir)).toBeUndefined();
    writeFileSync(join(dir, "postmaster.pid"), pidFile("  2155640     98304; rm -rf /"));
    expect(leftSegmentId(dir)).toBeUndefined();
  });
});
