// The report's scan of history.jsonl read straight from the file: one streaming pass over its
// bytes (OpLineScanner reads each line's fields without building the op), keeping the columns and
// each op's byte range, never the ops; the few ops the report shows in full are read again from
// the file by their byte range when asked for (`op(position)`). Lines are read as JsonlReader
// reads them (checkers/formats/jsonl-format.ts): a line the scanner declines goes through
// JSON.parse and the same op checks, a corrupt line throws naming its line, a torn last line is
// skipped with a warning. Dispose of the scan to close the file.
import { type FileHandle, open } from "node:fs/promises";
import { readSync } from "node:fs";
import { UnparsedLine, validateOp } from "../../checkers/formats/jsonl-format.js";
import type { Op } from "../../checkers/history.js";
import { grown } from "../../checkers/typed-arrays.js";
import { fieldsOfOp, type HistoryScan, type OpSource, ScanBuilder } from "./history-scan.js";
import { LINE_DECLINED, LINE_EMPTY, LineFields, OpLineScanner } from "./op-line-scanner.js";

export interface FileScan extends HistoryScan, AsyncDisposable {
  /** A torn last line, as JsonlReader words it. */
  warnings: string[];
}

const CHUNK_BYTES = 1 << 22;
/** About how many bytes an op takes (the columns' first size; they grow). */
const BYTES_PER_OP_GUESS = 120;
/** Ops read in full and kept for another look (windows read each op a few times). */
const CACHED_OPS_MAX = 100_000;
const NEWLINE = 0x0a;

/** Byte offset and length of each position's line. */
class LineRanges {
  offset: Float64Array;
  length: Int32Array;
  constructor(capacity: number) {
    this.offset = new Float64Array(capacity);
    this.length = new Int32Array(capacity);
  }
  set(position: number, offset: number, length: number): void {
    this.offset = grown(this.offset, position + 1);
    this.length = grown(this.length, position + 1);
    this.offset[position] = offset;
    this.length[position] = length;
  }
}

/** Reads the lines of a file into a ScanBuilder (the pass over the file). */
class LineReader implements OpSource {
  readonly warnings: string[] = [];
  readonly fields = new LineFields();
  private readonly scanner: OpLineScanner;
  private line = 0;
  private position = 0;
  /** The current line's bytes, or the op the slow path parsed. */
  private buf: Buffer = Buffer.alloc(0);
  private start = 0;
  private end = 0;
  private parsed: Op | undefined;
  private readonly unparsed: UnparsedLine;

  constructor(
    private readonly source: string,
    private readonly builder: ScanBuilder,
    private readonly ranges: LineRanges,
  ) {
    this.scanner = new OpLineScanner(builder.names);
    this.unparsed = new UnparsedLine(source);
  }

  /** Reads the line buf[start, end); buf[end] is its newline (or a byte past the text). */
  read(buf: Buffer, start: number, end: number, offset: number): void {
    this.line++;
    const fields = this.fields;
    const read = this.scanner.scan(buf, start, end, fields);
    if (read === LINE_EMPTY) return;
    this.buf = buf;
    this.start = start;
    this.end = end;
    this.parsed = undefined;
    if (read === LINE_DECLINED) {
      const op = this.slowPath(buf.toString("utf8", start, end));
      if (op === undefined) return;
      this.parsed = op;
      fieldsOfOp(op, this.builder.names, fields);
    } else {
      this.unparsed.throwIfHeld();
      if (fields.index < 0) fields.index = this.position;
      if (!fields.hasTime) fields.time = fields.index;
    }
    this.ranges.set(this.position, offset, end - start);
    this.position++;
    this.builder.add(fields, this);
  }

  /** The line read as JsonlReader reads it: undefined when it is blank or did not parse. */
  private slowPath(raw: string): Op | undefined {
    const text = raw.trim();
    if (text === "") return undefined;
    const parsed = this.unparsed.parse(text, this.line);
    if (parsed === undefined) return undefined;
    return validateOp(parsed, this.position, `${this.source}:${this.line}`);
  }

  full(): Op {
    this.parsed ??= parseLine(this.buf, this.start, this.end, this.position - 1, this.source);
    return this.parsed;
  }

  /** The file has ended: a line left unparsed was its last, torn. */
  finish(): void {
    const torn = this.unparsed.torn();
    if (torn !== undefined) this.warnings.push(torn);
  }
}

function parseLine(buf: Buffer, start: number, end: number, position: number, source: string) {
  return validateOp(JSON.parse(buf.toString("utf8", start, end).trim()), position, source);
}

/** Streams the file's lines through `reader`. */
async function readLines(file: FileHandle, reader: LineReader): Promise<void> {
  let buf = Buffer.allocUnsafe(CHUNK_BYTES);
  let filled = 0;
  /** The file offset of buf[0]. */
  let base = 0;
  for (;;) {
    if (filled >= buf.length - 1) {
      const grown = Buffer.allocUnsafe(buf.length * 2); // A line longer than the buffer.
      buf.copy(grown, 0, 0, filled);
      buf = grown;
    }
    const { bytesRead } = await file.read(buf, filled, buf.length - filled - 1, null);
    filled += bytesRead;
    const last = bytesRead === 0;
    if (last) buf[filled] = NEWLINE; // The last line may have no newline: the scan stops here.
    let start = 0;
    for (;;) {
      let end = buf.indexOf(NEWLINE, start);
      if (end < 0 || end >= filled) {
        if (!last || start >= filled) break;
        end = filled;
      }
      reader.read(buf, start, end, base + start);
      start = end + 1;
    }
    if (last) return;
    buf.copy(buf, 0, start, filled);
    base += start;
    filled -= start;
  }
}

/** Scans the history file at `path` (`source` names it in errors). */
export async function scanHistoryFile(path: string, source = path): Promise<FileScan> {
  const file = await open(path, "r");
  try {
    const { size } = await file.stat();
    const capacity = Math.ceil(size / BYTES_PER_OP_GUESS) + 16;
    const ranges = new LineRanges(capacity);
    const cache = new Map<number, Op>();
    const lineBuf = { bytes: Buffer.allocUnsafe(1 << 16) };
    const opAt = (position: number): Op => {
      const known = cache.get(position);
      if (known !== undefined) return known;
      const length = ranges.length[position]!;
      if (length > lineBuf.bytes.length) lineBuf.bytes = Buffer.allocUnsafe(length);
      const read = readSync(file.fd, lineBuf.bytes, 0, length, ranges.offset[position]!);
      if (read < length) throw new Error(`${source} changed while the report was written`);
      const op = parseLine(lineBuf.bytes, 0, length, position, source);
      if (cache.size >= CACHED_OPS_MAX) cache.clear();
      cache.set(position, op);
      return op;
    };
    const builder = new ScanBuilder(capacity, opAt);
    const reader = new LineReader(source, builder, ranges);
    await readLines(file, reader);
    reader.finish();
    const scan = builder.finish();
    const op = (position: number): Op => {
      if (!(position >= 0 && position < scan.length)) throw new RangeError(`no op at ${position}`);
      return opAt(position);
    };
    return {
      ...scan,
      op,
      warnings: reader.warnings,
      [Symbol.asyncDispose]: () => file.close(),
    };
  } catch (err) {
    await file.close();
    throw err;
  }
}
