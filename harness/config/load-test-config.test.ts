import { describe, expect, it, vi } from "vitest";
import { UsageError } from "../cli-error.js";
import { CONFIG_FLAGS, type ConfigFlag } from "./config-flags.js";
import { loadTestConfig } from "./load-test-config.js";

// The runtimes' names are all the config needs; their modules start processes.
vi.mock("../runtime/runtimes.js", () => ({ runtimes: { local: {}, docker: {} } }));

const flag = (name: string): ConfigFlag => {
  const found = CONFIG_FLAGS.find((f) => f.flags.startsWith(`${name} `));
  if (found === undefined) throw new Error(`no flag ${name}`);
  return found;
};
const flags = (entries: Record<string, string>) =>
  new Map(Object.entries(entries).map(([name, text]) => [flag(name), text] as const));
const yaml = (text: string, path = "t.yaml") => ({ path, text });

function usageError(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as UsageError).message;
  }
  throw new Error("expected a UsageError");
}

describe("loadTestConfig", () => {
  it("fills every default", () => {
    const config = loadTestConfig({ env: {}, flags: flags({ "--seed": "7" }) });
    expect(config).toMatchObject({
      name: "cart-leaderless-lww",
      build: "leaderless",
      strategy: "lww",
      nodeCount: 3,
      runtime: "local",
      workload: "cart",
      keyCount: 3,
      timeLimitMs: 30_000,
      concurrency: 5,
      rate: 100,
      seed: 7,
      storeDir: "store",
      consistency: "eventual",
      node: { w: 2, r: 2, fsync: "always", acks: "quorum", readRepair: true },
      nemesis: {
        kinds: [],
        linkFault: "blackhole",
        partitionShapes: ["halves", "one", "majorities-ring", "bridge"],
      },
      checkers: ["lost-writes", "convergence", "stale-reads", "stats"],
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.node)).toBe(true);
  });

  it("picks the register's checkers by strategy", () => {
    const checkers = (strategy: string) =>
      loadTestConfig({
        env: {},
        flags: flags({ "--workload": "register", "--strategy": strategy }),
      }).checkers;
    expect(checkers("reject")).toContain("lost-updates");
    expect(checkers("siblings")).toContain("siblings");
    expect(checkers("siblings")).not.toContain("lost-updates");
  });

  it("draws a seed when none is given", () => {
    const config = loadTestConfig({ env: {} });
    expect(Number.isInteger(config.seed)).toBe(true);
    expect(config.seed).toBeGreaterThanOrEqual(0);
  });

  it("reads the file, names the test after it, and lets flags override it", () => {
    const file = yaml(
      "build: leader\nstrategy: reject\nnodes: 5\ntimeLimit: 10s\nnemesis:\n  kinds: [partition]\n  interval: 500ms\nnode:\n  acks: all\n",
      "examples/my-test.yaml",
    );
    const config = loadTestConfig({
      file,
      env: {},
      flags: flags({ "--nodes": "3", "--nemesis": "kill,pause" }),
    });
    expect(config.name).toBe("my-test");
    expect(config.build).toBe("leader");
    expect(config.nodeCount).toBe(3);
    expect(config.timeLimitMs).toBe(10_000);
    expect(config.nemesis.kinds).toEqual(["kill", "pause"]);
    expect(config.nemesis.intervalMs).toBe(500);
    expect(config.nemesis.partitionShapes).toContain("leader");
    expect(config.node.acks).toBe("all");
  });

  it("accepts the nemesis shorthands", () => {
    expect(
      loadTestConfig({ file: yaml("nemesis: partition, clock"), env: {} }).nemesis.kinds,
    ).toEqual(["partition", "clock"]);
    expect(loadTestConfig({ file: yaml("nemesis: none"), env: {} }).nemesis.kinds).toEqual([]);
    expect(
      loadTestConfig({ env: {}, flags: flags({ "--nemesis": "none" }) }).nemesis.kinds,
    ).toEqual([]);
  });

  it("takes the store from FAULTLINE_STORE unless the test says otherwise", () => {
    expect(loadTestConfig({ env: { FAULTLINE_STORE: "/tmp/s" } }).storeDir).toBe("/tmp/s");
    expect(
      loadTestConfig({ env: { FAULTLINE_STORE: "/tmp/s" }, flags: flags({ "--store": "x" }) })
        .storeDir,
    ).toBe("x");
  });

  it("reports malformed YAML with its line", () => {
    const message = usageError(() =>
      loadTestConfig({ file: yaml("build: leader\nnodes: [3\nstrategy: lww\n"), env: {} }),
    );
    expect(message).toMatch(/^t\.yaml:\d+:\d+: malformed YAML/);
    expect(message).toMatch(/t\.yaml:[23]:/);
  });

  it("reports an unknown key with its line and the allowed keys", () => {
    const message = usageError(() =>
      loadTestConfig({ file: yaml("build: leader\nstratgy: lww\n"), env: {} }),
    );
    expect(message).toContain("t.yaml:2:1: stratgy: unknown key (allowed: name, build, strategy");
  });

  it("reports an unknown nested key", () => {
    const message = usageError(() =>
      loadTestConfig({ file: yaml("node:\n  fsync: never\n  quorum: 2\n"), env: {} }),
    );
    expect(message).toContain("t.yaml:3:3: node.quorum: unknown key (allowed: fsync, acks, w, r");
  });

  it("reports a wrong type with the value and line", () => {
    const message = usageError(() =>
      loadTestConfig({ file: yaml("name: t\nnodes: three\n"), env: {} }),
    );
    expect(message).toBe('t.yaml:2:8: nodes = "three": expected a number');
  });

  it("reports a value outside an enum with what is allowed", () => {
    const message = usageError(() => loadTestConfig({ file: yaml("strategy: lvv\n"), env: {} }));
    expect(message).toBe(
      't.yaml:1:11: strategy = "lvv": expected one of "lww", "reject", "siblings"',
    );
  });

  it("reports a bad entry in a list at its own line", () => {
    const message = usageError(() =>
      loadTestConfig({
        file: yaml("nemesis:\n  kinds:\n    - partition\n    - explode\n"),
        env: {},
      }),
    );
    expect(message).toContain(
      't.yaml:4:7: nemesis.kinds.1 = "explode": expected one of "partition", "kill", "pause", "clock"',
    );
  });

  it("reports a bad duration", () => {
    const message = usageError(() => loadTestConfig({ file: yaml("timeLimit: soon\n"), env: {} }));
    expect(message).toContain('t.yaml:1:12: timeLimit = "soon": expected a duration');
  });

  it("names the flag when a flag's value is wrong", () => {
    const message = usageError(() =>
      loadTestConfig({ env: {}, flags: flags({ "--nodes": "many" }) }),
    );
    expect(message).toBe('--nodes: nodes = "many": expected a number');
    expect(
      usageError(() =>
        loadTestConfig({ env: {}, flags: flags({ "--nemesis": "partition,flood" }) }),
      ),
    ).toContain('--nemesis: nemesis.kinds.1 = "flood": expected one of');
  });

  it("rejects a quorum larger than the cluster", () => {
    const message = usageError(() =>
      loadTestConfig({ file: yaml("nodes: 3\nnode:\n  w: 4\n"), env: {} }),
    );
    expect(message).toBe("t.yaml:3:6: node.w = 4: w = 4 is more than the 3 nodes (allowed: 1 … 3)");
  });

  it("rejects acks with the leaderless build and quorums with the leader build", () => {
    expect(
      usageError(() =>
        loadTestConfig({ file: yaml("build: leaderless\nnode: {acks: all}\n"), env: {} }),
      ),
    ).toContain("t.yaml:2:14: node.acks");
    expect(
      usageError(() =>
        loadTestConfig({ env: {}, flags: flags({ "--build": "leader", "--w": "2" }) }),
      ),
    ).toContain("--w: node.w = 2: w is a leaderless quorum");
  });

  it("rejects the leader partition shape for a leaderless cluster", () => {
    const message = usageError(() =>
      loadTestConfig({
        file: yaml("nemesis:\n  kinds: [partition]\n  partitionShapes: [halves, leader]\n"),
        env: {},
      }),
    );
    expect(message).toContain('t.yaml:3:29: nemesis.partitionShapes.1 = "leader"');
  });

  it("rejects a jitter as long as the interval, and shrinks the default jitter to fit", () => {
    const message = usageError(() =>
      loadTestConfig({ file: yaml("nemesis:\n  interval: 2s\n  jitter: 2s\n"), env: {} }),
    );
    expect(message).toContain("t.yaml:3:11: nemesis.jitter");
    expect(message).toContain("must be less than the interval between faults (2000ms)");
    const config = loadTestConfig({ env: {}, flags: flags({ "--nemesis-interval": "1" }) });
    expect(config.nemesis).toMatchObject({ intervalMs: 1000, jitterMs: 250 });
  });

  it("rejects zero or out-of-range durations, an empty checker list and absurd concurrency", () => {
    const message = usageError(() =>
      loadTestConfig({
        file: yaml(
          "nemesis:\n  interval: 0\nnode:\n  requestTimeout: 0\n  antiEntropy: 2h\nconcurrency: 100000\ncheckers: []\n",
        ),
        env: {},
      }),
    );
    expect(message).toContain(
      "t.yaml:2:13: nemesis.interval = 0: expected a duration longer than 0",
    );
    expect(message).toContain(
      "t.yaml:4:19: node.requestTimeout = 0: expected a duration from 1ms to 600000ms",
    );
    expect(message).toContain("t.yaml:5:16: node.antiEntropy");
    expect(message).toContain("t.yaml:6:14: concurrency = 100000");
    expect(message).toContain("t.yaml:7:11: checkers");
  });

  it("takes itemsPerKey for the cart workload only", () => {
    const config = loadTestConfig({ file: yaml("itemsPerKey: 50\n"), env: {} });
    expect(config.itemsPerKey).toBe(50);
    const message = usageError(() =>
      loadTestConfig({ file: yaml("workload: register\nitemsPerKey: 50\n"), env: {} }),
    );
    expect(message).toContain("t.yaml:2:14: itemsPerKey = 50: itemsPerKey sizes the cart workload");
  });

  it("rejects an unknown checker", () => {
    const message = usageError(() => loadTestConfig({ file: yaml("checkers: [nope]\n"), env: {} }));
    expect(message).toContain('t.yaml:1:12: checkers.0 = "nope": unknown checker "nope"');
  });

  it("rejects a file that is not a mapping", () => {
    expect(usageError(() => loadTestConfig({ file: yaml("- a\n- b\n"), env: {} }))).toContain(
      "a test file is a mapping",
    );
  });

  it("reports every problem, one a line", () => {
    const message = usageError(() =>
      loadTestConfig({ file: yaml("nodes: 0\nrate: -1\n"), env: {} }),
    );
    expect(message.split("\n")).toEqual([
      "t.yaml:1:8: nodes = 0: expected at least 1",
      "t.yaml:2:7: rate = -1: expected at least 0",
    ]);
  });
});
