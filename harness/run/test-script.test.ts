// The `script:` section and the sim runtime's keys, through the loader as a test file meets them:
// a valid script loads and survives test.json, and each bad value is named with its line.
import { describe, expect, it } from "vitest";
import { UsageError } from "../cli-error.js";
import { loadTestConfig } from "../config/load-test-config.js";
import { readTestJson, testJson } from "../config/test-file.js";
import { scriptedSchedule } from "./test-script.js";

const HEAD = `name: scripted
seed: 3
system: { name: faultline, build: leaderless, strategy: siblings }
runtime: sim
workload: { name: cart, keys: 2 }
clients: { concurrency: 2 }
nemesis: { kinds: [partition] }
`;

const SCRIPT = `script:
  ops:
    - - { atMs: 0, f: add, key: k1, node: n1, value: 1 }
      - { atMs: 50.5, f: read, key: k2, node: n3, value: 3 }
    - - { atMs: 10, f: add, key: k1, node: n2, value: 2 }
  faults:
    - { atMs: 20, durationMs: 400, kind: partition, fault: { shape: halves, order: [n2, n1, n3] } }
`;

const load = (text: string) => loadTestConfig({ file: { path: "t.yaml", text }, env: {} });

function problemsOf(text: string): string {
  try {
    load(text);
  } catch (err) {
    if (err instanceof UsageError) return err.message;
    throw err;
  }
  throw new Error("the test loaded");
}

describe("the script section", () => {
  it("loads, survives test.json, and gives the nemesis fresh fault objects", () => {
    const config = load(HEAD + SCRIPT);
    expect(config.script?.ops?.[0]?.[1]).toEqual({
      atMs: 50.5,
      f: "read",
      key: "k2",
      node: "n3",
      value: 3,
    });
    expect(readTestJson("test.json", testJson(config))).toEqual(config);
    const [event] = scriptedSchedule(config.script!.faults!);
    expect(event).toEqual({
      atMs: 20,
      durationMs: 400,
      kind: "partition",
      fault: { shape: "halves", order: ["n2", "n1", "n3"] },
    });
    // The config is frozen; a fault remembers whom it hit on its own copy.
    expect(Object.isFrozen(event!.fault)).toBe(false);
  });

  it("names every op that does not fit the test", () => {
    const bad = SCRIPT.replace("node: n1, value: 1", "node: n9, value: 2").replace(
      "f: read, key: k2",
      "f: frob, key: k7",
    );
    const message = problemsOf(HEAD + bad);
    expect(message).toContain(
      't.yaml:10:43: script.ops.0.0.node = "n9": unknown node (allowed: n1, n2, n3)',
    );
    expect(message).toContain(
      'script.ops.0.1.f = "frob": not an op of the workload (allowed: add, read)',
    );
    expect(message).toContain('script.ops.0.1.key = "k7": not a key of the workload (k1 … k2)');
    expect(message).toContain("script.ops.1.0.value = 2: another op of the script has this value");
  });

  it("wants one list per client, ops in time order, and faults the nemesis knows", () => {
    const threads = problemsOf(HEAD.replace("concurrency: 2", "concurrency: 3") + SCRIPT);
    expect(threads).toContain("script.ops = [[");
    expect(threads).toContain("2 client threads, but clients.concurrency is 3");
    const order = problemsOf(HEAD + SCRIPT.replace("atMs: 50.5", "atMs: -1"));
    expect(order).toContain("script.ops.0.1.atMs = -1: expected at least 0");
    const late = problemsOf(
      HEAD +
        SCRIPT.replace("atMs: 0, f: add, key: k1, node: n1", "atMs: 60, f: add, key: k1, node: n1"),
    );
    expect(late).toContain("before the thread's previous op");
    const kind = problemsOf(HEAD.replace("kinds: [partition]", "kinds: [kill]") + SCRIPT);
    expect(kind).toContain('script.faults.0.kind = "partition": not in nemesis.kinds (kill)');
  });

  it("validates each fault by the schema of its kind", () => {
    const shape = problemsOf(HEAD + SCRIPT.replace("shape: halves", "shape: triangle"));
    expect(shape).toMatch(/script\.faults\.0\.fault\.shape = "triangle": expected one of "halves"/);
    const node = problemsOf(HEAD + SCRIPT.replace("order: [n2, n1, n3]", "order: [n2, n4]"));
    expect(node).toContain("script.faults.0.fault = ");
    expect(node).toContain("unknown node(s) n4");
    const kind = problemsOf(HEAD + SCRIPT.replace("kind: partition", "kind: flood"));
    expect(kind).toContain(
      'script.faults.0.kind = "flood": faults of this kind cannot be scripted',
    );
  });
});

describe("the sim runtime's keys", () => {
  it("fill their defaults for the sim, and belong to it alone", () => {
    expect(load(HEAD).runtime).toEqual({ name: "sim", latency: 1, jitter: 2, restart: 500 });
    expect(
      load(HEAD.replace("runtime: sim", "runtime: { name: sim, latency: 5ms, jitter: 0 }")).runtime,
    ).toEqual({
      name: "sim",
      latency: 5,
      jitter: 0,
      restart: 500,
    });
    expect(
      problemsOf(HEAD.replace("runtime: sim", "runtime: { name: local, latency: 5ms }")),
    ).toContain('t.yaml:4:34: runtime.latency = "5ms": latency applies to the sim runtime only');
  });

  it("plant only a bug the system's sim launch has, and need a system with a sim launch", () => {
    expect(
      load(HEAD.replace("runtime: sim", "runtime: { name: sim, plantedBug: drop-sibling }"))
        .runtime,
    ).toMatchObject({
      plantedBug: "drop-sibling",
    });
    expect(
      problemsOf(HEAD.replace("runtime: sim", "runtime: { name: sim, plantedBug: typo }")),
    ).toContain(
      'runtime.plantedBug = "typo": system faultline\'s sim launch plants no such bug (it has: drop-sibling)',
    );
    const memory = HEAD.replace(
      "system: { name: faultline, build: leaderless, strategy: siblings }",
      "system: memory",
    );
    expect(problemsOf(memory)).toContain("system memory has no sim launch (allowed: local)");
  });
});
