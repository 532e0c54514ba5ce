import { describe, expect, it } from "vitest";
import { parseJsonl } from "./jsonl-format.js";

const line = (o: object) => JSON.stringify(o);
const invoke = { index: 0, time: 0, process: 0, type: "invoke", f: "read", key: "k1", value: null };
const ok = { index: 1, time: 15, process: 0, type: "ok", f: "read", key: "k1", value: [3, 5] };

describe("parseJsonl", () => {
  it("reads one op a line, with extra fields kept", () => {
    const text = `${line(invoke)}\n${line({ ...ok, node: "n2" })}\n`;
    const { history, warnings } = parseJsonl(text, "h.jsonl");
    expect(warnings).toEqual([]);
    expect(history).toHaveLength(2);
    expect(history[1]).toMatchObject({ index: 1, type: "ok", value: [3, 5], node: "n2" });
  });

  it("skips blank lines and tolerates a missing final newline", () => {
    const { history } = parseJsonl(`${line(invoke)}\n\n${line(ok)}`, "h.jsonl");
    expect(history.map((o) => o.index)).toEqual([0, 1]);
  });

  it("skips a torn last line with a warning", () => {
    const text = `${line(invoke)}\n${line(ok)}\n{"index":2,"time":20,"proc`;
    const { history, warnings } = parseJsonl(text, "h.jsonl");
    expect(history).toHaveLength(2);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("h.jsonl:3");
    expect(warnings[0]).toContain("torn");
  });

  it("throws on a corrupt line that is not the last, naming source and line", () => {
    const text = `${line(invoke)}\n{"index":1,oops}\n${line(ok)}\n`;
    expect(() => parseJsonl(text, "run/history.jsonl")).toThrow(
      /run\/history\.jsonl:2: not valid JSON/,
    );
  });

  it("fills index and time from the position when absent", () => {
    const text = `${line({ process: 1, type: "invoke", f: "write", value: 3 })}\n${line({ process: 1, type: "ok", f: "write", value: 3 })}`;
    const { history } = parseJsonl(text, "x");
    expect(history.map((o) => [o.index, o.time])).toEqual([
      [0, 0],
      [1, 1],
    ]);
  });

  it.each([
    [{ ...invoke, process: "p1" }, /x:1: "process" must be an integer or "nemesis"/],
    [{ ...invoke, process: 1.5 }, /"process"/],
    [{ ...invoke, type: "done" }, /x:1: "type" must be invoke, ok, fail or info, got "done"/],
    [{ ...invoke, f: undefined }, /"f" must be a non-empty string, got nothing \(missing\)/],
    [{ ...invoke, key: 7 }, /"key" must be a string/],
    [{ ...invoke, index: -1 }, /"index" must be a non-negative integer/],
    [{ ...invoke, time: "soon" }, /"time" must be a number/],
    [{ ...invoke, basis: 3 }, /"basis" must be an array/],
    [[1, 2], /expected a JSON object/],
  ])("rejects a bad op %j", (op, message) => {
    expect(() => parseJsonl(`${line(op)}\n`, "x")).toThrow(message);
  });

  it("rejects an invalid op even on the last line (only unparseable lines are torn)", () => {
    expect(() => parseJsonl(`${line(invoke)}\n${line({ ...ok, type: "bad" })}`, "x")).toThrow(
      /x:2/,
    );
  });

  it("accepts nemesis ops", () => {
    const nem = {
      index: 0,
      time: 0,
      process: "nemesis",
      type: "invoke",
      f: "partition",
      value: {},
    };
    expect(parseJsonl(line(nem), "x").history[0]!.process).toBe("nemesis");
  });
});
