import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseJsonl } from "../../checkers/formats/jsonl-format.js";
import { openHistoryWriter } from "./history-writer.js";

describe("openHistoryWriter", () => {
  const dir = mkdtempSync(join(tmpdir(), "history-writer-"));
  afterEach(() => rmSync(join(dir, "h.jsonl"), { force: true }));

  it("numbers ops in file order with ns times from its clock, fields in order", () => {
    let ns = 1_000n;
    const writer = openHistoryWriter(join(dir, "h.jsonl"), { clockNs: () => ns });
    ns = 1_500n;
    writer.record({ process: 0, type: "invoke", f: "add", key: "k1", value: 3 });
    ns = 2_000n;
    writer.complete("ok", "kill", "n1");
    writer.close();
    const text = readFileSync(join(dir, "h.jsonl"), "utf8");
    expect(text.split("\n")[0]).toBe(
      '{"index":0,"time":500,"process":0,"type":"invoke","f":"add","key":"k1","value":3}',
    );
    const { history } = parseJsonl(text, "h.jsonl");
    expect(history[1]).toEqual({
      index: 1,
      time: 1000,
      process: "nemesis",
      type: "ok",
      f: "kill",
      value: "n1",
    });
    expect(writer.counts).toEqual({ invoke: 1, ok: 0, fail: 0, info: 0 });
  });

  it("keeps the ops it wrote: the file read back, and nothing recorded after close", () => {
    const writer = openHistoryWriter(join(dir, "h.jsonl"));
    writer.record({ process: 0, type: "invoke", f: "read", key: "k", value: null, node: "n1" });
    writer.record({ process: 0, type: "ok", f: "read", key: "k", value: [1, 2], node: "n1" });
    writer.invoke("partition", { shape: "halves" });
    writer.close();
    writer.record({ process: 0, type: "invoke", f: "read", key: "k", value: null });
    const { history } = parseJsonl(readFileSync(join(dir, "h.jsonl"), "utf8"), "h.jsonl");
    expect(writer.ops).toHaveLength(3);
    expect(writer.ops).toEqual(history);
  });

  it("writes buffered ops within the flush interval, without close", async () => {
    const writer = openHistoryWriter(join(dir, "h.jsonl"), { flushIntervalMs: 20 });
    writer.record({ process: 1, type: "invoke", f: "read", key: "k", value: null });
    expect(readFileSync(join(dir, "h.jsonl"), "utf8")).toBe("");
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(parseJsonl(readFileSync(join(dir, "h.jsonl"), "utf8"), "h").history).toHaveLength(1);
    writer.close();
    writer.close();
  });
});
