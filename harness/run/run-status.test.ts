import { describe, expect, it } from "vitest";
import { clientOpCounts, finalReadCount, newRunStatus } from "./run-status.js";

describe("the run status", () => {
  it("keeps the client ops apart from the final reads recorded after them", () => {
    const status = newRunStatus(1_000);
    const live = { invoke: 0, ok: 0, fail: 0, info: 0 };
    status.counts = live;
    status.phase = "running";
    Object.assign(live, { invoke: 100, ok: 95, fail: 3, info: 2 });
    expect(clientOpCounts(status)).toEqual({ invoke: 100, ok: 95, fail: 3, info: 2 });
    expect(finalReadCount(status)).toBe(0);

    status.phase = "healing";
    status.phase = "final-reads";
    Object.assign(live, { invoke: 109, ok: 104 });
    expect(clientOpCounts(status)).toEqual({ invoke: 100, ok: 95, fail: 3, info: 2 });
    expect(finalReadCount(status)).toBe(9);
    status.phase = "done";
    expect(status.phase).toBe("done");
    expect(clientOpCounts(status).ok).toBe(95);
  });

  it("has no final reads before the clients ran", () => {
    const status = newRunStatus(1_000);
    status.phase = "interrupted";
    expect(status.clientCounts).toBeUndefined();
    expect(finalReadCount(status)).toBe(0);
  });
});
