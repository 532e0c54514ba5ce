import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UsageError } from "../cli-error.js";
import { CONFIG_FLAGS, type ConfigFlag } from "./config-flags.js";
import { loadTestConfig } from "./load-test-config.js";
import { testJson } from "./test-file.js";

const flag = (name: string): ConfigFlag => {
  const found = CONFIG_FLAGS.find((f) => f.flags.startsWith(`${name} `));
  if (found === undefined) throw new Error(`no flag ${name}`);
  return found;
};
const flags = (entries: Record<string, string>) =>
  new Map(Object.entries(entries).map(([name, text]) => [flag(name), text] as const));
const yaml = (text: string, path = "t.yaml") => ({ path, text });
const load = (text: string) => loadTestConfig({ file: yaml(text), env: {} });

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
  it("fills every default, section by section", () => {
    const config = loadTestConfig({ env: {}, flags: flags({ "--seed": "7" }) });
    expect(config).toMatchObject({
      name: "cart-leaderless-lww",
      seed: 7,
      store: "store",
      timeLimit: 30_000,
      quiescenceTimeout: 10_000,
      system: {
        name: "faultline",
        build: "leaderless",
        strategy: "lww",
        nodes: 3,
        w: 2,
        r: 2,
        fsync: "always",
        readRepair: true,
        antiEntropy: 500,
      },
      runtime: { name: "local" },
      workload: { name: "cart", keys: 3, itemsPerKey: 1000, add: "read-modify-write" },
      clients: { concurrency: 5, rate: 100, opTimeout: 2000 },
      nemesis: {
        kinds: [],
        interval: 4000,
        jitter: 1000,
        partition: {
          linkFault: "blackhole",
          shapes: ["halves", "one", "majorities-ring", "bridge"],
        },
        kill: { target: "random" },
        clock: { skewMax: 5000 },
      },
      checkers: {
        names: ["lost-writes", "convergence", "stale-reads", "stats"],
        consistency: "eventual",
      },
    });
    expect(config.system.acks).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.system)).toBe(true);
  });

  it("picks the register's checkers by the system's conflict strategy", () => {
    const checkers = (strategy: string) =>
      loadTestConfig({
        env: {},
        flags: flags({ "--workload": "register", "--strategy": strategy }),
      }).checkers.names;
    expect(checkers("reject")).toContain("lost-updates");
    expect(checkers("siblings")).toContain("siblings");
    expect(checkers("siblings")).not.toContain("lost-updates");
    const memory = loadTestConfig({
      env: {},
      flags: flags({ "--system": "memory", "--workload": "register" }),
    });
    expect(memory.checkers.names).toContain("siblings");
    expect(memory.name).toBe("register-memory");
  });

  it("draws a seed when none is given", () => {
    const config = loadTestConfig({ env: {} });
    expect(Number.isInteger(config.seed)).toBe(true);
    expect(config.seed).toBeGreaterThanOrEqual(0);
  });

  it("reads the file, names the test after it, and lets flags override it", () => {
    const file = yaml(
      "system: {build: leader, strategy: reject, nodes: 5, acks: all}\ntimeLimit: 10s\nnemesis:\n  kinds: [partition]\n  interval: 500ms\n",
      "examples/my-test.yaml",
    );
    const config = loadTestConfig({
      file,
      env: {},
      flags: flags({ "--nodes": "3", "--nemesis": "kill,pause" }),
    });
    expect(config.name).toBe("my-test");
    expect(config.system).toMatchObject({ build: "leader", nodes: 3, acks: "all" });
    expect(config.timeLimit).toBe(10_000);
    expect(config.nemesis.kinds).toEqual(["kill", "pause"]);
    expect(config.nemesis.interval).toBe(500);
    expect(config.nemesis.partition.shapes).toContain("leader");
  });

  it("accepts the shorthands of every section", () => {
    expect(load("nemesis: partition, clock").nemesis.kinds).toEqual(["partition", "clock"]);
    expect(load("nemesis: none").nemesis.kinds).toEqual([]);
    expect(
      loadTestConfig({ env: {}, flags: flags({ "--nemesis": "none" }) }).nemesis.kinds,
    ).toEqual([]);
    expect(load("system: memory").system).toEqual({ name: "memory", nodes: 3 });
    expect(load("workload: register").workload).toEqual({ name: "register", keys: 3 });
    expect(load("runtime: docker").runtime).toEqual({ name: "docker" });
    expect(load("checkers: [stats]").checkers).toEqual({
      names: ["stats"],
      consistency: "eventual",
    });
    // A section without a name is the default system's.
    expect(load("system: {strategy: siblings}").system.name).toBe("faultline");
  });

  it("takes the store from FAULTLINE_STORE unless the test says otherwise", () => {
    expect(loadTestConfig({ env: { FAULTLINE_STORE: "/tmp/s" } }).store).toBe("/tmp/s");
    expect(
      loadTestConfig({ env: { FAULTLINE_STORE: "/tmp/s" }, flags: flags({ "--store": "x" }) })
        .store,
    ).toBe("x");
  });

  it("loads its own test.json back to the same test, for any flags", () => {
    const flagText = fc.record(
      {
        "--build": fc.constantFrom("leader", "leaderless"),
        "--strategy": fc.constantFrom("lww", "reject", "siblings"),
        "--nodes": fc.integer({ min: 2, max: 7 }).map(String),
        "--workload": fc.constantFrom("cart", "register"),
        "--nemesis": fc.constantFrom("none", "partition", "kill,pause", "clock,partition"),
        "--time-limit": fc.constantFrom("1", "2.5", "90ms"),
        "--rate": fc.integer({ min: 0, max: 500 }).map(String),
        "--link-fault": fc.constantFrom("blackhole", "reset"),
        "--seed": fc.integer({ min: 0, max: 2 ** 31 - 1 }).map(String),
      },
      { requiredKeys: ["--seed"] },
    );
    fc.assert(
      fc.property(flagText, (given) => {
        const config = loadTestConfig({ env: {}, flags: flags(given as Record<string, string>) });
        const again = loadTestConfig({ env: {}, file: yaml(testJson(config), "x/test.json") });
        expect(again).toEqual({ ...config, name: config.name });
      }),
      { numRuns: 60 },
    );
  });

  it("reports malformed YAML with its line, and a key given twice", () => {
    const message = usageError(() => load("system:\n  build: leader\n  nodes: [3\nname: x\n"));
    expect(message).toMatch(/^t\.yaml:\d+:\d+: malformed YAML/);
    expect(usageError(() => load("name: a\nsystem:\n  nodes: 3\n  nodes: 4\n"))).toBe(
      't.yaml:4:3: malformed YAML: the key "nodes" appears twice',
    );
  });

  it("refuses a YAML alias bomb as bad input, not an internal error", () => {
    const bomb = [
      "a: &a [x, x, x, x, x, x, x, x, x, x]",
      ...Array.from({ length: 8 }, (_, i) => {
        const prev = String.fromCharCode(97 + i);
        const next = String.fromCharCode(98 + i);
        return `${next}: &${next} [*${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}]`;
      }),
    ].join("\n");
    expect(usageError(() => load(bomb))).toMatch(/^t\.yaml: the YAML cannot be expanded: .*alias/);
  });

  it("reports an unknown key with its line and the allowed keys", () => {
    expect(usageError(() => load("name: x\nsystme: {}\n"))).toContain(
      "t.yaml:2:1: systme: unknown key (allowed: name, seed, store, timeLimit",
    );
    expect(usageError(() => load("system:\n  fsync: never\n  quorum: 2\n"))).toContain(
      "t.yaml:3:3: system.quorum: unknown key (allowed: name, build, strategy, nodes, fsync",
    );
    expect(usageError(() => load("nemesis:\n  partition: {shape: [one]}\n"))).toContain(
      "t.yaml:2:15: nemesis.partition.shape: unknown key (allowed: shapes, linkFault)",
    );
  });

  it("says where a key of the first versions' flat files lives now", () => {
    const message = usageError(() =>
      load("build: leader\nkeys: 2\nnode:\n  fsync: never\nnemesis:\n  partitionShapes: [one]\n"),
    );
    expect(message.split("\n")).toEqual([
      "t.yaml:1:1: build: this key moved: it is system.build now",
      "t.yaml:3:1: node: this key moved: it is system (fsync, acks, w, r, readRepair, antiEntropy, requestTimeout are system keys) now",
      "t.yaml:2:1: keys: this key moved: it is workload.keys now",
      "t.yaml:6:3: nemesis.partitionShapes: this key moved: it is nemesis.partition.shapes now",
    ]);
  });

  it("reports thousands of unknown keys with a few lines and a count, in linear time", () => {
    const keys = Array.from({ length: 40_000 }, (_, i) => `bogus${i}: 1`).join("\n");
    const started = performance.now();
    const message = usageError(() => load(`name: x\n${keys}\n`));
    const lines = message.split("\n");
    expect(lines).toHaveLength(9);
    expect(lines[0]).toBe(
      "t.yaml:2:1: bogus0: unknown key (allowed: name, seed, store, timeLimit, quiescenceTimeout, system, runtime, workload, clients, nemesis, checkers, script)",
    );
    expect(lines[8]).toBe("… and 39992 more problems");
    // Not a timing test of speed, a guard against the quadratic: 40k keys took 37 s before.
    expect(performance.now() - started).toBeLessThan(30_000);
  });

  it("reports a wrong type with the value and line", () => {
    expect(usageError(() => load("name: t\nsystem: {nodes: three}\n"))).toBe(
      't.yaml:2:17: system.nodes = "three": expected a number',
    );
  });

  it("reports a value outside an enum with what is allowed", () => {
    expect(usageError(() => load("system:\n  strategy: lvv\n"))).toBe(
      't.yaml:2:13: system.strategy = "lvv": expected one of "lww", "reject", "siblings"',
    );
    expect(usageError(() => load("system: mysql\n"))).toBe(
      't.yaml:1:9: system.name = "mysql": unknown system (allowed: faultline, memory, postgres)',
    );
  });

  it("reports a bad entry in a list at its own line", () => {
    expect(
      usageError(() => load("nemesis:\n  kinds:\n    - partition\n    - explode\n")),
    ).toContain(
      't.yaml:4:7: nemesis.kinds.1 = "explode": expected one of "pause", "kill", "partition", "clock"',
    );
  });

  it("bounds durations to what a timer can wait, naming non-finite numbers", () => {
    expect(usageError(() => load("timeLimit: soon\n"))).toContain(
      't.yaml:1:12: timeLimit = "soon": expected a duration',
    );
    expect(usageError(() => load("timeLimit: 1e308\n"))).toContain(
      "t.yaml:1:12: timeLimit = 1e+308: expected a duration from 1ms to about 24.8 days",
    );
    expect(usageError(() => load("timeLimit: 1e400\n"))).toContain(
      "timeLimit = Infinity: expected a duration",
    );
    expect(
      usageError(() => loadTestConfig({ env: {}, flags: flags({ "--time-limit": "1e308" }) })),
    ).toMatch(/^--time-limit: timeLimit = 1e\+308: expected a duration from/);
  });

  it("bounds the keys and the seed with one message each", () => {
    expect(
      usageError(() => loadTestConfig({ env: {}, flags: flags({ "--keys": "1000000" }) })),
    ).toBe("--keys: workload.keys = 1000000: expected at most 10000");
    expect(
      usageError(() =>
        loadTestConfig({ env: {}, flags: flags({ "--seed": "18446744073709551616" }) }),
      ),
    ).toBe("--seed: seed = 18446744073709552000: expected an integer from 0 to 2147483647");
  });

  it("cuts a long echoed value, and refuses a name too long to be a folder", () => {
    const name = "x".repeat(10_000_000);
    const message = usageError(() => loadTestConfig({ env: {}, flags: flags({ "--name": name }) }));
    expect(message.length).toBeLessThan(300);
    expect(message).toContain("expected at most 100 characters");
  });

  it("names the flag when a flag's value is wrong", () => {
    expect(usageError(() => loadTestConfig({ env: {}, flags: flags({ "--nodes": "many" }) }))).toBe(
      '--nodes: system.nodes = "many": expected a number',
    );
    expect(
      usageError(() =>
        loadTestConfig({ env: {}, flags: flags({ "--nemesis": "partition,flood" }) }),
      ),
    ).toContain('--nemesis: nemesis.kinds.1 = "flood": expected one of');
    expect(
      usageError(() =>
        loadTestConfig({ env: {}, flags: flags({ "--system": "memory", "--strategy": "lww" }) }),
      ),
    ).toContain("--strategy: system.strategy: unknown key (allowed: name, nodes)");
  });

  it("refuses a quorum larger than the cluster, acks on leaderless and quorums on leader", () => {
    expect(usageError(() => load("system: {nodes: 3, w: 4}\n"))).toBe(
      "t.yaml:1:23: system.w = 4: w = 4 is more than the 3 nodes (allowed: 1 … 3)",
    );
    expect(usageError(() => load("system: {build: leaderless, acks: all}\n"))).toContain(
      "t.yaml:1:35: system.acks",
    );
    expect(
      usageError(() =>
        loadTestConfig({ env: {}, flags: flags({ "--build": "leader", "--w": "2" }) }),
      ),
    ).toContain("--w: system.w = 2: w is a leaderless quorum");
  });

  it("refuses what the system cannot do: the leader shape, clocks, a runtime, append", () => {
    expect(
      usageError(() =>
        load("nemesis:\n  kinds: [partition]\n  partition: {shapes: [halves, leader]}\n"),
      ),
    ).toContain('partition faults need the capability "leader"');
    expect(usageError(() => load("system: memory\nnemesis: clock\n"))).toContain(
      't.yaml:2:10: nemesis.kinds.0 = "clock": clock faults need the capability "clock"',
    );
    expect(usageError(() => load("system: memory\nruntime: docker\n"))).toContain(
      'runtime.name = "docker": system memory has no docker launch (allowed: local)',
    );
    expect(usageError(() => load("workload: {name: cart, add: append}\n"))).toContain(
      'workload = {"name":"cart","add":"append"}: workload cart needs the capability "append"',
    );
    expect(usageError(() => load("system: {nodes: 1}\nnemesis: partition\n"))).toContain(
      'nemesis.kinds.0 = "partition": a partition needs at least 2 nodes',
    );
  });

  it("refuses a jitter as long as the interval, and shrinks the default jitter to fit", () => {
    const message = usageError(() => load("nemesis:\n  interval: 2s\n  jitter: 2s\n"));
    expect(message).toContain("t.yaml:3:11: nemesis.jitter");
    expect(message).toContain("must be less than the interval between faults (2000ms)");
    const config = loadTestConfig({ env: {}, flags: flags({ "--nemesis-interval": "1" }) });
    expect(config.nemesis).toMatchObject({ interval: 1000, jitter: 250 });
  });

  it("refuses zero or out-of-range durations, an empty checker list and absurd concurrency", () => {
    const message = usageError(() =>
      load(
        "nemesis:\n  interval: 0\nsystem:\n  requestTimeout: 0\n  antiEntropy: 2h\nclients: {concurrency: 100000}\ncheckers: []\n",
      ),
    );
    expect(message).toContain("t.yaml:2:13: nemesis.interval = 0: expected a duration from 1ms");
    expect(message).toContain("t.yaml:7:11: checkers.names");
    expect(message).toContain("t.yaml:6:24: clients.concurrency = 100000");
    const system = usageError(() => load("system:\n  requestTimeout: 0\n  antiEntropy: 2h\n"));
    expect(system).toContain(
      "t.yaml:2:19: system.requestTimeout = 0: expected a duration from 1ms to 600s",
    );
    expect(system).toContain("t.yaml:3:16: system.antiEntropy");
  });

  it("takes itemsPerKey for the cart workload only", () => {
    expect(load("workload: {itemsPerKey: 50}\n").workload).toMatchObject({
      name: "cart",
      itemsPerKey: 50,
    });
    expect(usageError(() => load("workload: {name: register, itemsPerKey: 50}\n"))).toContain(
      "workload.itemsPerKey: unknown key (allowed: name, keys)",
    );
  });

  it("refuses an unknown checker", () => {
    expect(usageError(() => load("checkers: [nope]\n"))).toContain(
      't.yaml:1:12: checkers.names.0 = "nope": unknown checker "nope"',
    );
  });

  it("refuses a file that is not a mapping", () => {
    expect(usageError(() => load("- a\n- b\n"))).toContain("a test file is a mapping");
  });

  it("reports every problem, one a line", () => {
    expect(usageError(() => load("system: {nodes: 0}\nclients: {rate: -1}\n")).split("\n")).toEqual(
      [
        "t.yaml:2:17: clients.rate = -1: expected at least 0",
        "t.yaml:1:17: system.nodes = 0: expected at least 1",
      ],
    );
  });
});
