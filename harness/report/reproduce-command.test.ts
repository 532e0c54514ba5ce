import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { CONFIG_FLAGS, type ConfigFlag } from "../config/config-flags.js";
import { loadTestConfig } from "../config/load-test-config.js";
import { reproduceCommand, shellWord } from "./reproduce-command.js";

const config = (file: Record<string, unknown>, seed = 7) =>
  loadTestConfig({ file: { path: "t.yaml", text: stringify({ seed, ...file }) }, env: {} });

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
  it("names what differs from the defaults and the seed, and nothing else", () => {
    const { command, uncovered } = reproduceCommand(
      config({ name: "cart-leaderless-lww", nemesis: "partition", timeLimit: 10 }),
    );
    expect(command).toBe("faultline run --nemesis partition --time-limit 10 --seed 7");
    expect(uncovered).toEqual([]);
  });

  it("carries every non-default setting a flag can, and the command loads the same test", () => {
    const test = config(
      {
        name: "nightly",
        system: { build: "leader", strategy: "reject", nodes: 5, acks: "all", fsync: "never" },
        workload: { name: "register", keys: 2 },
        nemesis: {
          kinds: ["kill", "pause"],
          interval: "2500ms",
          partition: { linkFault: "reset" },
        },
        timeLimit: 20,
        clients: { concurrency: 3, rate: 0, opTimeout: "1500ms" },
        store: "/tmp/some store",
        checkers: { names: ["stats"], consistency: "linearizable" },
      },
      1234,
    );
    const { command, uncovered } = reproduceCommand(test);
    expect(uncovered).toEqual([]);
    expect(command).toContain("--store '/tmp/some store'");
    expect(command).toContain("--acks all");
    expect(command).toContain("--nemesis-interval 2500ms");
    const plain = command.replace("'/tmp/some store'", "/tmp/some-store");
    const loaded = loadTestConfig({ flags: flagsOf(plain), env: {} });
    expect({ ...loaded, store: "/tmp/some store" }).toEqual(test);
  });

  it("adds no flag that only repeats a default another flag implies", () => {
    // w and r are a majority of the nodes by default: 3 of 5.
    const { command } = reproduceCommand(config({ name: "x", system: { nodes: 5 } }));
    expect(command).toBe("faultline run --name x --nodes 5 --seed 7");
  });

  it("lists the settings no flag carries; its test file reproduces the whole test", () => {
    const test = config({
      nemesis: { kinds: ["partition"], faultDuration: "5s", partition: { shapes: ["halves"] } },
      system: { readRepair: false, antiEntropy: "2s" },
      quiescenceTimeout: "30s",
      workload: { itemsPerKey: 50 },
    });
    const { command, uncovered, testFile } = reproduceCommand(test);
    expect(command).toContain("--read-repair off --anti-entropy 2");
    expect(command).toContain("--quiescence-timeout 30");
    expect(uncovered).toEqual([
      "workload.itemsPerKey: 50",
      "nemesis.faultDuration: 5000",
      'nemesis.partition.shapes: ["halves"]',
    ]);
    expect(loadTestConfig({ file: { path: "t.yaml", text: testFile }, env: {} })).toEqual(test);
  });

  it("quotes shell words only when they need it", () => {
    expect(shellWord("partition,kill")).toBe("partition,kill");
    expect(shellWord("it's")).toBe(`'it'\\''s'`);
    expect(shellWord("a b")).toBe("'a b'");
  });
});
