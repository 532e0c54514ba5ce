import { describe, expect, it } from "vitest";
import { parseEdn } from "./edn-format.js";

describe("parseEdn", () => {
  it("reads a Knossos vector of op maps, keywords as names", () => {
    const text = `; a comment
[{:process 70, :type :invoke, :f :read, :value nil}
 {:process 70 :type :ok :f :read :value 3}
 {:process 78, :type :fail, :f :cas, :value [2 1], :error [:timeout nil]}
 {:process :nemesis, :type :info, :f :start, :value "cut"}]`;
    const { history } = parseEdn(text, "h.edn");
    expect(history).toEqual([
      { index: 0, time: 0, process: 70, type: "invoke", f: "read", value: null },
      { index: 1, time: 1, process: 70, type: "ok", f: "read", value: 3 },
      {
        index: 2,
        time: 2,
        process: 78,
        type: "fail",
        f: "cas",
        value: [2, 1],
        error: '["timeout",null]',
      },
      { index: 3, time: 3, process: "nemesis", type: "info", f: "start", value: "cut" },
    ]);
  });

  it("reads a list as well as a vector, and keeps :time", () => {
    const { history } = parseEdn(
      "({:type :invoke, :f :write, :value 0, :process 0, :time 99})",
      "h",
    );
    expect(history[0]).toMatchObject({ process: 0, f: "write", value: 0, time: 99 });
  });

  it("reads one map a line (Porcupine's kv files) with string keys", () => {
    const text = `{:process 0, :type :invoke, :f :append, :key "0", :value "x 0 0 y"}
{:process 0, :type :ok, :f :append, :key "0", :value "x 0 0 y"}
`;
    const { history } = parseEdn(text, "c01.txt");
    expect(history.map((o) => [o.type, o.f, o.key, o.value])).toEqual([
      ["invoke", "append", "0", "x 0 0 y"],
      ["ok", "append", "0", "x 0 0 y"],
    ]);
  });

  it.each([
    [
      "[{:process 1, :type :done, :f :read}]",
      /h\.edn:1:2: :type must be :invoke, :ok, :fail or :info, got :done/,
    ],
    [
      '[{:process "p", :type :ok, :f :read}]',
      /h\.edn:1:2: :process must be an integer or :nemesis/,
    ],
    ["[{:process 1, :type :ok}]", /:f must be a keyword, got nothing/],
    ["[1 2]", /expected op maps inside the collection, got 1/],
    [":read", /h\.edn:1: expected an op map or a vector of them, got :read/],
    ["[{:process 1,\n :type :ok", /h\.edn:2:11: unclosed collection/],
  ])("rejects %j naming source and line", (text, message) => {
    expect(() => parseEdn(text, "h.edn")).toThrow(message);
  });

  it("names the line of a bad op deep in a file", () => {
    const good = "{:process 1, :type :invoke, :f :read, :value nil}\n";
    const text = `[${good.repeat(5)} {:process 1, :type :bogus, :f :read}]`;
    expect(() => parseEdn(text, "h.edn")).toThrow(/h\.edn:6:2:/);
  });
});
