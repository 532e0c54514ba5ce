// The durable append-only log of a replica's `persist` records: one file per node. Each record
// is one line `CRC32HEX JSON\n` (CRC-32 of the JSON's UTF-8 bytes). A crash mid-append (kill -9)
// can only leave a last record without its newline: that torn tail is dropped (and cut off the
// file). Any record that ends with its newline was written whole, so a bad one, last or not, is
// damage (bit rot, an edit): a LogCorruptError naming the file and byte offset. Appends are group-committed: every append made
// while one write+fsync runs goes out in the next one. `fsync: "never"` is a deliberate fault
// knob: records sit in memory for up to `writeBehindMs` and are never synced, so acknowledged
// writes can vanish on kill -9.
import { access, type FileHandle, open } from "node:fs/promises";
import { dirname } from "node:path";
import { crc32 } from "node:zlib";
import type { Json } from "../core/replica.js";

export type FsyncMode = "always" | "never";

export interface AppendLogOptions {
  fsync: FsyncMode;
  /** fsync "never": how long records may wait in memory before they are written (not synced). */
  writeBehindMs?: number;
  /** Called after each group commit with the sequence number now durable. */
  onDurable?: (durableSeq: number) => void;
  /** Called when a write or fsync fails: the log is then unusable (nothing more is durable). */
  onError?: (err: Error) => void;
}

export interface OpenedLog {
  log: AppendLog;
  /** The records of the file, in append order. */
  records: Json[];
  /** Set when a torn last record was dropped: where it started and how many bytes it had. */
  tornTail?: { offset: number; bytes: number };
}

/** A complete (newline-terminated) record is damaged: the log cannot be trusted, so the node must
 * not start. */
export class LogCorruptError extends Error {
  override readonly name = "LogCorruptError";
}

const NEWLINE = 0x0a;
const HEADER = /^[0-9a-f]{8} $/;

/** Opens (creating if absent) the log at `path` and returns its records. */
export async function openAppendLog(path: string, options: AppendLogOptions): Promise<OpenedLog> {
  const existed = await access(path).then(
    () => true,
    () => false,
  );
  const file = await open(path, "a+");
  try {
    if (!existed && options.fsync === "always") {
      // A new file's directory entry must be durable too, or a crash could lose the whole log.
      const dir = await open(dirname(path), "r");
      await dir.sync().finally(() => dir.close());
    }
    const data = await file.readFile();
    const { records, validBytes } = parseLog(data, path);
    let tornTail: OpenedLog["tornTail"];
    if (validBytes < data.length) {
      // Cut the torn tail off, so the next append does not glue onto a half record.
      tornTail = { offset: validBytes, bytes: data.length - validBytes };
      await file.truncate(validBytes);
      await file.sync();
    }
    return { log: new AppendLog(path, file, options), records, ...(tornTail ? { tornTail } : {}) };
  } catch (err) {
    await file.close();
    throw err;
  }
}

/** Encodes one record as its framed line. */
export function frameRecord(record: Json): string {
  const json = JSON.stringify(record);
  if (json === undefined) throw new TypeError("a log record must be JSON");
  const crc = crc32(json).toString(16).padStart(8, "0");
  return `${crc} ${json}\n`;
}

/** Decodes a whole log file. A last record without its newline is a torn tail (not counted in
 * validBytes); a bad complete record throws LogCorruptError. */
export function parseLog(data: Buffer, path: string): { records: Json[]; validBytes: number } {
  const records: Json[] = [];
  let offset = 0;
  let line = 1;
  while (offset < data.length) {
    const end = data.indexOf(NEWLINE, offset);
    // Appends write a record and its newline in one go, so only the unfinished end can be torn.
    if (end === -1) return { records, validBytes: offset };
    const decoded = decodeLine(data.subarray(offset, end));
    if (typeof decoded === "string") {
      const why =
        end === data.length - 1
          ? "it is the last record but ends with its newline, so it was written whole: damaged, not torn"
          : "later records follow, so the log is damaged, not torn";
      throw new LogCorruptError(
        `${path}: corrupt record at byte offset ${offset} (line ${line}): ${decoded}; ${why}`,
      );
    }
    records.push(decoded.record);
    offset = end + 1;
    line++;
  }
  return { records, validBytes: data.length };
}

function decodeLine(bytes: Buffer): { record: Json } | string {
  if (bytes.length < 10) return `record too short (${bytes.length} bytes)`;
  const header = bytes.subarray(0, 9).toString("latin1");
  if (!HEADER.test(header)) return `bad header ${JSON.stringify(header)}`;
  const body = bytes.subarray(9);
  const expected = Number.parseInt(header.slice(0, 8), 16);
  const actual = crc32(body);
  if (actual !== expected) {
    return `checksum mismatch (stored ${header.slice(0, 8)}, computed ${actual.toString(16).padStart(8, "0")})`;
  }
  try {
    return { record: JSON.parse(body.toString("utf8")) as Json };
  } catch (err) {
    return `not JSON (${err instanceof Error ? err.message : String(err)})`;
  }
}

/**
 * The open log. `append` is synchronous and orders records; `appendedSeq` / `durableSeq` tell a
 * caller when what it appended is durable (`onDurable` fires as that advances).
 */
export class AppendLog {
  /** Sequence number of the last appended record (0 before any). */
  appendedSeq = 0;
  /** Every record up to this sequence number is durable per the fsync mode. */
  durableSeq = 0;
  private pending: string[] = [];
  private flushing: Promise<void> | undefined;
  private writeBehind: NodeJS.Timeout | undefined;
  private failed: Error | undefined;
  private closed = false;

  constructor(
    readonly path: string,
    private readonly file: FileHandle,
    private readonly options: AppendLogOptions,
  ) {}

  get fsync(): FsyncMode {
    return this.options.fsync;
  }

  /** Appends a record (buffered) and returns its sequence number. */
  append(record: Json): number {
    if (this.closed) throw new Error(`${this.path}: append after close`);
    if (this.failed) throw this.failed;
    this.pending.push(frameRecord(record));
    this.appendedSeq++;
    if (this.options.fsync === "never") {
      // Nothing waits for the disk: acknowledged now, written a little later, never synced.
      this.durableSeq = this.appendedSeq;
      this.writeBehind ??= setTimeout(() => {
        this.writeBehind = undefined;
        // A failure was already reported through onError.
        this.flush().catch(() => {});
      }, this.options.writeBehindMs ?? 200);
    } else if (!this.flushing) {
      // Group commit: wait for the current turn of the event loop to add its records first.
      this.flushing = new Promise((resolve) => setImmediate(resolve)).then(() => this.drain());
    }
    return this.appendedSeq;
  }

  /** Resolves once every record appended so far is written (and synced with fsync "always"). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    // (drain must not be started when it would finish synchronously: its `finally` clears
    // `flushing` and would run before this assignment.)
    if (this.pending.length > 0 && !this.failed) {
      this.flushing = this.drain();
      await this.flushing;
    }
    if (this.failed) throw this.failed;
  }

  /** Writes everything, syncs, closes the file. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    clearTimeout(this.writeBehind);
    this.writeBehind = undefined;
    try {
      await this.flush();
      await this.file.sync();
    } finally {
      this.closed = true;
      await this.file.close();
    }
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0 && !this.failed) {
        const batch = this.pending;
        const upTo = this.appendedSeq;
        this.pending = [];
        const bytes = Buffer.from(batch.join(""));
        for (let done = 0; done < bytes.length; ) {
          const { bytesWritten } = await this.file.write(bytes, done, bytes.length - done);
          done += bytesWritten;
        }
        if (this.options.fsync === "always") {
          await this.file.datasync();
          this.durableSeq = upTo;
          this.options.onDurable?.(upTo);
        }
      }
    } catch (err) {
      this.failed = new Error(
        `${this.path}: write failed, nothing more can be made durable: ${err instanceof Error ? err.message : String(err)}`,
      );
      this.options.onError?.(this.failed);
    } finally {
      this.flushing = undefined;
    }
  }
}
