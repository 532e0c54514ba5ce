// explore's default --jobs: a job per core, but a handful of seeds in this process, where
// starting child processes would take longer than the seeds do.
import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import { defaultJobs } from "./explore-command.js";

describe("explore's default jobs", () => {
  it("runs under 50 seeds in this process, and more (or a time budget) on every core", () => {
    expect([1, 49].map(defaultJobs)).toEqual([1, 1]);
    expect([50, 1000, undefined].map(defaultJobs)).toEqual(Array(3).fill(availableParallelism()));
  });
});
