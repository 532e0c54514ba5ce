// The bucket summary: equal key sets summarise equally whatever the order of updates, a change
// shows in exactly its key's bucket, and the per-key digest covers only the buckets asked for.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BUCKET_COUNT, DigestBuckets } from "./digest-buckets.js";

function build(entries: readonly (readonly [string, number])[]): DigestBuckets {
  const d = new DigestBuckets((key) => {
    throw new Error(`no state for ${key}`);
  });
  for (const [key, fp] of entries) d.set(key, fp);
  return d;
}

describe("digest buckets", () => {
  it("summarises the same final states equally, whatever the history of updates", () => {
    const state = fc.dictionary(fc.string({ maxLength: 6 }), fc.nat());
    fc.assert(
      fc.property(
        state,
        fc.array(fc.tuple(fc.string({ maxLength: 6 }), fc.nat())),
        (final, noise) => {
          const a = build(Object.entries(final));
          // b sees other values first, then the final ones in reverse order.
          const b = build([...noise, ...Object.entries(final).reverse()]);
          const extra = noise.filter(([k]) => !Object.hasOwn(final, k));
          const reference = build([...extra, ...Object.entries(final)]);
          expect(b.summary()).toEqual(reference.summary());
          expect(a.differing(reference.summary()).length > 0).toBe(
            new Set(extra.map(([k]) => k)).size > 0,
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it("a changed key makes exactly its bucket differ, and its digest names that key", () => {
    const keys = Array.from({ length: 5000 }, (_, i) => [`k${i}`, i] as const);
    const a = build(keys);
    const b = build(keys);
    expect(a.differing(b.summary())).toEqual([]);
    b.set("k42", 7);
    const differ = a.differing(b.summary());
    expect(differ).toHaveLength(1);
    const digest = b.digestOf(differ);
    expect(digest.k42).toBe(7);
    expect(Object.keys(digest).length).toBeLessThan(50);
    expect(a.digestOf(differ).k42).toBe(42);
    // Setting it back restores the summary.
    b.set("k42", 42);
    expect(a.differing(b.summary())).toEqual([]);
  });

  it("hashes a touched key once, when a summary is next asked for", () => {
    const states = new Map([["a", 1]]);
    const asked: string[] = [];
    const d = new DigestBuckets((key) => {
      asked.push(key);
      return states.get(key)!;
    });
    d.touch("a");
    const reference = build([["a", 1]]);
    expect(d.summary()).toEqual(reference.summary());
    for (let v = 2; v <= 100; v++) {
      states.set("a", v);
      d.touch("a");
    }
    expect(asked).toEqual(["a"]);
    reference.set("a", 100);
    expect(d.differing(reference.summary())).toEqual([]);
    expect(asked).toEqual(["a", "a"]);
  });

  it("rejects malformed summaries and bucket lists", () => {
    const d = build([["k", 1]]);
    expect(() => d.differing([1, 2])).toThrow(/array of 1024/);
    expect(() => d.differing({})).toThrow();
    expect(() => d.keysIn([BUCKET_COUNT])).toThrow(/bad bucket/);
    expect(() => d.keysIn("0")).toThrow();
  });

  it("gives the same summary array until a bucket changes, and a fresh one after", () => {
    const step = fc.tuple(fc.constantFrom("a", "b", "c", "d"), fc.nat(3));
    fc.assert(
      fc.property(fc.array(step, { maxLength: 20 }), (steps) => {
        const d = build([]);
        const applied: [string, number][] = [];
        let last = d.summary();
        for (const [key, fp] of steps) {
          d.set(key, fp);
          applied.push([key, fp]);
          const now = d.summary();
          expect(now).toEqual(build(applied).summary());
          if (JSON.stringify(now) !== JSON.stringify(last)) expect(now).not.toBe(last);
          expect(d.summary()).toBe(now);
          last = now;
        }
      }),
    );
  });
});
