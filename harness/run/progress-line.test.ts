import { describe, expect, it } from "vitest";
import { progressLine } from "./progress-line.js";
import { newRunStatus } from "./run-status.js";

describe("progressLine", () => {
  it("shows elapsed / limit, ops/s, counts and the fault", () => {
    const status = newRunStatus(20_000);
    status.phase = "running";
    status.clientsStartedAtMs = 1_000;
    status.counts = { invoke: 0, ok: 300, fail: 10, info: 2 };
    status.activeFault = "partition halves";
    expect(progressLine(status, 6_000, { atMs: 5_000, completed: 162 })).toBe(
      "5.0s / 20.0s  150 ops/s  ok 300  fail 10  info 2  partition halves",
    );
  });

  it("shows the phase after the clients", () => {
    const status = newRunStatus(20_000);
    status.phase = "final-reads";
    expect(progressLine(status, 0, undefined)).toBe("final reads…  ok 0  fail 0  info 0");
  });
});
