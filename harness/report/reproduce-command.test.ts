import { describe, expect, it } from "vitest";
import { CONFIG_FLAGS, type ConfigFlag } from "../config/config-flags.js";
import { loadTestConfig } from "../config/load-test-config.js";
import { resolve, type TestFile, testFileSchema } from "../config/test-config.js";
import { reproduceCommand, shellWord } from "./reproduce-command.js";

const config = (file: Record<string, unknown>, seed = 7) =>
  resolve(testFileSchema.parse(file) as TestFile, seed, undefined);

/** The command's flags as `faultline run` would get them (values here need no quoting). */
function flagsOf(command: string): Map<ConfigFlag, string> {
  const words = command.replace(/^faultline run /, "").split(" ");
  const flags = new Map<ConfigFlag, string>();
  for (let i = 0; i < words.length; i += 2) {
    const flag = CONFIG_FLAGS.find((f) => f.flags.split(" ")[0] === words[i]);
    if (flag === undefined) throw new Error(`unknown flag ${words[i]}`);
    flags.set(flag, words[i + 1]!);
  }
  return flags;
}

describe("reproduceCommand", () => {
  it("names the main settings and the seed, and leaves other defaults out", () => {
    const { command, uncovered } = reproduceCommand(
      config({ nemesis: "partition", timeLimit: 10 }),
    );
    expect(command).toBe(
      "faultline run --build leaderless --strategy lww --nodes 3 --workload cart " +
        "--nemesis partition --time-limit 10 --seed 7",
    );
    expect(uncovered).toEqual([]);
  });

  it("carries every non-default setting a flag can, and the command loads the same test", () => {
    const test = config(
      {
        build: "leader",
        strategy: "reject",
        nodes: 5,
        workload: "register",
        keys: 2,
        nemesis: { kinds: ["kill", "pause"], interval: "2500ms", linkFault: "reset" },
        timeLimit: 20,
        concurrency: 3,
        rate: 0,
        opTimeout: "1500ms",
        store: "/tmp/some store",
        node: { acks: "all", fsync: "never" },
        checkers: ["stats"],
        consistency: "linearizable",
        name: "nightly",
      },
      1234,
    );
    const { command, uncovered } = reproduceCommand(test);
    expect(uncovered).toEqual([]);
    expect(command).toContain("--store '/tmp/some store'");
    expect(command).toContain("--acks all");
    const plain = command.replace("'/tmp/some store'", "/tmp/some-store");
    const loaded = loadTestConfig({ flags: flagsOf(plain), env: {} });
    expect({ ...loaded, storeDir: "/tmp/some store" }).toEqual(test);
  });

  it("lists the settings no flag carries; its test file reproduces the whole test", () => {
    const test = config({
      nemesis: { kinds: ["partition"], faultDuration: "5s", partitionShapes: ["halves"] },
      node: { readRepair: false, antiEntropy: "2s" },
      quiescenceTimeout: "30s",
      itemsPerKey: 50,
    });
    const { command, uncovered, testFile } = reproduceCommand(test);
    expect(command).toContain("--read-repair off --anti-entropy 2 --quiescence-timeout 30");
    expect(uncovered).toEqual([
      "itemsPerKey: 50",
      "nemesis.faultDurationMs: 5000",
      'nemesis.partitionShapes: ["halves"]',
    ]);
    expect(loadTestConfig({ file: { path: "t.yaml", text: testFile }, env: {} })).toEqual(test);
  });

  it("quotes shell words only when they need it", () => {
    expect(shellWord("partition,kill")).toBe("partition,kill");
    expect(shellWord("it's")).toBe(`'it'\\''s'`);
    expect(shellWord("a b")).toBe("'a b'");
  });
});
