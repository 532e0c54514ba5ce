// The real clock's sleep: it waits its time, ends at once when its signal aborts (the leader
// polls of a session stop with the run), and never rejects.
import { describe, expect, it } from "vitest";
import { realClock } from "./session-clock.js";

describe("realClock", () => {
  it("sleeps about its time", async () => {
    const started = realClock.nowMs();
    await realClock.sleep(30);
    expect(realClock.nowMs() - started).toBeGreaterThanOrEqual(29);
  });

  it("ends a sleep when its signal aborts, resolving", async () => {
    const abort = new AbortController();
    const slept = realClock.sleep(60_000, abort.signal).then(() => "resolved");
    abort.abort();
    await expect(slept).resolves.toBe("resolved");
  });

  it("does not sleep on a signal already aborted", async () => {
    await expect(realClock.sleep(60_000, AbortSignal.abort())).resolves.toBeUndefined();
  });
});
