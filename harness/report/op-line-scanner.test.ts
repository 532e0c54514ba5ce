import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { validateOp } from "../../checkers/formats/jsonl-format.js";
import { fieldsOfOp } from "./history-scan.js";
import {
  ABSENT,
  LINE_DECLINED,
  LINE_EMPTY,
  LINE_READ,
  LineFields,
  type LineNames,
  NameTable,
  OpLineScanner,
} from "./op-line-scanner.js";

const namesOf = (): LineNames => ({
  fs: new NameTable(),
  keys: new NameTable(),
  nodes: new NameTable(),
});

/** What the scanner reads of `line`, its names as text (a newline after it, as in a file). */
function scanned(line: string, names = namesOf()) {
  const buf = Buffer.from(`${line}\n`);
  const fields = new LineFields();
  const read = new OpLineScanner(names).scan(buf, 0, buf.length - 1, fields);
  return { read, fields: named(fields, names) };
}

function named(fields: LineFields, names: LineNames) {
  return {
    index: fields.index,
    time: fields.hasTime ? fields.time : undefined,
    process: fields.nemesis ? "nemesis" : fields.process,
    type: fields.type,
    f: names.fs.list[fields.f],
    key: fields.key < 0 ? undefined : names.keys.list[fields.key],
    node:
      fields.node === ABSENT ? "absent" : fields.node < 0 ? null : names.nodes.list[fields.node],
    siblings: fields.siblings,
  };
}

/** What JSON.parse and the op checks make of `line`, as fields (undefined: they refuse it). */
function parsed(line: string) {
  let op: ReturnType<typeof validateOp>;
  try {
    const value = JSON.parse(line.trim());
    const hadIndex = typeof value === "object" && value !== null && "index" in value;
    const hadTime = typeof value === "object" && value !== null && "time" in value;
    op = validateOp(value, 0, "line");
    const names = namesOf();
    const fields = named(fieldsOfOp(op, names, new LineFields()), names);
    // The scanner leaves defaults to its caller: an index it did not see is -1, a time unset.
    return {
      ...fields,
      index: hadIndex ? fields.index : -1,
      time: hadTime ? fields.time : undefined,
    };
  } catch {
    return undefined;
  }
}

const op = {
  index: 7,
  time: 1626010,
  process: 14,
  type: "ok",
  f: "read",
  key: "k4",
  value: [[1, 2], [3]],
  node: "n2",
};

describe("OpLineScanner", () => {
  it("reads the fields of a line without building it", () => {
    expect(scanned(JSON.stringify(op))).toEqual({
      read: LINE_READ,
      fields: {
        index: 7,
        time: 1626010,
        process: 14,
        type: 1,
        f: "read",
        key: "k4",
        node: "n2",
        siblings: 2,
      },
    });
    const nemesis = { index: 1, time: 2, process: "nemesis", type: "invoke", f: "kill" };
    expect(scanned(JSON.stringify({ ...nemesis, value: ["n1"] })).fields).toMatchObject({
      process: "nemesis",
      key: undefined,
      node: "absent",
      siblings: 1,
    });
    expect(scanned(` \t{ "process" : 3 , "type":"info","f":"cas","node":null }\r`)).toMatchObject({
      read: LINE_READ,
      fields: { index: -1, time: undefined, process: 3, node: null, siblings: -1 },
    });
    expect(scanned(" \r").read).toBe(LINE_EMPTY);
  });

  it("interns names by their bytes: the same name is the same id however it is written", () => {
    const names = namesOf();
    const line = (key: string) => `{"process":1,"type":"invoke","f":"read","key":${key}}`;
    for (const key of ['"k1"', '"k\\u0031"', '"k1"', '"ключ"', '"ключ"']) scanned(line(key), names);
    expect(names.keys.list).toEqual(["k1", "ключ"]);
  });

  it("declines what only JSON.parse reads exactly, and what the op checks refuse", () => {
    const declined = [
      '{"\\u0066":"read","process":1,"type":"ok"}', // an escaped field name
      '{"process":1.5,"type":"ok","f":"read"}',
      '{"process":"n1","type":"ok","f":"read"}',
      '{"process":1,"type":"done","f":"read"}',
      '{"process":1,"type":"ok","f":""}',
      '{"process":1,"type":"ok","f":"read","key":null}',
      '{"process":1,"type":"ok","f":"read","node":3}',
      '{"process":1,"type":"ok","f":"read","index":-1}',
      '{"process":1,"type":"ok","f":"read","basis":{}}',
      '{"type":"ok","f":"read"}',
      "[1]",
      '{"process":1,"type":"ok","f":"read"} {}',
      '{"process":1,"type":"ok","f":"read","value":[1,]}',
      '{"process":1,"type":"ok","f":"read","value":01}',
      '{"process":1,"type":"ok","f":"read","value":"\t"}',
      '{"process":1,"type":"ok","f":"read","value":[[[',
    ];
    for (const line of declined) expect(scanned(line).read, line).toBe(LINE_DECLINED);
  });

  it("reads every valid op line, as JSON.parse and the op checks read it (generated ops)", () => {
    const name = fc.oneof(fc.string(), fc.constantFrom("k\u00e9", 'a"b\\c', "\u2028", "read"));
    const valid = fc.record(
      {
        index: fc.nat(),
        time: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })),
        process: fc.oneof(fc.nat(20), fc.constant("nemesis")),
        type: fc.constantFrom("invoke", "ok", "fail", "info"),
        f: name.filter((f) => f !== ""),
        key: name,
        node: fc.oneof(name, fc.constant(null)),
        value: fc.oneof(fc.array(fc.array(fc.nat())), fc.jsonValue()),
        basis: fc.array(fc.jsonValue()),
        round: fc.jsonValue(),
      },
      { requiredKeys: ["process", "type", "f"] },
    );
    const line = valid.chain((record) =>
      fc.constantFrom(
        JSON.stringify(record),
        JSON.stringify(record, null, 1).replaceAll("\n", " "),
      ),
    );
    fc.assert(
      fc.property(line, (text) => {
        expect(scanned(text)).toEqual({ read: LINE_READ, fields: parsed(text) });
      }),
      { numRuns: 1000 },
    );
  });

  it("reads a line only as JSON.parse and the op checks read it (any field values)", () => {
    const field = fc.oneof(
      fc.jsonValue(),
      fc.integer({ min: -5, max: 1e6 }),
      fc.constantFrom("nemesis", "invoke", "ok", "fail", "info", "read", "", "k\u00e9"),
    );
    const line = fc
      .record(
        {
          index: fc.oneof(fc.nat(), field),
          time: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), field),
          process: fc.oneof(fc.nat(20), fc.constant("nemesis"), field),
          type: fc.oneof(fc.constantFrom("invoke", "ok", "fail", "info"), field),
          f: fc.oneof(fc.constantFrom("read", "write", "final-read"), field),
          key: fc.oneof(fc.string(), field),
          node: fc.oneof(fc.constantFrom("n1", null), field),
          value: fc.oneof(fc.array(fc.array(fc.nat())), field),
          basis: field,
          other: field,
        },
        { requiredKeys: [] },
      )
      .chain((record) =>
        fc.constantFrom(
          JSON.stringify(record),
          JSON.stringify(record, null, 1).replaceAll("\n", " "),
        ),
      );
    fc.assert(
      fc.property(line, (text) => {
        const { read, fields } = scanned(text);
        if (read === LINE_READ) expect(fields).toEqual(parsed(text));
        else expect(read).toBe(LINE_DECLINED);
      }),
      { numRuns: 2000 },
    );
  });

  it("never reads a corrupted line JSON.parse refuses (one byte changed, cut or added)", () => {
    const valid = JSON.stringify({ ...op, basis: [[1, "a\\b"]], extra: { e: -1.5e3, t: true } });
    const edit = fc.record({
      at: fc.nat(valid.length - 1),
      byte: fc.constantFrom(...'{}[]",:.-+eE01 \\tuxn\t\u0001\u00e9'),
      how: fc.constantFrom("replace", "insert", "delete", "cut"),
    });
    fc.assert(
      fc.property(edit, ({ at, byte, how }) => {
        const text =
          how === "cut"
            ? valid.slice(0, at)
            : valid.slice(0, at) +
              (how === "delete" ? "" : byte) +
              valid.slice(at + (how === "insert" ? 0 : 1));
        const { read, fields } = scanned(text);
        if (read === LINE_READ) expect(fields).toEqual(parsed(text));
      }),
      { numRuns: 3000 },
    );
  });
});
