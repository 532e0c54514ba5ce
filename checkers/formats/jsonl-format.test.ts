import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { JsonlReader, parseJsonl, readJsonlFile } from "./jsonl-format.js";

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

  it("reads lines in batches: a long history parses whole, a bad line in it is still named", () => {
    // More text than one batch (about 1 MB), so several JSON.parse batches and their seams.
    const ops = Array.from({ length: 30_000 }, (_, i) => ({ ...invoke, index: i, time: i }));
    const text = `${ops.map(line).join("\n")}\n`;
    const { history, warnings } = parseJsonl(text, "h.jsonl");
    expect(warnings).toEqual([]);
    expect(history.map((o) => o.index)).toEqual(ops.map((o) => o.index));
    const bad = text.replace(`${line(ops[20_000]!)}\n`, "{oops}\n");
    expect(() => parseJsonl(bad, "h.jsonl")).toThrow(/h\.jsonl:20001: not valid JSON/);
  });

  it("takes no line holding two comma-joined values for two ops", () => {
    const text = `${line(invoke)}\n${line(ok)},${line({ ...ok, index: 2 })}\n${line(invoke)}\n`;
    expect(() => parseJsonl(text, "h.jsonl")).toThrow(/h\.jsonl:2: not valid JSON/);
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

describe("JsonlReader (streaming)", () => {
  const text = [
    line(invoke),
    line(ok),
    "",
    line({ ...invoke, index: 2, time: 20, process: 1 }),
    '{"index":3,"time":30,"proc',
  ].join("\n");

  it("reads a text cut anywhere into chunks exactly as the whole text (property)", () => {
    const whole = parseJsonl(text, "h.jsonl");
    fc.assert(
      fc.property(fc.array(fc.nat({ max: text.length }), { maxLength: 8 }), (cuts) => {
        const reader = new JsonlReader("h.jsonl");
        let from = 0;
        for (const cut of [...cuts].sort((a, b) => a - b)) {
          reader.push(text.slice(from, cut));
          from = cut;
        }
        expect(reader.push(text.slice(from)).end()).toEqual(whole);
      }),
    );
    expect(whole.history).toHaveLength(3);
    expect(whole.warnings).toEqual([expect.stringMatching(/^h\.jsonl:5: torn last line/)]);
  });

  it("streams a file: a torn last line is skipped, a corrupt one elsewhere names file and line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "jsonl-"));
    try {
      const torn = join(dir, "torn.jsonl");
      writeFileSync(torn, text);
      expect(await readJsonlFile(torn)).toEqual(parseJsonl(text, torn));
      const corrupt = join(dir, "corrupt.jsonl");
      writeFileSync(corrupt, `${line(invoke)}\n{"index":1,oops}\n${line(ok)}\n`);
      await expect(readJsonlFile(corrupt)).rejects.toThrow(/corrupt\.jsonl:2: not valid JSON/);
      await expect(readJsonlFile(join(dir, "absent.jsonl"))).rejects.toThrow(/ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("parseJsonl: index values", () => {
  const at = (index: number) => line({ ...invoke, index, time: index });

  it("says nothing when they are 0, 1, 2 … in file order", () => {
    expect(parseJsonl([0, 1, 2].map(at).join("\n"), "x").warnings).toEqual([]);
  });

  it("warns naming the duplicated and the missing ones, and where order first breaks", () => {
    const { history, warnings } = parseJsonl([0, 1, 1, 4, 4, 5].map(at).join("\n"), "h.jsonl");
    expect(history).toHaveLength(6);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^h\.jsonl:3: "index" values are not 0, 1, 2/);
    expect(warnings[0]).toContain("duplicated 1, 4");
    expect(warnings[0]).toContain("missing 2, 3");
  });

  it("counts beyond the few it names, and names a permutation as out of order", () => {
    const gaps = parseJsonl([0, 100].map(at).join("\n"), "x").warnings[0];
    expect(gaps).toContain("missing 1, 2, 3, 4, 5 … (99 in all)");
    expect(parseJsonl([1, 0].map(at).join("\n"), "x").warnings[0]).toMatch(/x:1: .*out of order/);
  });
});
