// The append-only log: replay order, torn tails dropped (never a crash), damage in the middle a
// clear error, and the two fsync modes (group-committed "always", write-behind "never").
import { readFileSync } from "node:fs";
import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Json } from "../core/replica.js";
import { frameRecord, LogCorruptError, openAppendLog, parseLog } from "./append-log.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "faultline-log-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const NEWLINE_BYTE = 0x0a;
const records: Json[] = [{ key: "a", v: 1 }, "two", [3, { x: null }], { unicode: "ünï ✓ \n" }];

describe("append log", () => {
  it("replays records in append order after reopening", async () => {
    const path = join(dir, "n1.wal");
    const first = await openAppendLog(path, { fsync: "always" });
    expect(first.records).toEqual([]);
    for (const r of records) first.log.append(r);
    await first.log.close();

    const second = await openAppendLog(path, { fsync: "always" });
    expect(second.records).toEqual(records);
    expect(second.tornTail).toBeUndefined();
    second.log.append("five");
    await second.log.close();
    expect(await readBack(path)).toEqual([...records, "five"]);
  });

  it("drops a torn last record, cuts it off the file, and appends cleanly after it", async () => {
    const path = join(dir, "n1.wal");
    const whole = records.map(frameRecord).join("");
    const torn = frameRecord({ key: "lost", value: 42 }).slice(0, 17);
    await writeFile(path, whole + torn);

    const opened = await openAppendLog(path, { fsync: "always" });
    expect(opened.records).toEqual(records);
    expect(opened.tornTail).toEqual({ offset: Buffer.byteLength(whole), bytes: 17 });
    expect((await stat(path)).size).toBe(Buffer.byteLength(whole));
    opened.log.append("after");
    await opened.log.close();
    expect(await readBack(path)).toEqual([...records, "after"]);
  });

  it("refuses a complete last record whose checksum fails (bit rot is not a torn write)", async () => {
    const path = join(dir, "n1.wal");
    const first = frameRecord("ok");
    const rotten = frameRecord({ k: 1 }).replace('"k"', '"K"');
    await writeFile(path, first + rotten);
    const err = await openAppendLog(path, { fsync: "never" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LogCorruptError);
    expect((err as Error).message).toContain(
      `${path}: corrupt record at byte offset ${Buffer.byteLength(first)} (line 2): checksum mismatch`,
    );
    expect((err as Error).message).toContain("ends with its newline");
    // Nothing was cut off: the damaged record is still there for a human to look at.
    expect((await readFile(path, "utf8")).endsWith(rotten)).toBe(true);
  });

  it("refuses a log with any flipped byte inside a complete record", () => {
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue(), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (values, at, flip) => {
          const data = Buffer.from(values.map((v) => frameRecord(v as Json)).join(""));
          const i = at % data.length;
          // A flip that makes or removes a newline changes the framing itself; the CRC covers
          // everything else (the header, the JSON).
          fc.pre(data[i] !== NEWLINE_BYTE && (data[i]! ^ flip) !== NEWLINE_BYTE);
          const rotten = Buffer.from(data);
          rotten[i] = data[i]! ^ flip;
          expect(() => parseLog(rotten, "p")).toThrow(LogCorruptError);
        },
      ),
    );
  });

  it("refuses a log damaged before its last record, naming the file and byte offset", async () => {
    const path = join(dir, "n1.wal");
    const first = frameRecord("first");
    const damaged = frameRecord({ k: 1 }).replace("1", "2");
    await writeFile(path, first + damaged + frameRecord("third"));
    const err = await openAppendLog(path, { fsync: "always" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LogCorruptError);
    expect((err as Error).message).toContain(path);
    expect((err as Error).message).toContain(`byte offset ${Buffer.byteLength(first)} (line 2)`);
    expect((err as Error).message).toContain("checksum mismatch");
  });

  it("fsync always: a group of appends becomes durable together, on disk before onDurable", async () => {
    const path = join(dir, "n1.wal");
    const durable: number[] = [];
    const onDisk: number[] = [];
    const { log } = await openAppendLog(path, {
      fsync: "always",
      onDurable: (seq) => {
        durable.push(seq);
        // onDurable is synchronous: read the file synchronously to see what is on disk right then.
        onDisk.push(parseLog(readFileSync(path), path).records.length);
      },
    });
    for (let i = 0; i < 100; i++) log.append(i);
    expect(log.appendedSeq).toBe(100);
    expect(log.durableSeq).toBe(0);
    await log.flush();
    expect(log.durableSeq).toBe(100);
    // All 100 appends of one event-loop turn share one write + fsync.
    expect(durable).toEqual([100]);
    expect(onDisk).toEqual([100]);
    await log.close();
  });

  it("fsync never: appends count as durable at once but reach the file only later", async () => {
    const path = join(dir, "n1.wal");
    const { log } = await openAppendLog(path, { fsync: "never", writeBehindMs: 50 });
    log.append("a");
    log.append("b");
    expect(log.durableSeq).toBe(2);
    // A kill -9 now would lose both: nothing is in the file yet. (Read synchronously, so that
    // the write-behind timer cannot run between the appends and the look.)
    expect(readFileSync(path).length).toBe(0);
    // Written by the write-behind timer, however late a loaded machine runs it.
    while ((await readFile(path)).length === 0) await new Promise((r) => setTimeout(r, 10));
    expect(parseLog(await readFile(path), path).records).toEqual(["a", "b"]);
    log.append("c");
    await log.close();
    expect(parseLog(await readFile(path), path).records).toEqual(["a", "b", "c"]);
  });

  it("reports a failed write once and refuses further appends instead of hanging", async () => {
    const path = join(dir, "n1.wal");
    const errors: string[] = [];
    const { log } = await openAppendLog(path, {
      fsync: "always",
      onError: (e) => errors.push(e.message),
    });
    // Simulate a dying disk: the descriptor goes away under the log.
    await (log as unknown as { file: { close(): Promise<void> } }).file.close();
    log.append("doomed");
    await expect(log.flush()).rejects.toThrow(`${path}: write failed`);
    expect(errors).toHaveLength(1);
    expect(log.durableSeq).toBe(0);
    expect(() => log.append("more")).toThrow("write failed");
    await expect(log.flush()).rejects.toThrow("write failed");
  });

  it("never throws on a log cut at any byte: it keeps exactly the complete records", () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { maxLength: 8 }), fc.nat(), (values, cutSeed) => {
        const lines = values.map((v) => frameRecord(v as Json));
        const data = Buffer.from(lines.join(""));
        const cut = data.length === 0 ? 0 : cutSeed % (data.length + 1);
        const { records: got, validBytes } = parseLog(data.subarray(0, cut), "p");
        let complete = 0;
        let bytes = 0;
        for (const line of lines) {
          if (bytes + Buffer.byteLength(line) > cut) break;
          bytes += Buffer.byteLength(line);
          complete++;
        }
        expect(validBytes).toBe(bytes);
        expect(got).toEqual(values.slice(0, complete).map((v) => JSON.parse(JSON.stringify(v))));
      }),
    );
  });

  it("appends after a torn tail written by an earlier crash are kept", async () => {
    const path = join(dir, "n1.wal");
    await appendFile(path, frameRecord(1) + "0badc0de {");
    const { log, records: got } = await openAppendLog(path, { fsync: "always" });
    expect(got).toEqual([1]);
    log.append(2);
    await log.close();
    expect(await readBack(path)).toEqual([1, 2]);
  });
});

async function readBack(path: string): Promise<Json[]> {
  const { log, records: got } = await openAppendLog(path, { fsync: "never" });
  await log.close();
  return got;
}
