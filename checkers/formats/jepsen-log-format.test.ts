import { describe, expect, it } from "vitest";
import { parseJepsenLog } from "./jepsen-log-format.js";

describe("parseJepsenLog", () => {
  it("reads tab- and space-separated lines, values as EDN", () => {
    const text = [
      "INFO  jepsen.util - 2\t:invoke\t:write\t4",
      "INFO  jepsen.util - 2\t:ok\t:write\t4",
      "INFO  jepsen.util - 3   :invoke :read   nil",
      "INFO  jepsen.util - 3   :ok     :read   nil",
      "INFO  jepsen.util - 0\t:invoke\t:cas\t[4 3]",
      "INFO  jepsen.util - 0\t:fail\t:cas\t[4 3]",
      "INFO  jepsen.util - 4\t:invoke\t:write\t1",
      "INFO  jepsen.util - 4\t:info\t:write\t:timed-out",
      "",
    ].join("\n");
    const { history, warnings } = parseJepsenLog(text, "etcd.log");
    expect(warnings).toEqual([]);
    expect(history.map((o) => [o.index, o.process, o.type, o.f, o.value])).toEqual([
      [0, 2, "invoke", "write", 4],
      [1, 2, "ok", "write", 4],
      [2, 3, "invoke", "read", null],
      [3, 3, "ok", "read", null],
      [4, 0, "invoke", "cas", [4, 3]],
      [5, 0, "fail", "cas", [4, 3]],
      [6, 4, "invoke", "write", 1],
      [7, 4, "info", "write", "timed-out"],
    ]);
    expect(history.every((o) => o.time === o.index)).toBe(true);
  });

  it("drops a failed read and its invoke, with a warning", () => {
    const text = [
      "INFO  jepsen.util - 1 :invoke :read nil",
      "INFO  jepsen.util - 2 :invoke :write 3",
      "INFO  jepsen.util - 1 :fail :read :timed-out",
      "INFO  jepsen.util - 2 :ok :write 3",
    ].join("\n");
    const { history, warnings } = parseJepsenLog(text, "etcd.log");
    expect(history.map((o) => [o.index, o.process, o.type])).toEqual([
      [0, 2, "invoke"],
      [1, 2, "ok"],
    ]);
    expect(warnings).toEqual(["etcd.log: dropped 1 failed read(s)"]);
  });

  it("names the source and line of a line it cannot read", () => {
    const text = "INFO  jepsen.util - 1 :invoke :read nil\nWARN something else\n";
    expect(() => parseJepsenLog(text, "etcd.log")).toThrow(/etcd\.log:2: not a Jepsen op line/);
    expect(() => parseJepsenLog("INFO  jepsen.util - 1 :invoke :cas [1 2", "e.log")).toThrow(
      /e\.log:1: bad value: .*unclosed collection/,
    );
  });

  it("reads an empty file as an empty history", () => {
    expect(parseJepsenLog("", "etcd_095.log").history).toEqual([]);
  });
});
