import { describe, expect, it } from "vitest";
import type { Op } from "../history.js";
import { kvModel } from "./kv-model.js";
import { partition } from "./model.js";
import { models } from "./models.js";
import { casRegisterModel, registerModel } from "./register-model.js";

const op = (f: string, value: unknown, extra: Partial<Op> = {}): Op => ({
  index: 0,
  time: 0,
  process: 0,
  type: "invoke",
  f,
  value,
  ...extra,
});
const done = (f: string, value: unknown): Op => op(f, value, { type: "ok", index: 1 });

describe("register models", () => {
  const m = casRegisterModel;
  const call = (f: string, input: unknown, output: unknown, dialect = "faultline" as const) =>
    m.prepare(op(f, input), done(f, output), dialect)!;

  it("reads our sibling lists: [] absent, [v] v, more is never legal", () => {
    const absent = m.init(undefined);
    expect(m.step(absent, ...args(call("read", null, [])))).toBe(absent);
    expect(m.step(absent, ...args(call("read", null, [3])))).toBeUndefined();
    const three = m.step(absent, ...args(call("write", 3, 3)))!;
    expect(m.step(three, ...args(call("read", null, [3])))).toBe(three);
    expect(m.step(three, ...args(call("read", null, [3, 4])))).toBeUndefined();
    expect(m.describe(three)).toBe("3");
    expect(m.describe(absent)).toBe("absent");
  });

  it("cas succeeds only from its expected value", () => {
    const one = m.init(1);
    expect(m.step(one, ...args(call("cas", [1, 2], [1, 2])))).toBe(m.init(2));
    expect(m.step(one, ...args(call("cas", [2, 3], [2, 3])))).toBeUndefined();
  });

  it("compares values structurally (canonical JSON)", () => {
    const s = m.init({ a: 1 });
    expect(m.step(s, ...args(call("read", null, [{ a: 1 }])))).toBe(s);
  });

  it("reads plain values in the jepsen and knossos dialects", () => {
    expect(m.prepare(op("read", null), done("read", null), "jepsen")).toEqual({
      input: { f: "read" },
      output: null,
    });
    expect(m.prepare(op("read", null), done("read", null), "knossos")).toBeUndefined();
    expect(m.prepare(op("read", null), done("read", 4), "knossos")?.output).toBe("4");
  });

  it("an unknown read constrains nothing; an unknown write has no output", () => {
    expect(m.prepare(op("read", null), undefined, "faultline")).toBeUndefined();
    expect(m.prepare(op("write", 1), undefined, "faultline")?.output).toBeUndefined();
  });

  it("rejects what it cannot read, naming the op", () => {
    expect(() => m.prepare(op("read", null), done("read", 3), "faultline")).toThrow(
      /op 1: a read's value must be the list of siblings, got 3/,
    );
    expect(() =>
      registerModel.prepare(op("cas", [1, 2]), done("cas", [1, 2]), "faultline"),
    ).toThrow(/the register model has no 'cas'/);
  });

  it("marks info writes of values nobody observes", () => {
    const calls = [
      m.prepare(op("write", 1), undefined, "faultline")!,
      m.prepare(op("write", 2), undefined, "faultline")!,
      m.prepare(op("cas", [5, 3]), undefined, "faultline")!,
      m.prepare(op("write", 7), done("write", 7), "faultline")!,
      m.prepare(op("read", null), done("read", [2]), "faultline")!,
      m.prepare(op("cas", [3, 5]), done("cas", [3, 5]), "faultline")!,
    ];
    expect(m.observable!(calls)).toEqual([false, true, true, true, true, true]);
  });
});

describe("kv model", () => {
  it("starts at the empty string; put replaces, append concatenates, get compares", () => {
    const s = kvModel.init(undefined);
    const put = kvModel.prepare(op("put", "a"), done("put", "a"), "knossos")!;
    const append = kvModel.prepare(op("append", "b"), done("append", "b"), "knossos")!;
    const get = kvModel.prepare(op("get", null), done("get", "ab"), "knossos")!;
    const ab = kvModel.step(kvModel.step(s, put.input, put.output)!, append.input, append.output)!;
    expect(ab).toBe("ab");
    expect(kvModel.step(ab, get.input, get.output)).toBe("ab");
    expect(kvModel.step(s, get.input, get.output)).toBeUndefined();
  });
});

describe("partition", () => {
  it("splits by key, keeping order", () => {
    const ops = [
      op("write", 1, { key: "a" }),
      op("write", 2, { key: "b" }),
      op("read", null, { key: "a" }),
    ];
    const parts = partition(registerModel, ops, (o) => o);
    expect([...parts.keys()]).toEqual(["a", "b"]);
    expect(parts.get("a")!.map((o) => o.value)).toEqual([1, null]);
  });

  it("the registry names every model", () => {
    expect(Object.keys(models).sort()).toEqual(["cas-register", "kv", "register"]);
  });
});

function args<I, O>(c: { input: I; output: O | undefined }): [I, O | undefined] {
  return [c.input, c.output];
}
