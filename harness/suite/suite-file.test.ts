import { describe, expect, it, vi } from "vitest";
import { UsageError } from "../cli-error.js";
import { cellTestFile, expandCells, parseShard, shardCells, validateCells } from "./suite-cells.js";
import { suite } from "./test-fixtures/results.js";

// The runtimes' names are all the loader needs; their modules start processes.
vi.mock("../runtime/runtimes.js", () => ({ runtimes: { local: {}, docker: {} } }));

function usageError(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as UsageError).message;
  }
  throw new Error("expected a UsageError");
}

const MATRIX = `name: m
base:
  workload: cart
  timeLimit: 5s
  system: { fsync: always }
  nemesis: { interval: 2s }
seeds: [1, 2]
expect: { stats: valid }
axes:
  build:
    - name: lww
      test: { system: { strategy: lww }, nemesis: partition }
      expect: { lost-writes: invalid-in-any-seed, R2: "no" }
    - name: siblings
      label: DVV siblings
      test: { system: { strategy: siblings, readRepair: false } }
  size:
    - { name: three, test: { system: { nodes: 3 } } }
    - { name: five, test: { system: { nodes: 5 } }, expect: { R1: eventual } }
`;

describe("suite files", () => {
  it("expand to base × the product of the axes, the last axis varying fastest", () => {
    const cells = expandCells(suite(MATRIX));
    expect(cells.map((c) => c.id)).toEqual([
      "lww.three",
      "lww.five",
      "siblings.three",
      "siblings.five",
    ]);
    expect(cells[2]).toMatchObject({
      index: 2,
      label: "DVV siblings / three",
      axes: { build: "DVV siblings", size: "three" },
      seeds: [1, 2],
    });
  });

  it("deep-merge the fragments: objects key by key, a section's shorthand as its object", () => {
    const [lwwThree, , siblingsThree] = expandCells(suite(MATRIX));
    expect(lwwThree!.test).toEqual({
      workload: { name: "cart" },
      timeLimit: "5s",
      system: { fsync: "always", strategy: "lww", nodes: 3 },
      nemesis: { interval: "2s", kinds: ["partition"] },
    });
    expect(siblingsThree!.test.system).toEqual({
      fsync: "always",
      strategy: "siblings",
      readRepair: false,
      nodes: 3,
    });
  });

  it("merge the expectations over the suite's, later axes winning", () => {
    const [lwwThree, lwwFive, siblingsThree] = expandCells(suite(MATRIX));
    expect(lwwThree!.expect.checkers).toEqual({
      stats: "valid",
      "lost-writes": "invalid-in-any-seed",
    });
    expect(lwwFive!.expect.requirements).toEqual({ R2: "no", R1: "eventual" });
    expect(siblingsThree!.expect.requirements).toEqual({});
  });

  it("hand each cell run to the test loader as a test file named after the suite and cell", () => {
    const s = suite(MATRIX);
    const [cell] = expandCells(s);
    const file = cellTestFile(s, cell!, 2, "/tmp/store/m/ts");
    expect(file.path).toBe("suites/t.yaml#cell 1");
    const configs = validateCells(s, [cell!]).get(cell!)!;
    expect(configs.map((c) => [c.name, c.seed, c.system.strategy, c.system.nodes])).toEqual([
      ["lww.three", 1, "lww", 3],
      ["lww.three", 2, "lww", 3],
    ]);
    expect(configs[0]!.nemesis).toMatchObject({ kinds: ["partition"], interval: 2000 });
  });

  it("without seeds, run once with the test's seed or a random one", () => {
    const own = expandCells(suite("base: { seed: 9 }"));
    expect(own.map((c) => [c.id, c.seeds])).toEqual([["t", [9]]]);
    expect(expandCells(suite("{}"), () => 42)[0]!.seeds).toEqual([42]);
    expect(expandCells(suite("seeds: [1]"), undefined, [5, 6])[0]!.seeds).toEqual([5, 6]);
  });

  it("place a cell's bad combination at the line of the value that set it (exit 254)", () => {
    const s = suite(`base: { system: { nodes: 3, build: leaderless } }
axes:
  q:
    - name: ok
    - name: bad
      test:
        system: { w: 4 }
`);
    const message = usageError(() => validateCells(s, expandCells(s)));
    expect(message).toBe(
      "suites/t.yaml:7:22: cell 2 (bad): system.w = 4: w = 4 is more than the 3 nodes (allowed: 1 … 3)",
    );
  });

  it("name an unknown test key of a fragment, and where it is", () => {
    const s = suite(`axes:
  a:
    - name: x
      test: { system: { strategy: lww }, colour: red }
`);
    expect(usageError(() => validateCells(s, expandCells(s)))).toMatch(
      /^suites\/t\.yaml:4:42: cell 1 \(x\): colour: unknown key \(allowed: name, seed, store/,
    );
  });

  it("refuse unknown keys, wrong types, empty axes and bad expectations, with line:column", () => {
    expect(usageError(() => suite("nmae: x"))).toMatch(
      /^suites\/t\.yaml:1:1: nmae: unknown key \(allowed: name, description, base, axes, seeds, expect\)$/,
    );
    expect(usageError(() => suite("axes:\n  build: []\n"))).toBe(
      "suites/t.yaml:2:10: axes.build = []: expected at least 1 entries",
    );
    expect(usageError(() => suite("seeds: [1, x]"))).toMatch(
      /^suites\/t\.yaml:1:12: seeds\.1 = "x": expected a number/,
    );
    expect(
      usageError(() =>
        suite("axes:\n  a:\n    - name: v\n      expect: { lost-writes: broken }\n"),
      ),
    ).toMatch(
      /^suites\/t\.yaml:4:30: axes\.a\.0\.expect\.lost-writes = "broken": expected one of "valid", "invalid", "unknown", "invalid-in-any-seed", "not-invalid", "any"$/,
    );
    expect(usageError(() => suite("expect: { R4: yes }"))).toMatch(
      /R4: unknown key \(allowed: .*R1, R2, R3\)/,
    );
    expect(usageError(() => suite("axes:\n  a:\n    - { name: v }\n    - { name: v }\n"))).toMatch(
      /^suites\/t\.yaml:4:15: axes\.a: the value name "v" is used twice/,
    );
    expect(usageError(() => suite("base: [1"))).toMatch(/^suites\/t\.yaml:1:\d+: malformed YAML/);
    expect(usageError(() => suite("- a\n- b"))).toMatch(
      /^suites\/t\.yaml:1:1: a suite file is a mapping/,
    );
  });

  it("split the cells over shards I/N, each cell in exactly one", () => {
    const cells = expandCells(suite(MATRIX));
    const shards = [1, 2, 3].map((index) =>
      shardCells(cells, { index, count: 3 }).map((c) => c.index),
    );
    expect(shards).toEqual([[0, 3], [1], [2]]);
    expect(parseShard(" 2/3 ")).toEqual({ index: 2, count: 3 });
    for (const bad of ["0/2", "3/2", "1", "a/b"])
      expect(usageError(() => parseShard(bad))).toMatch(/--shard/);
  });
});
