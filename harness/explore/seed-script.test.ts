// A seeded run spelled out as a script replays to the same history, byte for byte, under every
// fault kind; a history that is not the test's own is refused.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseJsonl } from "../../checkers/formats/jsonl-format.js";
import { testConfigOf } from "../config/test-file.js";
import { scriptOf } from "./seed-script.js";
import { scripted } from "./shrink.js";
import { runTrial } from "./sim-trial.js";

const store = mkdtempSync(join(tmpdir(), "seed-script-"));
afterAll(() => rmSync(store, { recursive: true, force: true }));
const interrupt = new AbortController().signal;

describe("scriptOf", () => {
  for (const workload of ["cart", "register"]) {
    it(`replays a seeded ${workload} run under every fault kind to the same history`, async () => {
      const config = testConfigOf({
        name: "replay",
        seed: 5,
        store,
        timeLimit: "6s",
        runtime: "sim",
        system: { name: "faultline", build: "leaderless", strategy: "siblings", fsync: "never" },
        workload: { name: workload, keys: 2 },
        clients: { concurrency: 3, rate: 120 },
        nemesis: {
          kinds: ["partition", "kill", "pause", "clock"],
          interval: "1s",
          faultDuration: "700ms",
        },
      });
      const seeded = await runTrial(config, { store, interrupt, history: true });
      const history = parseJsonl(seeded!.history!, "h").history;
      const script = scriptOf(config, history);
      expect(script.ops).toHaveLength(3);
      expect(script.faults.map((f) => f.kind)).toEqual(
        expect.arrayContaining(["partition", "kill", "pause", "clock"]),
      );
      const replayed = await runTrial(scripted(config, script), {
        store,
        interrupt,
        history: true,
      });
      expect(replayed!.history).toBe(seeded!.history);
      // A script given keeps its own ops and faults.
      expect(scriptOf(scripted(config, script), history)).toEqual(script);
    });
  }

  it("refuses a history that another seed made", async () => {
    const config = testConfigOf({ name: "other", seed: 1, store, timeLimit: "2s", runtime: "sim" });
    const other = await runTrial({ ...config, seed: 2 }, { store, interrupt, history: true });
    expect(() => scriptOf(config, parseJsonl(other!.history!, "h").history)).toThrow(
      /the history is not this test's \(seed 1\)/,
    );
  });
});
