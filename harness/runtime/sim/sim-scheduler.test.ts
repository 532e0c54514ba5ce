// The sim's virtual time: events in (time, insertion) order, harness code woken at its instant
// acting before time moves on, time standing still while nothing waits, and failures reaching
// every waiting promise instead of hanging the run.
import { describe, expect, it } from "vitest";
import { SimScheduler } from "./sim-scheduler.js";

describe("SimScheduler", () => {
  it("runs events by time, then in the order they were scheduled; cancelled ones never", async () => {
    const clock = new SimScheduler();
    const ran: string[] = [];
    clock.at(20, () => ran.push("b@20"));
    clock.at(10, () => ran.push("a@10"));
    clock.at(20, () => ran.push("c@20"));
    clock.at(15, () => ran.push("never")).cancel();
    await clock.sleep(30);
    expect(ran).toEqual(["a@10", "b@20", "c@20"]);
    expect(clock.nowMs()).toBe(30);
  });

  it("lets woken code act at its instant, before later events", async () => {
    const clock = new SimScheduler();
    const seen: string[] = [];
    clock.at(11, () => seen.push(`event@${clock.nowMs()}`));
    const woken = (async () => {
      await clock.sleep(10);
      seen.push(`woken@${clock.nowMs()}`);
      // Scheduled by woken code at 10: it runs before the event already due at 11.
      clock.after(0, () => seen.push(`scheduled@${clock.nowMs()}`));
      await clock.sleep(5);
      seen.push(`again@${clock.nowMs()}`);
    })();
    await woken;
    expect(seen).toEqual(["woken@10", "scheduled@10", "event@11", "again@15"]);
  });

  it("stands still while nothing waits", async () => {
    const clock = new SimScheduler();
    let ticks = 0;
    const tick = () => {
      ticks++;
      clock.after(1, tick);
    };
    clock.after(1, tick);
    await clock.sleep(5);
    // The sleep's event at 5 was scheduled before the tick due at 5: it wakes first.
    expect(ticks).toBe(4);
    // Real time passes; virtual time does not, since no promise waits on it.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ticks).toBe(4);
    expect(clock.nowMs()).toBe(5);
  });

  it("ends a sleep at once when its signal aborts, and never sleeps on an aborted one", async () => {
    const clock = new SimScheduler();
    const stop = new AbortController();
    clock.at(3, () => stop.abort());
    await clock.sleep(1_000, stop.signal);
    expect(clock.nowMs()).toBe(3);
    await clock.sleep(1_000, stop.signal);
    expect(clock.nowMs()).toBe(3);
  });

  it("rejects every waiting promise when an event throws", async () => {
    const clock = new SimScheduler();
    clock.at(5, () => {
      throw new Error("boom");
    });
    const a = clock.sleep(10);
    const b = clock.wait<number>(() => {});
    await expect(a).rejects.toThrow("boom");
    await expect(b).rejects.toThrow("boom");
  });

  it("rejects a promise no event can settle instead of hanging", async () => {
    const clock = new SimScheduler();
    await expect(clock.wait<number>(() => {})).rejects.toThrow(/stuck/);
  });

  it("gives the same interleaving of concurrent sleepers every time", async () => {
    const order = async () => {
      const clock = new SimScheduler();
      const seen: string[] = [];
      await Promise.all(
        [3, 1, 2].map(async (n) => {
          for (let i = 0; i < 4; i++) {
            await clock.sleep(n);
            seen.push(`${n}@${clock.nowMs()}`);
          }
        }),
      );
      return seen;
    };
    const first = await order();
    expect(first.slice(0, 4)).toEqual(["1@1", "2@2", "1@2", "3@3"]);
    expect(await order()).toEqual(first);
  });
});
