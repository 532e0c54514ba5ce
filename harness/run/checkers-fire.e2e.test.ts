// End to end: each checker fires on its anomaly in a REAL run (`faultline run` on an example test,
// local nodes, real faults), and a control passes. Each run has a fixed seed (the op stream and the
// fault schedule) and a setup that makes its anomaly overwhelmingly likely; besides the verdict,
// each test reads the history to confirm the first counterexample is what the checker says it is.
// (lost-writes firing on a real cart run is in run.e2e.test.ts.)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { CheckResult } from "../../checkers/checker.js";
import type { Op } from "../../checkers/history.js";
import { canonicalJson, writtenValue } from "../../checkers/read-values.js";
import { faultline, firstRunShowing, readStoredRun, type StoredRun } from "./faultline-process.js";

const EXAMPLES = fileURLToPath(new URL("../../examples/", import.meta.url));
const store = mkdtempSync(join(tmpdir(), "faultline-fire-"));
afterAll(() => rmSync(store, { recursive: true, force: true }));

const TIMEOUT_MS = 60_000;

/** Runs an example for a few seconds with a fixed seed; checks the exit code; returns the run. */
async function runExample(
  example: string,
  expectedCode: number,
  { seed = 1, flags = [] }: { seed?: number; flags?: string[] } = {},
): Promise<StoredRun> {
  const out = await faultline([
    "run",
    join(EXAMPLES, `${example}.yaml`),
    "--seed",
    String(seed),
    "--time-limit",
    "5",
    ...flags,
    "--store",
    join(store, example),
  ]);
  if (out.code !== expectedCode) {
    throw new Error(
      `${example}: exit ${out.code}, expected ${expectedCode}\n${out.stdout}\n${out.stderr}`,
    );
  }
  return readStoredRun(out);
}

/** The first of `seeds` whose run of the example the checker judges INVALID naming `anomaly`. */
function firstFiring(
  example: string,
  checker: string,
  anomaly: string,
  seeds: readonly number[],
  flags: string[] = [],
): Promise<StoredRun> {
  const args = [join(EXAMPLES, `${example}.yaml`), "--time-limit", "5", ...flags];
  return firstRunShowing(
    [...args, "--store", join(store, example)],
    seeds,
    (run) => {
      const result = run.results[checker];
      return result?.valid === false && (result.anomalies as string[]).includes(anomaly);
    },
    `${checker} ${anomaly} in ${example}`,
  );
}

/** The checker's result, asserting it judged the run INVALID naming `anomaly`, with
 * counterexamples that are indexes of ops in the history. */
function firing(run: StoredRun, checker: string, anomaly: string): CheckResult {
  const result = run.results[checker];
  expect(result, `${checker} in ${run.dir}/results.json`).toBeDefined();
  expect(result!.valid).toBe(false);
  expect(result!.anomalies).toContain(anomaly);
  const counterexamples = result!.counterexamples ?? [];
  expect(counterexamples.length).toBeGreaterThan(0);
  for (const index of counterexamples) expect(run.history[index]?.index).toBe(index);
  return result!;
}

/** The first example of an anomaly in a result: its fields and op indexes. */
function firstExample(
  result: CheckResult,
  anomaly: string,
): Record<string, unknown> & { ops: number[] } {
  const examples = result.examples as Record<
    string,
    (Record<string, unknown> & { ops: number[] })[]
  >;
  const example = examples[anomaly]?.[0];
  expect(example, `an example of ${anomaly}`).toBeDefined();
  return example!;
}

function op(run: StoredRun, index: number): Op {
  const found = run.history[index];
  expect(found, `op ${index}`).toBeDefined();
  return found!;
}

const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);
const contains = (values: unknown, value: unknown) =>
  Array.isArray(values) && values.some((v) => same(v, value));
const sortedSiblings = (op: Op) =>
  canonicalJson([...(op.value as unknown[])].map(canonicalJson).sort());

describe("each checker fires on its anomaly in a real run", () => {
  it(
    "convergence: no anti-entropy, no read repair, one node cut off to the end → divergent",
    async () => {
      const run = await runExample("register-no-anti-entropy-diverges", 1);
      const result = firing(run, "convergence", "divergent");
      const example = firstExample(result, "divergent");
      // The ops are the nodes' last final reads of the key, and they disagree.
      const reads = example.ops.map((i) => op(run, i));
      for (const read of reads)
        expect(read).toMatchObject({ type: "ok", f: "final-read", key: example.key });
      expect(new Set(reads.map(sortedSiblings)).size).toBeGreaterThan(1);
      expect(new Set(reads.map((read) => read.node)).size).toBe(reads.length);
    },
    TIMEOUT_MS,
  );

  it(
    "convergence control: the same partition with anti-entropy and read repair → valid",
    async () => {
      const run = await runExample("register-anti-entropy-converges", 0);
      const result = run.results.convergence!;
      expect(result.valid).toBe(true);
      expect(result.convergenceMs).toBeTypeOf("number");
      // The control saw the same fault: a node cut off until the final heal.
      expect(run.history.some((o) => o.process === "nemesis" && o.f === "partition")).toBe(true);
      expect(run.results.siblings?.valid).toBe(true);
    },
    TIMEOUT_MS,
  );

  it(
    "siblings: leaderless lww under partitions → acknowledged values dropped",
    async () => {
      const run = await runExample("register-lww-drops-siblings", 1);
      const result = firing(run, "siblings", "dropped");
      const example = firstExample(result, "dropped");
      const [writeIndex, finalIndex] = example.ops as [number, number];
      const write = op(run, writeIndex);
      expect(write).toMatchObject({ type: "ok", key: example.key });
      expect(same(writtenValue(write), example.value)).toBe(true);
      // Nothing superseded it (no acknowledged write had it in its basis), yet it is gone.
      const supersededBy = run.history.filter(
        (o) => o.key === example.key && o.type === "ok" && contains(o.basis, example.value),
      );
      expect(supersededBy).toEqual([]);
      const final = op(run, finalIndex);
      expect(final).toMatchObject({ type: "ok", f: "final-read", key: example.key });
      expect(contains(final.value, example.value)).toBe(false);
    },
    TIMEOUT_MS,
  );

  it(
    "lost-updates: leaderless reject → two acknowledged writes on the same version",
    async () => {
      const run = await runExample("register-leaderless-reject-lost-updates", 1);
      const result = firing(run, "lost-updates", "lost-update");
      const example = firstExample(result, "lost-update");
      const writes = example.ops.map((i) => op(run, i));
      expect(writes.length).toBeGreaterThanOrEqual(2);
      for (const write of writes) {
        expect(write).toMatchObject({ type: "ok", key: example.key });
        expect(sortedBasis(write)).toBe(sortedBasis(writes[0]!));
      }
      expect(new Set(writes.map((w) => canonicalJson(writtenValue(w)))).size).toBe(writes.length);
    },
    TIMEOUT_MS,
  );

  it(
    "lost-updates: a leader that never fsyncs, killed → acknowledged writes no state reflects",
    async () => {
      // The leader is cut off or killed every 2 s; what it acknowledged alone (acks: one) is gone
      // once a follower is elected. 10 clients at 400 ops/s put several writes in that window.
      const run = await firstFiring(
        "register-leader-fsync-never-kill",
        "lost-updates",
        "unreflected",
        [1, 2, 3, 4, 5],
        [
          "--rate",
          "400",
          "--concurrency",
          "10",
          "--nemesis",
          "partition",
          "--nemesis-interval",
          "1.5",
        ],
      );
      const faults = run.history.filter(
        (o) =>
          o.process === "nemesis" && o.type === "ok" && (o.f === "kill" || o.f === "partition"),
      );
      expect(faults.length).toBeGreaterThan(0);
      const result = firing(run, "lost-updates", "unreflected");
      const example = firstExample(result, "unreflected");
      const [writeIndex, finalIndex] = example.ops as [number, number];
      expect(op(run, writeIndex)).toMatchObject({ type: "ok", key: example.key });
      const final = op(run, finalIndex);
      expect(final).toMatchObject({ type: "ok", f: "final-read", key: example.key });
      expect(contains(final.value, example.value)).toBe(false);
    },
    TIMEOUT_MS,
  );

  it(
    "stale-reads: a leader whose followers serve reads, session consistency claimed → violations",
    async () => {
      // Which reads land on a lagging follower depends on timing: the first of a few seeds.
      const run = await firstRunShowing(
        [
          join(EXAMPLES, "register-leader-stale-reads.yaml"),
          ...["--time-limit", "5", "--rate", "200", "--concurrency", "10"],
          ...["--store", join(store, "register-leader-stale-reads")],
        ],
        [1, 2, 3],
        (r) => r.results["stale-reads"]?.valid === false,
        "stale reads from followers",
      );
      const result = run.results["stale-reads"]!;
      const anomaly = (result.anomalies as string[]).includes("monotonic-reads")
        ? "monotonic-reads"
        : "read-your-writes";
      firing(run, "stale-reads", anomaly);
      const example = firstExample(result, anomaly);
      const [seenIndex, readIndex] = example.ops as [number, number];
      const seen = op(run, seenIndex);
      const read = op(run, readIndex);
      // The same session saw (or wrote) the value, then a later read missed it.
      expect(seen).toMatchObject({ type: "ok", process: example.process, key: example.key });
      expect(read).toMatchObject({
        type: "ok",
        f: "read",
        process: example.process,
        key: example.key,
      });
      expect(readIndex).toBeGreaterThan(seenIndex);
      expect(contains(read.value, example.value)).toBe(false);
      expect(
        seen.f === "read"
          ? contains(seen.value, example.value)
          : same(writtenValue(seen), example.value),
      ).toBe(true);
    },
    TIMEOUT_MS,
  );

  it(
    "linearizable: a leader whose followers serve reads, claimed linearizable → no linearization",
    async () => {
      const run = await firstRunShowing(
        [
          join(EXAMPLES, "register-leader-linearizable.yaml"),
          ...["--time-limit", "5", "--nemesis-interval", "1.5", "--rate", "200"],
          ...["--concurrency", "8", "--store", join(store, "register-leader-linearizable")],
        ],
        [1, 2, 3],
        (r) => r.results.linearizable?.valid === false,
        "a non-linearizable follower read",
      );
      const result = run.results.linearizable!;
      expect(result.valid).toBe(false);
      const failure = result.failure as {
        key: string;
        op: { invoke: number; completion?: number };
      };
      expect(op(run, failure.op.invoke)).toMatchObject({ type: "invoke", key: failure.key });
      if (failure.op.completion !== undefined) {
        expect(op(run, failure.op.completion)).toMatchObject({ type: "ok", key: failure.key });
      }
      expect(result.counterexamples).toContain(failure.op.invoke);
    },
    TIMEOUT_MS,
  );
});

function sortedBasis(write: Op): string {
  return canonicalJson([...new Set((write.basis ?? []).map(canonicalJson))].sort());
}
