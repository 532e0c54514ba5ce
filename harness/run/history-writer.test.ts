import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseJsonl } from "../../checkers/formats/jsonl-format.js";
import {
  type HistoryWriter,
  HistoryWriteError,
  historyText,
  openHistoryWriter,
} from "./history-writer.js";

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

  it("in memory, keeps the same ops and gives the text the file would hold, writing nothing", () => {
    const record = (writer: HistoryWriter) => {
      writer.record({ process: 0, type: "invoke", f: "add", key: "k", value: 1, node: "n1" });
      writer.record({ process: 0, type: "ok", f: "read", key: "k", value: [[1, 2]], node: "n1" });
      writer.invoke("partition", { shape: "halves" });
      writer.complete("info", "partition", null, "timed out");
      writer.close();
    };
    let ns = 0n;
    const clockNs = () => (ns += 7n);
    const onFile = openHistoryWriter(join(dir, "h.jsonl"), { clockNs });
    record(onFile);
    ns = 0n;
    const inMemory = openHistoryWriter(join(dir, "m.jsonl"), { clockNs, inMemory: true });
    record(inMemory);
    expect(historyText(inMemory.ops)).toBe(readFileSync(join(dir, "h.jsonl"), "utf8"));
    expect(inMemory.ops).toEqual(onFile.ops);
    expect(inMemory.counts).toEqual(onFile.counts);
    expect(existsSync(join(dir, "m.jsonl"))).toBe(false);
  });

  it("writes buffered ops within the flush interval, without close", async () => {
    const writer = openHistoryWriter(join(dir, "h.jsonl"), { flushIntervalMs: 20 });
    writer.record({ process: 1, type: "invoke", f: "read", key: "k", value: null });
    expect(readFileSync(join(dir, "h.jsonl"), "utf8")).toBe("");
    // The timer's flush, however late a loaded machine runs it (the test's timeout bounds it).
    const ops = () => parseJsonl(readFileSync(join(dir, "h.jsonl"), "utf8"), "h").history;
    while (ops().length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(ops()).toHaveLength(1);
    writer.close();
    writer.close();
  });

  it("fails the history on an op JSON cannot hold, keeping the whole lines before it", () => {
    const path = join(dir, "h.jsonl");
    const errors: HistoryWriteError[] = [];
    const writer = openHistoryWriter(path, { onError: (err) => errors.push(err) });
    const op = { process: 0, type: "invoke", f: "read", key: "k", value: null } as const;
    writer.record(op);
    writer.flush();
    writer.record({ ...op, value: 10n });
    expect(() => writer.flush()).toThrow(/cannot write the history .*BigInt.*first 1 ops/);
    expect(() => writer.close()).toThrow(HistoryWriteError);
    expect(errors).toHaveLength(1);
    expect(parseJsonl(readFileSync(path, "utf8"), "h.jsonl").history).toHaveLength(1);
  });
});

// /dev/full answers every write with ENOSPC: a full disk without mounting one.
const DEV_FULL = "/dev/full";
if (!existsSync(DEV_FULL)) console.warn(`SKIPPED: the full-disk tests need ${DEV_FULL} (Linux)`);

describe.skipIf(!existsSync(DEV_FULL))("openHistoryWriter on a full disk", () => {
  const op = { process: 0, type: "invoke", f: "read", key: "k", value: null } as const;

  it("reports the failed write once, throws it from flush and close, and drops later ops", () => {
    const errors: HistoryWriteError[] = [];
    const writer = openHistoryWriter(DEV_FULL, { onError: (err) => errors.push(err) });
    writer.record(op);
    expect(() => writer.flush()).toThrow(HistoryWriteError);
    expect(errors).toHaveLength(1);
    const err = errors[0]!;
    expect(err.code).toBe("ENOSPC");
    expect(err.opsWritten).toBe(0);
    expect(err.message).toBe(
      `cannot write the history ${DEV_FULL}: no space left on device (ENOSPC); it holds the ` +
        "first 0 ops (complete lines), the later ones were not written",
    );
    writer.record(op);
    expect(() => writer.flush()).toThrow(err);
    expect(() => writer.close()).toThrow(err);
    writer.close();
    expect(errors).toHaveLength(1);
  });

  it("a failure in the timer's flush is reported, not thrown out of the timer", async () => {
    let writer: HistoryWriter | undefined;
    const failed = new Promise<HistoryWriteError>((resolve) => {
      writer = openHistoryWriter(DEV_FULL, { flushIntervalMs: 5, onError: resolve });
      writer.record(op);
    });
    expect((await failed).code).toBe("ENOSPC");
    expect(() => writer!.close()).toThrow(HistoryWriteError);
  });
});
