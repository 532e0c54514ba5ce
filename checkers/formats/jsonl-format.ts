// Reads history.jsonl (DESIGN.md, "The history"): one JSON op a line. A torn LAST line (the
// writer died mid-append) is a warning and is skipped; a corrupt line anywhere else throws an
// Error naming the source and line number, as does an op missing a required field. `index`
// values that are not 0, 1, 2 … in file order (duplicated or missing) are a warning naming them:
// checkers pair ops by file order, so the history stays checkable, but examples name ops by index.
// JsonlReader is the incremental core (text in any chunks); parseJsonl reads a whole text and
// readJsonlFile streams a file through it, so a history is parsed once, never held twice.
import { createReadStream } from "node:fs";
import type { Op, OpType } from "../history.js";

const OP_TYPES: ReadonlySet<string> = new Set<OpType>(["invoke", "ok", "fail", "info"]);
/** Indexes named in a warning, at most. */
const INDEXES_SHOWN_MAX = 5;
/** About how much text one JSON.parse reads (a batch of whole lines). */
const BATCH_CHARS = 1 << 20;

export interface ParsedHistory {
  history: Op[];
  warnings: string[];
}

/** The line that did not parse, held until the next line shows it was corrupt (an error naming
 * it) or the end shows it was the last one, torn by a crash (a warning). Shared with the
 * report's scan of the file (harness/report/history-file-scan.ts), so both read alike. */
export class UnparsedLine {
  private held: { line: number; text: string; why: string } | undefined;

  constructor(private readonly source: string) {}

  get isHeld(): boolean {
    return this.held !== undefined;
  }

  /** JSON.parse of line `line` (trimmed, not blank); undefined when it did not parse (held).
   * Throws when a line is held already: that one was not torn but corrupt. */
  parse(text: string, line: number): unknown {
    this.throwIfHeld();
    try {
      return JSON.parse(text);
    } catch (err) {
      this.held = { line, text, why: err instanceof Error ? err.message : String(err) };
      return undefined;
    }
  }

  /** A line follows the one held: that one was corrupt. */
  throwIfHeld(): void {
    if (this.held === undefined) return;
    const { line, text, why } = this.held;
    throw new Error(`${this.source}:${line}: not valid JSON (${why}): ${shorten(text)}`);
  }

  /** The text has ended: the warning for a held line (the torn last one), if any. */
  torn(): string | undefined {
    if (this.held === undefined) return undefined;
    const { line, text } = this.held;
    this.held = undefined;
    return `${this.source}:${line}: torn last line skipped (${shorten(text)})`;
  }
}

export class JsonlReader {
  private readonly history: Op[] = [];
  private readonly warnings: string[] = [];
  private rest = "";
  private line = 0;
  private readonly unparsed: UnparsedLine;
  /** The first op whose index is not its position, as [line, index] (-1: none yet). */
  private firstMisplacedLine = -1;

  constructor(private readonly source: string) {
    this.unparsed = new UnparsedLine(source);
  }

  /** Reads the complete lines of `chunk` (after what is left of the previous one), in batches of
   * about BATCH_CHARS. */
  push(chunk: string): this {
    const text = this.rest + chunk;
    const last = text.lastIndexOf("\n");
    let start = 0;
    while (start <= last) {
      let end = last;
      if (last - start > BATCH_CHARS) {
        end = text.lastIndexOf("\n", start + BATCH_CHARS);
        if (end < start) end = text.indexOf("\n", start + BATCH_CHARS);
      }
      this.readLines(text.slice(start, end));
      start = end + 1;
    }
    this.rest = text.slice(start);
    return this;
  }

  /** Reads complete lines (joined by newlines): all of them by one JSON.parse when every line is
   * one JSON value (the usual file), else line by line (which finds and names what is wrong). */
  private readLines(lines: string): void {
    const values = this.unparsed.isHeld ? undefined : parseLines(lines);
    if (values === undefined) {
      let start = 0;
      for (let end = lines.indexOf("\n"); end >= 0; end = lines.indexOf("\n", start)) {
        this.readLine(lines.slice(start, end));
        start = end + 1;
      }
      this.readLine(lines.slice(start));
      return;
    }
    for (let i = 0; i < values.length; i++) {
      this.line++;
      this.accept(values[i]);
    }
  }

  /** The history read, once the text has ended (a last line without a newline included). */
  end(): ParsedHistory {
    if (this.rest !== "") this.readLine(this.rest);
    this.rest = "";
    const torn = this.unparsed.torn();
    if (torn !== undefined) this.warnings.push(torn);
    if (this.firstMisplacedLine >= 0) this.warnings.push(this.indexWarning());
    return { history: this.history, warnings: this.warnings };
  }

  private readLine(raw: string): void {
    this.line++;
    const text = raw.trim();
    if (text === "") return;
    const parsed = this.unparsed.parse(text, this.line);
    if (parsed === undefined) return;
    this.accept(parsed);
  }

  /** Validates the value of the current line and adds it to the history. */
  private accept(parsed: unknown): void {
    const position = this.history.length;
    const op = validateOp(parsed, position, `${this.source}:${this.line}`);
    if (op.index !== position && this.firstMisplacedLine < 0) this.firstMisplacedLine = this.line;
    this.history.push(op);
  }

  /** Which indexes are duplicated and which are missing (between 0 and the largest). */
  private indexWarning(): string {
    const indexes = Float64Array.from(this.history, (op) => op.index).sort();
    const duplicated: number[] = [];
    const missing: number[] = [];
    let duplicatedCount = 0;
    let missingCount = 0;
    let expected = 0;
    for (let i = 0; i < indexes.length; i++) {
      const index = indexes[i]!;
      if (i > 0 && index === indexes[i - 1]) {
        if (index !== indexes[i - 2] && duplicatedCount++ < INDEXES_SHOWN_MAX)
          duplicated.push(index);
        continue;
      }
      if (index > expected) {
        const gap = index - expected;
        for (let m = expected; m < index && missing.length < INDEXES_SHOWN_MAX; m++)
          missing.push(m);
        missingCount += gap;
      }
      expected = index + 1;
    }
    const listed = (shown: number[], count: number) =>
      `${shown.join(", ")}${count > shown.length ? ` … (${count} in all)` : ""}`;
    const parts = [
      duplicated.length > 0 ? `duplicated ${listed(duplicated, duplicatedCount)}` : "",
      missing.length > 0 ? `missing ${listed(missing, missingCount)}` : "",
    ].filter((part) => part !== "");
    return (
      `${this.source}:${this.firstMisplacedLine}: "index" values are not 0, 1, 2 … in file order` +
      (parts.length > 0 ? ` (${parts.join("; ")})` : " (out of order)") +
      "; ops are checked in file order, and examples that name these indexes are ambiguous"
    );
  }
}

/** Parses JSONL text. `index` defaults to the op's position and `time` to its index when a
 * line omits them (hand-written or converted histories), so order is kept either way. */
export function parseJsonl(text: string, source: string): ParsedHistory {
  return new JsonlReader(source).push(text).end();
}

/** Streams a JSONL file through a JsonlReader (the file's errors, e.g. ENOENT, are thrown). */
export async function readJsonlFile(path: string, source = path): Promise<ParsedHistory> {
  const reader = new JsonlReader(source);
  for await (const chunk of createReadStream(path, { encoding: "utf8", highWaterMark: 1 << 20 })) {
    reader.push(chunk as string);
  }
  return reader.end();
}

/** The values of newline-joined lines, when each line is exactly one JSON value: parsed as one
 * array (a line holding several comma-joined values shows as a count that does not match). */
function parseLines(lines: string): unknown[] | undefined {
  let count = 1;
  for (let at = lines.indexOf("\n"); at >= 0; at = lines.indexOf("\n", at + 1)) count++;
  let values: unknown;
  try {
    values = JSON.parse(`[${lines.replaceAll("\n", ",")}]`);
  } catch {
    return undefined;
  }
  return Array.isArray(values) && values.length === count ? values : undefined;
}

/** Checks the op's fields and fills in index and time; the parsed object itself is the op. */
export function validateOp(value: unknown, position: number, where: string): Op {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`${where}: expected a JSON object (an op), got ${describe(value)}`);
  }
  const op = value as Record<string, unknown>;
  const { process, type, f, key, index, time, basis } = op;
  if (!(process === "nemesis" || Number.isInteger(process))) {
    throw new Error(
      `${where}: "process" must be an integer or "nemesis", got ${describe(process)}`,
    );
  }
  if (typeof type !== "string" || !OP_TYPES.has(type)) {
    throw new Error(`${where}: "type" must be invoke, ok, fail or info, got ${describe(type)}`);
  }
  if (typeof f !== "string" || f === "") {
    throw new Error(`${where}: "f" must be a non-empty string, got ${describe(f)}`);
  }
  if (key !== undefined && typeof key !== "string") {
    throw new Error(`${where}: "key" must be a string when present, got ${describe(key)}`);
  }
  if (index !== undefined && !(Number.isInteger(index) && (index as number) >= 0)) {
    throw new Error(`${where}: "index" must be a non-negative integer, got ${describe(index)}`);
  }
  if (time !== undefined && !(typeof time === "number" && Number.isFinite(time))) {
    throw new Error(`${where}: "time" must be a number (ns), got ${describe(time)}`);
  }
  if (basis !== undefined && !Array.isArray(basis)) {
    throw new Error(`${where}: "basis" must be an array when present, got ${describe(basis)}`);
  }
  if (index === undefined) op.index = position;
  if (time === undefined) op.time = op.index;
  return op as Op;
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing (missing)";
  return shorten(JSON.stringify(value) ?? String(value));
}

function shorten(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
