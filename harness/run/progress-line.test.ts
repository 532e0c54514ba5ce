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
    expect(progressLine(status, 0, undefined)).toBe(
      "final reads…  client ops: ok 0  fail 0  info 0  final reads 0",
    );
  });

  it("counts the final reads apart from the client ops", () => {
    const status = newRunStatus(20_000);
    status.phase = "running";
    const counts = { invoke: 312, ok: 300, fail: 10, info: 2 };
    status.counts = counts;
    status.phase = "healing";
    expect(progressLine(status, 0, undefined)).toBe(
      "healing every fault…  client ops: ok 300  fail 10  info 2",
    );
    status.phase = "final-reads";
    counts.invoke += 9;
    counts.ok += 8; // the history writer's counts are live
    counts.fail += 1;
    expect(progressLine(status, 0, undefined)).toBe(
      "final reads…  client ops: ok 300  fail 10  info 2  final reads 9",
    );
  });
});
