// explore's worker processes: each runs seeds into its own store inside the scratch folder it is
// given, answers as a run in this process does, and removes its store however it is ended — by
// its parent going away, or by SIGTERM (an interrupt, or the parent's exit hook).
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadTestConfig } from "../config/load-test-config.js";
import { childProcesses, inProcess } from "./seed-runner.js";

const scratch = mkdtempSync(join(tmpdir(), "faultline-seed-runner-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const test = loadTestConfig({
  file: {
    path: "seeds.yaml",
    text: "workload: register\nruntime: {name: sim}\ntimeLimit: 1\nseed: 7\nnemesis: {kinds: [partition], interval: 0.5}\n",
  },
  env: {},
});

describe("explore's worker processes", () => {
  it("answer a seed as a run in this process does, and leave their stores in the given folder", async () => {
    const never = new AbortController().signal;
    const here = await inProcess(test, scratch, never).run(7);
    const workers = await childProcesses(test, 2, scratch, never);
    try {
      // Two seeds at once: one on each worker, so both have made their stores.
      const [there] = await Promise.all([workers.run(7), workers.run(8)]);
      expect(there?.valid).toBe(here?.valid);
      expect(there?.opCount).toBe(here?.opCount);
      expect(readdirSync(scratch).filter((f) => f.startsWith("worker-"))).toHaveLength(2);
    } finally {
      await workers.close();
    }
    expect(readdirSync(scratch).filter((f) => f.startsWith("worker-"))).toEqual([]);
  }, 60_000);

  it("remove their stores when an interrupt ends them with SIGTERM", async () => {
    const folder = mkdtempSync(join(scratch, "interrupted-"));
    const interrupt = new AbortController();
    const workers = await childProcesses(test, 2, folder, interrupt.signal);
    await Promise.all([workers.run(8), workers.run(9)]);
    expect(readdirSync(folder)).toHaveLength(2); // both workers have made their stores
    const running = workers.run(10);
    interrupt.abort();
    await running.catch(() => undefined); // (answered, or cut short by the interrupt)
    await workers.close();
    expect(existsSync(folder)).toBe(true);
    expect(readdirSync(folder, { recursive: true })).toEqual([]);
  }, 60_000);
});
