import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CheckOptions } from "./checker.js";
import type { Op, OpType } from "./history.js";
import { checkLinearizable } from "./linearizable-checker.js";

// Tiny history builders: events in real-time order; index/time are the position.
interface Event {
  process: Op["process"];
  type: OpType;
  f: string;
  key?: string;
  value?: unknown;
}
const ev =
  (type: OpType) =>
  (process: number, f: string, value?: unknown, key = "k"): Event => ({
    process,
    type,
    f,
    key,
    value,
  });
const invoke = ev("invoke");
const ok = ev("ok");
const fail = ev("fail");
const info = ev("info");
const history = (...events: Event[]): Op[] =>
  events.map((e, index) => ({ ...e, index, time: index }));
/** A whole op at once: invoke then completion, no concurrency. */
const seq = (process: number, f: string, input: unknown, output: unknown, key = "k"): Event[] => [
  invoke(process, f, input, key),
  ok(process, f, output, key),
];
const w = (p: number, v: unknown, key = "k") => seq(p, "write", v, v, key);
const r = (p: number, siblings: unknown[], key = "k") => seq(p, "read", null, siblings, key);
const check = (ops: Op[], options: CheckOptions = {}) =>
  checkLinearizable(ops, { model: "cas-register", ...options });

describe("linearizable: register (our sibling-list reads)", () => {
  it("accepts a sequential history and an absent register reading []", () => {
    const res = check(history(...r(0, []), ...w(1, 1), ...r(2, [1]), ...w(1, 2), ...r(0, [2])));
    expect(res.valid).toBe(true);
    expect(res.ops).toBe(5);
  });

  it("rejects a stale read, naming the read and the shortest failing prefix", () => {
    const ops = history(...w(0, 1), ...w(0, 2), ...r(1, [1]), ...r(1, [2]));
    const res = check(ops);
    expect(res.valid).toBe(false);
    expect(res.failure?.op.invoke).toBe(4);
    expect(res.failure?.prefixEndIndex).toBe(5);
    expect(res.counterexamples).toContain(4);
    expect(res.failure?.state).toBe("2");
  });

  it("rejects reordered writes: 2 is read, then the older 1", () => {
    const ops = history(...w(0, 1), ...w(0, 2), ...r(1, [2]), ...r(2, [1]));
    expect(check(ops).valid).toBe(false);
  });

  it("accepts a read of either value while a write is concurrent", () => {
    for (const seen of [[1], [2]]) {
      const ops = history(...w(0, 1), invoke(1, "write", 2), ...r(2, seen), ok(1, "write", 2));
      expect(check(ops).valid).toBe(true);
    }
  });

  it("accepts reads that see a concurrent write, then not, only in a legal order", () => {
    // Both reads overlap the write, but the second starts after the first saw 2: 1 is stale.
    const ops = history(
      ...w(0, 1),
      invoke(1, "write", 2),
      ...r(2, [2]),
      ...r(3, [1]),
      ok(1, "write", 2),
    );
    expect(check(ops).valid).toBe(false);
  });

  it("rejects a read of several siblings: no register holds two values", () => {
    const ops = history(
      invoke(0, "write", 1),
      invoke(1, "write", 2),
      ok(0, "write", 1),
      ok(1, "write", 2),
      ...r(2, [1, 2]),
    );
    const res = check(ops);
    expect(res.valid).toBe(false);
    expect(res.failure?.op.description).toContain("several siblings");
  });

  it("treats a failed write as never having happened", () => {
    const ops = history(invoke(0, "write", 1), fail(0, "write", 1), ...r(1, [1]));
    expect(check(ops).valid).toBe(false);
    expect(check(history(invoke(0, "write", 1), fail(0, "write", 1), ...r(1, []))).valid).toBe(
      true,
    );
  });

  it("lets an info write take effect late, or never", () => {
    const late = history(invoke(0, "write", 1), info(0, "write", 1), ...r(1, []), ...r(1, [1]));
    expect(check(late).valid).toBe(true);
    const never = history(
      ...w(2, 5),
      invoke(0, "write", 1),
      info(0, "write", 1),
      ...r(1, [5]),
      ...r(1, [5]),
    );
    expect(check(never).valid).toBe(true);
    const crashed = history(...w(2, 5), invoke(0, "write", 1), ...r(1, [1])); // never completes
    expect(check(crashed).valid).toBe(true);
  });

  it("never places an info write before its invocation", () => {
    const ops = history(...r(1, [1]), invoke(0, "write", 1), info(0, "write", 1));
    expect(check(ops).valid).toBe(false);
  });

  it("places an info write at most once", () => {
    // 1 then 2 then 1 again needs the info write of 1 twice.
    const ops = history(
      invoke(0, "write", 1),
      info(0, "write", 1),
      ...r(1, [1]),
      ...w(2, 2),
      ...r(1, [2]),
      ...r(1, [1]),
    );
    const res = check(ops);
    expect(res.valid).toBe(false);
    expect(res.failure?.op.invoke).toBe(8);
  });

  it("keeps two info writes of one value distinct: each may be placed once", () => {
    const ops = history(
      invoke(0, "write", 1),
      info(0, "write", 1),
      invoke(3, "write", 1),
      info(3, "write", 1),
      ...r(1, [1]),
      ...w(2, 2),
      ...r(1, [2]),
      ...r(1, [1]),
    );
    expect(check(ops).valid).toBe(true);
    expect(check(ops, { baseline: true }).valid).toBe(true);
  });

  it("splits by key: each key is its own register", () => {
    const good = history(...w(0, 1, "a"), ...w(0, 2, "b"), ...r(1, [1], "a"), ...r(1, [2], "b"));
    const res = check(good);
    expect(res.valid).toBe(true);
    expect(res.parts).toBe(2);
    const bad = history(...w(0, 1, "a"), ...w(0, 2, "b"), ...r(1, [2], "a"));
    const failed = check(bad);
    expect(failed.valid).toBe(false);
    expect(failed.failure?.key).toBe("a");
  });

  it("honours the initial value", () => {
    expect(check(history(...r(0, [7]))).valid).toBe(false);
    expect(check(history(...r(0, [7])), { initial: 7 }).valid).toBe(true);
  });

  it("ignores nemesis ops, final reads and other fs, and counts the ignored", () => {
    const ops = history(
      { process: "nemesis", type: "invoke", f: "partition", value: {} },
      ...w(0, 1),
      { process: "nemesis", type: "info", f: "partition", value: {} },
      ...seq(9, "final-read", null, [99]),
      ...r(1, [1]),
    );
    const res = check(ops);
    expect(res.valid).toBe(true);
    expect(res.ignored).toBe(1);
  });

  it("reports a completion without an invoke as an error naming the op", () => {
    expect(() => check(history(ok(0, "read", [])))).toThrow(
      /op 0: a ok read of process 0 with no pending read invoke/,
    );
  });

  it("rejects an unknown model or dialect", () => {
    expect(() => check(history(), { model: "queue" })).toThrow(/unknown model "queue"/);
    expect(() => check(history(), { dialect: "sql" })).toThrow(/unknown dialect "sql"/);
  });
});

describe("linearizable: cas-register", () => {
  const cas = (p: number, from: unknown, to: unknown) => seq(p, "cas", [from, to], [from, to]);

  it("accepts a cas that matches and rejects one that cannot", () => {
    expect(check(history(...w(0, 1), ...cas(1, 1, 2), ...r(0, [2]))).valid).toBe(true);
    expect(check(history(...w(0, 1), ...cas(1, 3, 2))).valid).toBe(false);
  });

  it("treats a failed cas as not having happened", () => {
    const ops = history(...w(0, 1), invoke(1, "cas", [1, 2]), fail(1, "cas", [1, 2]), ...r(0, [1]));
    expect(check(ops).valid).toBe(true);
  });

  it("lets an info cas take effect when it matches, or never", () => {
    const applied = history(
      ...w(0, 1),
      invoke(1, "cas", [1, 2]),
      info(1, "cas", [1, 2]),
      ...r(0, [2]),
    );
    expect(check(applied).valid).toBe(true);
    const notApplicable = history(
      ...w(0, 1),
      invoke(1, "cas", [3, 2]),
      info(1, "cas", [3, 2]),
      ...r(0, [2]),
    );
    expect(check(notApplicable).valid).toBe(false);
  });

  it("rejects a cas value that is not [from, to]", () => {
    expect(() => check(history(...seq(0, "cas", 3, 3)))).toThrow(
      /op 0: a cas value must be \[from, to\]/,
    );
  });

  it("the register model has no cas", () => {
    expect(() => check(history(...cas(0, 1, 2)), { model: "register" })).not.toThrow();
    expect(check(history(...cas(0, 1, 2)), { model: "register" }).ignored).toBe(1);
  });
});

describe("linearizable: dialects", () => {
  it("jepsen: a nil read is an absent register", () => {
    const ops = history(...seq(0, "read", null, null), ...w(1, 3), ...seq(0, "read", null, null));
    const res = check(ops, { dialect: "jepsen" });
    expect(res.valid).toBe(false);
    expect(res.failure?.op.invoke).toBe(4);
  });

  it("knossos: an ok read of nil matches any state", () => {
    const ops = history(...w(1, 3), ...seq(0, "read", null, null), ...seq(0, "read", null, 3));
    expect(check(ops, { dialect: "knossos" }).valid).toBe(true);
  });
});

describe("linearizable: kv", () => {
  const kv = (ops: Op[]) => checkLinearizable(ops, { model: "kv", dialect: "knossos" });
  it("appends concatenate and gets see the string, per key", () => {
    const ops = history(
      ...seq(0, "append", "x", "x", "a"),
      ...seq(0, "append", "y", "y", "a"),
      ...seq(1, "put", "z", "z", "b"),
      ...seq(2, "get", null, "xy", "a"),
      ...seq(2, "get", null, "z", "b"),
    );
    expect(kv(ops).valid).toBe(true);
    expect(kv(ops).parts).toBe(2);
  });

  it("rejects appends seen out of order", () => {
    const ops = history(
      ...seq(0, "append", "x", "x"),
      ...seq(0, "append", "y", "y"),
      ...seq(2, "get", null, "yx"),
    );
    expect(kv(ops).valid).toBe(false);
  });

  it("starts every key at the empty string", () => {
    expect(kv(history(...seq(2, "get", null, "")))).toMatchObject({ valid: true });
  });
});

describe("linearizable: budget", () => {
  // Many concurrent writes and an impossible read: exhaustive search, many configurations.
  const hard = () => {
    const events: Event[] = [];
    for (let p = 0; p < 14; p++) events.push(invoke(p, "write", p));
    events.push(...r(99, [1000]));
    for (let p = 0; p < 14; p++) events.push(ok(p, "write", p));
    return history(...events);
  };

  it("answers unknown when the time budget runs out, never hangs", () => {
    const res = check(hard(), { timeLimitMs: 0 });
    expect(res.valid).toBe("unknown");
    expect(res.error).toMatch(/time budget/);
  });

  it("answers unknown when the memory budget runs out", () => {
    const res = check(hard(), { maxCacheEntries: 10 });
    expect(res.valid).toBe("unknown");
    expect(res.error).toMatch(/memory budget/);
  });

  it("decides the same history given the budget", () => {
    expect(check(hard()).valid).toBe(false);
  });
});

// ---- properties: histories generated from a sequential execution of the model ----

interface GenOp {
  key: string;
  kind: "read" | "write" | "cas";
  /** For cas: take `from` from the current value (usually succeeds) or not. */
  casMatches: boolean;
  before: number;
  after: number;
  /** For writes and cas: the outcome is lost (info); `applied` says whether it took effect. */
  unknown: boolean;
  applied: boolean;
}

const genOp = fc.record({
  key: fc.constantFrom("a", "b"),
  kind: fc.constantFrom("read", "write", "cas") as fc.Arbitrary<GenOp["kind"]>,
  casMatches: fc.boolean(),
  before: fc.nat({ max: 4 }),
  after: fc.nat({ max: 4 }),
  unknown: fc.boolean(),
  applied: fc.boolean(),
});

/** Executes the ops one by one at times 10, 20, … (their linearization points), each inside a
 * random window [t - 10·before - 3, t + 10·after + 3]; values written are unique. */
function generate(ops: GenOp[]): {
  history: Op[];
  okWrites: Map<string, unknown[]>;
  state: Map<string, unknown>;
} {
  const state = new Map<string, unknown>();
  const okWrites = new Map<string, unknown[]>();
  const timed: { t: number; e: Event }[] = [];
  let fresh = 100;
  ops.forEach((g, i) => {
    const t = 10 * (i + 1);
    const start = t - 10 * g.before - 3;
    const end = t + 10 * g.after + 3;
    const p = i;
    const current = state.get(g.key) ?? null;
    const isUnknown = g.unknown && g.kind !== "read";
    if (g.kind === "read") {
      timed.push({ t: start, e: invoke(p, "read", null, g.key) });
      timed.push({ t: end, e: ok(p, "read", current === null ? [] : [current], g.key) });
      return;
    }
    const to = fresh++;
    const value = g.kind === "write" ? to : [g.casMatches ? current : 99, to];
    timed.push({ t: start, e: invoke(p, g.kind, value, g.key) });
    const matches = g.kind === "write" || g.casMatches;
    const happens = isUnknown ? g.applied && matches : matches;
    if (happens) state.set(g.key, to);
    if (isUnknown) {
      if (g.after % 2 === 0) timed.push({ t: end, e: info(p, g.kind, value, g.key) }); // else: never completes
    } else if (happens) {
      timed.push({ t: end, e: ok(p, g.kind, value, g.key) });
      okWrites.set(g.key, [...(okWrites.get(g.key) ?? []), to]);
    } else timed.push({ t: end, e: fail(p, g.kind, value, g.key) });
  });
  timed.sort((x, y) => x.t - y.t);
  return { history: history(...timed.map((x) => x.e)), okWrites, state };
}

describe("linearizable: properties", () => {
  it("a history generated from a sequential execution is linearizable (both search modes)", () => {
    fc.assert(
      fc.property(fc.array(genOp, { maxLength: 40 }), (ops) => {
        const { history: h } = generate(ops);
        expect(check(h).valid).toBe(true);
        expect(check(h, { baseline: true }).valid).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it("one injected stale read fails, and the failure names that read", () => {
    fc.assert(
      fc.property(
        fc.array(genOp, { maxLength: 40 }),
        fc.constantFrom("a", "b"),
        fc.nat(),
        (ops, key, pick) => {
          const { history: h, okWrites } = generate(ops);
          // A value that an acknowledged write made, or absence: once a newer acknowledged write
          // has completed, no linearization may read it (written values are unique).
          const candidates: unknown[] = [null, ...(okWrites.get(key) ?? [])];
          const stale = candidates[pick % candidates.length];
          const p = 10_000;
          const tail = history(
            ...h,
            ...w(p, 5000, key),
            ...r(p + 1, stale === null ? [] : [stale], key),
          );
          const res = check(tail);
          expect(res.valid).toBe(false);
          expect(res.failure?.op.invoke).toBe(tail.length - 2);
          expect(check(tail, { baseline: true }).valid).toBe(false);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("one injected pair of reordered writes fails", () => {
    fc.assert(
      fc.property(fc.array(genOp, { maxLength: 40 }), fc.constantFrom("a", "b"), (ops, key) => {
        const { history: h } = generate(ops);
        const p = 10_000;
        // Two acknowledged writes in sequence, then reads that see them in the reverse order.
        const tail = history(
          ...h,
          ...w(p, 5001, key),
          ...w(p, 5002, key),
          ...r(p + 1, [5002], key),
          ...r(p + 1, [5001], key),
        );
        const res = check(tail);
        expect(res.valid).toBe(false);
        expect(res.failure?.op.invoke).toBe(tail.length - 2);
      }),
      { numRuns: 100 },
    );
  });
});

describe("linearizable: searches share their scratch arrays", () => {
  it("gives a history the same verdict whatever was checked before it", () => {
    // A big history first (its arrays are not kept), then a small one, then the big one again.
    const big = history(
      ...Array.from({ length: 300 }, (_, i) => [invoke(i, "write", i), ok(i, "write", i)]).flat(),
      ...r(1000, [299]),
    );
    const small = history(...w(0, 1), ...w(0, 2), ...r(1, [1]));
    const alone = check(small);
    expect(check(big).valid).toBe(true);
    expect(check(small)).toEqual(alone);
    expect(alone.valid).toBe(false);
    expect(check(big).valid).toBe(true);
  });
});

describe("linearizable: the pruned search agrees with the plain one", () => {
  // Arbitrary (mostly invalid) histories over a tiny value domain: the pruning (info
  // subsumption, info symmetry, unobserved info ops) must never change a verdict.
  const arbitraryOp = fc.record({
    kind: fc.constantFrom("read", "write", "cas"),
    a: fc.integer({ min: 0, max: 3 }),
    b: fc.integer({ min: 0, max: 3 }),
    outcome: fc.constantFrom("ok", "ok", "fail", "info", "open"),
    before: fc.nat({ max: 3 }),
    after: fc.nat({ max: 3 }),
  });

  it("on random histories", () => {
    fc.assert(
      fc.property(fc.array(arbitraryOp, { maxLength: 14 }), (ops) => {
        const timed: { t: number; e: Event }[] = [];
        ops.forEach((o, i) => {
          const t = 10 * (i + 1);
          const value = o.kind === "write" ? o.a : o.kind === "cas" ? [o.a, o.b] : null;
          timed.push({ t: t - 10 * o.before - 3, e: invoke(i, o.kind, value) });
          const end = t + 10 * o.after + 3;
          if (o.outcome === "open") return;
          if (o.kind === "read") {
            const type = o.outcome === "fail" ? "fail" : o.outcome === "info" ? "info" : "ok";
            timed.push({ t: end, e: ev(type)(i, "read", o.a === 0 ? [] : [o.a]) });
          } else timed.push({ t: end, e: ev(o.outcome as OpType)(i, o.kind, value) });
        });
        timed.sort((x, y) => x.t - y.t);
        const h = history(...timed.map((x) => x.e));
        const pruned = check(h);
        const plain = check(h, { baseline: true });
        expect(pruned.valid).toBe(plain.valid);
        // The shortest failing prefix is a property of the history, not of the search.
        expect(pruned.failure?.prefixEndIndex).toBe(plain.failure?.prefixEndIndex);
      }),
      { numRuns: 400 },
    );
  });
});

describe("linearizable: kv properties", () => {
  it("the pruned search (eager gets, prefix lookahead) agrees with the plain one", () => {
    const kvArbitrary = fc.record({
      kind: fc.constantFrom("get", "put", "append", "append"),
      v: fc.constantFrom("", "a", "b", "ab", "ba", "aab"),
      outcome: fc.constantFrom("ok", "ok", "ok", "info", "open"),
      before: fc.nat({ max: 3 }),
      after: fc.nat({ max: 3 }),
    });
    fc.assert(
      fc.property(fc.array(kvArbitrary, { maxLength: 14 }), (ops) => {
        const timed: { t: number; e: Event }[] = [];
        ops.forEach((o, i) => {
          const t = 10 * (i + 1);
          const value = o.kind === "get" ? null : o.v.slice(0, 1) || "a";
          timed.push({ t: t - 10 * o.before - 3, e: invoke(i, o.kind, value) });
          if (o.outcome === "open") return;
          const result = o.kind === "get" ? o.v : value;
          timed.push({ t: t + 10 * o.after + 3, e: ev(o.outcome as OpType)(i, o.kind, result) });
        });
        timed.sort((x, y) => x.t - y.t);
        const h = history(...timed.map((x) => x.e));
        const pruned = checkLinearizable(h, { model: "kv", dialect: "knossos" });
        const plain = checkLinearizable(h, { model: "kv", dialect: "knossos", baseline: true });
        expect(pruned.valid).toBe(plain.valid);
        expect(pruned.failure?.prefixEndIndex).toBe(plain.failure?.prefixEndIndex);
        // Long states (not interned: a fresh id per transition) keep every verdict: each letter
        // becomes a 40-letter word, which maps concatenation and equality onto themselves.
        const long = h.map((op) =>
          typeof op.value === "string"
            ? { ...op, value: op.value.replace(/./g, (c) => c.repeat(40)) }
            : op,
        );
        const longResult = checkLinearizable(long, { model: "kv", dialect: "knossos" });
        expect(longResult.valid).toBe(plain.valid);
        expect(longResult.failure?.prefixEndIndex).toBe(plain.failure?.prefixEndIndex);
      }),
      { numRuns: 300 },
    );
  });

  const kvOp = fc.record({
    key: fc.constantFrom("a", "b"),
    kind: fc.constantFrom("get", "put", "append", "append"),
    before: fc.nat({ max: 4 }),
    after: fc.nat({ max: 4 }),
  });

  /** Executes the ops at times 10, 20, … with random windows around them (unique values);
   * returns the history and the final value of each key. */
  function generateKv(ops: { key: string; kind: string; before: number; after: number }[]) {
    const state = new Map<string, string>();
    const timed: { t: number; e: Event }[] = [];
    ops.forEach((g, i) => {
      const t = 10 * (i + 1);
      const current = state.get(g.key) ?? "";
      const value = g.kind === "get" ? null : `<${i}>`;
      if (g.kind === "put") state.set(g.key, value!);
      if (g.kind === "append") state.set(g.key, current + value);
      timed.push({ t: t - 10 * g.before - 3, e: invoke(i, g.kind, value, g.key) });
      timed.push({
        t: t + 10 * g.after + 3,
        e: ok(i, g.kind, g.kind === "get" ? current : value, g.key),
      });
    });
    timed.sort((x, y) => x.t - y.t);
    return { history: history(...timed.map((x) => x.e)), state };
  }
  const kv = (ops: Op[]) => checkLinearizable(ops, { model: "kv", dialect: "knossos" });

  it("a generated kv history is linearizable; a get that misses an acknowledged append is not", () => {
    fc.assert(
      fc.property(fc.array(kvOp, { maxLength: 30 }), fc.constantFrom("a", "b"), (ops, key) => {
        const { history: h, state } = generateKv(ops);
        expect(kv(h).valid).toBe(true);
        const last = state.get(key) ?? "";
        const p = 10_000;
        const seen = history(...h, ...seq(p, "get", null, last, key));
        expect(kv(seen).valid).toBe(true);
        const missed = history(
          ...h,
          ...seq(p, "append", "<z>", "<z>", key),
          ...seq(p + 1, "get", null, last, key),
        );
        const res = kv(missed);
        expect(res.valid).toBe(false);
        expect(res.failure?.op.invoke).toBe(missed.length - 2);
      }),
      { numRuns: 100 },
    );
  });
});
