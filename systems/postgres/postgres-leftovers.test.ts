import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { leftSegmentId, leftSocketFiles, releaseLeftovers } from "./postgres-leftovers.js";

const dir = mkdtempSync(join(tmpdir(), "faultline-pidfile-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** postmaster.pid as PostgreSQL 15 writes it, with `shmem` as its seventh line. */
const pidFile = (shmem: string, sockets = "/run/sockets/n1", port = "5433") =>
  ["4242", "/run/data/n1", "1796285430", port, sockets, "127.0.0.1", shmem, "ready   ", ""].join(
    "\n",
  );

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

describe("leftSocketFiles and releaseLeftovers", () => {
  it("name the socket and its lock file from postmaster.pid's port and first socket folder", () => {
    writeFileSync(join(dir, "postmaster.pid"), pidFile("  2155640     98304"));
    expect(leftSocketFiles(dir)).toEqual([
      "/run/sockets/n1/.s.PGSQL.5433",
      "/run/sockets/n1/.s.PGSQL.5433.lock",
    ]);
  });

  it("name nothing for a server on TCP only, a relative folder or a port that is no number", () => {
    expect(leftSocketFiles(join(dir, "nowhere"))).toEqual([]);
    for (const [sockets, port] of [
      ["", "5433"],
      ["run/sockets", "5433"],
      ["/run/sockets/n1", "5433/../../x"],
    ]) {
      writeFileSync(join(dir, "postmaster.pid"), pidFile("  2155640     98304", sockets, port));
      expect(leftSocketFiles(dir)).toEqual([]);
    }
  });

  it("removes the socket files a killed server left, and nothing else in their folder", () => {
    const data = join(dir, "data");
    const sockets = join(dir, "sockets");
    mkdirSync(data, { recursive: true });
    mkdirSync(sockets, { recursive: true });
    const files = [".s.PGSQL.6000", ".s.PGSQL.6000.lock", ".s.PGSQL.6001"].map((f) =>
      join(sockets, f),
    );
    for (const file of files) writeFileSync(file, "");
    writeFileSync(join(data, "postmaster.pid"), pidFile("  2155640", sockets, "6000"));
    releaseLeftovers(data);
    expect(files.map(existsSync)).toEqual([false, false, true]);
    expect(existsSync(join(data, "postmaster.pid"))).toBe(true);
  });
});
