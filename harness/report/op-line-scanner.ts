// Reads the fields the report keeps from one history.jsonl line, straight from its UTF-8 bytes and
// without building the op: index, time, process, type, f, key, node, and how many siblings the
// value holds. It checks the whole line is strict JSON, so a line it reads is one JSON.parse reads
// alike. It declines what it cannot read fast or exactly (an escaped field name, a field of an
// unexpected type, deep nesting): the caller reads that line with JSON.parse and the op checks.

/** OpType codes: the order of TYPE_NAMES. */
export const TYPE_NAMES = ["invoke", "ok", "fail", "info"] as const;
export const INVOKE = 0;
export const OK = 1;
/** `node` when the op has none (null is -1, as Names.id gives). */
export const ABSENT = -2;

/** What a line says, in numbers: names are ids into a NameTable. */
export class LineFields {
  // Number fields start as doubles (NaN), not small integers: a time past 2^31 ns would change the
  // object's field representation mid-scan and throw away the compiled scanner.
  index = -1;
  time = Number.NaN;
  hasTime = false;
  process = Number.NaN;
  nemesis = false;
  type = -1;
  f = -1;
  key = -1;
  node = ABSENT;
  /** The value's length when it is an array (a read's siblings), else -1. */
  siblings = -1;

  reset(): void {
    this.index = -1;
    this.process = Number.NaN;
    this.hasTime = false;
    this.nemesis = false;
    this.type = -1;
    this.f = -1;
    this.key = -1;
    this.node = ABSENT;
    this.siblings = -1;
  }
}

/** Interns names to small integers in order of first appearance, from strings or from the bytes
 * of a JSON string without escapes (found by hash, checked byte by byte: no string is built for
 * a name seen before). */
export class NameTable {
  readonly list: string[] = [];
  private readonly ids = new Map<string, number>();
  private readonly byHash = new Map<number, number>();
  private readonly bytes: Uint8Array[] = [];

  /** The id of a name (String of any value); -1 for undefined and null. */
  id(name: unknown): number {
    if (name === undefined || name === null) return -1;
    const text = String(name);
    let id = this.ids.get(text);
    if (id === undefined) {
      id = this.list.push(text) - 1;
      this.ids.set(text, id);
    }
    return id;
  }

  /** The id of the plain ASCII string at buf[start, end) whose FNV-1a hash is `hash`. */
  idOfBytes(buf: Uint8Array, start: number, end: number, hash: number): number {
    const known = this.byHash.get(hash);
    if (known !== undefined) {
      const stored = this.bytes[known];
      if (stored !== undefined && sameBytes(stored, buf, start, end)) return known;
    }
    const id = this.id(latin1(buf, start, end));
    if (known === undefined) {
      this.byHash.set(hash, id);
      this.bytes[id] = Uint8Array.prototype.slice.call(buf, start, end); // A copy, even of a Buffer.
    }
    return id;
  }
}

function sameBytes(stored: Uint8Array, buf: Uint8Array, start: number, end: number): boolean {
  if (stored.length !== end - start) return false;
  for (let i = 0; i < stored.length; i++) if (stored[i] !== buf[start + i]) return false;
  return true;
}

const latin1 = (buf: Uint8Array, start: number, end: number): string =>
  Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString("latin1");

/** The names the fields are interned into. */
export interface LineNames {
  fs: NameTable;
  keys: NameTable;
  nodes: NameTable;
}

/** Past this nesting a line is declined (JSON.parse reads it; this scanner recurses). */
const DEPTH_MAX = 200;
/** Digits that add up exactly in a double (beyond: Number() of the text). */
const EXACT_DIGITS_MAX = 15;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

const isDigit = (c: number | undefined) => c !== undefined && c >= ZERO && c <= NINE;
const HEX = new Uint8Array(128);
for (const c of "0123456789abcdefABCDEF") HEX[c.charCodeAt(0)] = 1;

const bytesOf = (words: readonly string[]) =>
  words.map((word) => Uint8Array.from(word, (c) => c.charCodeAt(0)));
/** The fields of interest: their number is their place here, from 1 (0: any other field). */
const FIELDS = bytesOf(["index", "time", "process", "type", "f", "key", "node", "value", "basis"]);
const TYPES = bytesOf(TYPE_NAMES);
const [NEMESIS] = bytesOf(["nemesis"]);

/** The field named buf[start, end) (FIELDS' place + 1), or 0 for any other name: the one
 * candidate is picked by length and first bytes (a name is read at every field of every line). */
function fieldAt(buf: Uint8Array, start: number, end: number): number {
  const c = buf[start];
  let field = 0;
  switch (end - start) {
    case 1:
      field = c === 0x66 ? 5 : 0;
      break;
    case 3:
      field = 6;
      break;
    case 4:
      field = c === 0x6e ? 7 : buf[start + 1] === 0x69 ? 2 : 4;
      break;
    case 5:
      field = c === 0x69 ? 1 : c === 0x76 ? 8 : 9;
      break;
    case 7:
      field = 3;
      break;
  }
  return field > 0 && sameBytes(FIELDS[field - 1]!, buf, start, end) ? field : 0;
}

/** The type named buf[start, end) (TYPE_NAMES' place), or -1. */
function typeAt(buf: Uint8Array, start: number, end: number): number {
  const length = end - start;
  const type =
    length === 6 ? 0 : length === 2 ? 1 : length === 4 ? (buf[start] === 0x66 ? 2 : 3) : -1;
  return type >= 0 && sameBytes(TYPES[type]!, buf, start, end) ? type : -1;
}

/** What `scanLine` found. */
export const LINE_EMPTY = 0;
export const LINE_READ = 1;
export const LINE_DECLINED = 2;

/** Reads one line's bytes buf[start, end) into `out`. The byte at `end` must be the line's
 * newline (or another byte that is no part of a JSON value): scans stop there. */
export class OpLineScanner {
  /** A Buffer from the start, as every caller's: one element kind keeps the loads fast. */
  private buf: Uint8Array = Buffer.alloc(0);
  private end = 0;
  /** The last string read by `string`: its hash, whether it is plain (ASCII, no escape) and
   * whether it has an escape. */
  private hash = 0;
  private plain = true;
  private escaped = false;
  private number = Number.NaN;

  constructor(private readonly names: LineNames) {}

  scan(buf: Uint8Array, start: number, end: number, out: LineFields): number {
    this.buf = buf;
    this.end = end;
    out.reset();
    let at = this.space(start);
    if (at === end) return LINE_EMPTY;
    if (buf[at] !== OPEN_BRACE) return LINE_DECLINED;
    at = this.space(at + 1);
    if (buf[at] === CLOSE_BRACE) return LINE_DECLINED; // No process, type nor f.
    for (;;) {
      if (buf[at] !== QUOTE) return LINE_DECLINED;
      const nameStart = at + 1;
      at = this.string(nameStart);
      if (at < 0 || this.escaped) return LINE_DECLINED;
      const field = fieldAt(buf, nameStart, at - 1);
      // JSON.stringify writes no whitespace: look for the separator before any.
      if (buf[at] !== COLON) at = this.space(at);
      if (buf[at] !== COLON) return LINE_DECLINED;
      at = buf[at + 1] === QUOTE ? at + 1 : this.space(at + 1);
      at = this.field(field, at, out);
      if (at < 0) return LINE_DECLINED;
      if (buf[at] !== COMMA && buf[at] !== CLOSE_BRACE) at = this.space(at);
      if (buf[at] === COMMA) {
        at = buf[at + 1] === QUOTE ? at + 1 : this.space(at + 1);
        continue;
      }
      if (buf[at] !== CLOSE_BRACE) return LINE_DECLINED;
      break;
    }
    if (this.space(at + 1) !== end) return LINE_DECLINED;
    const noProcess = !out.nemesis && Number.isNaN(out.process);
    return out.type < 0 || out.f < 0 || noProcess ? LINE_DECLINED : LINE_READ;
  }

  /** Reads a field's value at `at` into `out`; the position after it, or -1 (declined). */
  private field(field: number, at: number, out: LineFields): number {
    const buf = this.buf;
    const c = buf[at];
    switch (field) {
      case 1: // index: a non-negative integer
      case 2: // time: a number
      case 3: {
        // process: an integer or "nemesis"
        if (field === 3 && c === QUOTE) {
          const after = this.string(at + 1);
          if (after < 0 || this.escaped || !sameBytes(NEMESIS!, buf, at + 1, after - 1)) return -1;
          out.nemesis = true;
          return after;
        }
        const after = this.numberAt(at, true);
        if (after < 0) return -1;
        const n = this.number;
        if (field === 1) {
          if (!Number.isInteger(n) || n < 0) return -1;
          out.index = n;
        } else if (field === 2) {
          if (!Number.isFinite(n)) return -1;
          out.time = n;
          out.hasTime = true;
        } else {
          if (!Number.isInteger(n)) return -1;
          out.process = n;
          out.nemesis = false;
        }
        return after;
      }
      case 4: {
        if (c !== QUOTE) return -1;
        const after = this.string(at + 1);
        if (after < 0) return -1;
        out.type = typeAt(buf, at + 1, after - 1);
        return out.type < 0 ? -1 : after;
      }
      case 5:
      case 6:
      case 7: {
        if (field === 7 && c === 0x6e) {
          // node: null, as Names.id(null).
          out.node = -1;
          return this.value(at, 0);
        }
        if (c !== QUOTE) return -1;
        const after = this.hashedString(at + 1);
        if (after < 0 || (field === 5 && after === at + 2)) return -1;
        const table =
          field === 5 ? this.names.fs : field === 6 ? this.names.keys : this.names.nodes;
        const id = this.plain
          ? table.idOfBytes(buf, at + 1, after - 1, this.hash)
          : table.id(this.text(at, after));
        if (field === 5) out.f = id;
        else if (field === 6) out.key = id;
        else out.node = id;
        return after;
      }
      case 8:
        out.siblings = -1;
        return c === OPEN_BRACKET ? this.array(at, 0, out) : this.value(at, 0);
      case 9:
        return c === OPEN_BRACKET ? this.value(at, 0) : -1;
      default:
        return this.value(at, 0);
    }
  }

  /** The JSON string buf[start, end) (quotes included) as text, exactly as JSON.parse reads it. */
  private text(start: number, end: number): string {
    const bytes = Buffer.from(this.buf.buffer, this.buf.byteOffset + start, end - start);
    return this.escaped
      ? (JSON.parse(bytes.toString("utf8")) as string)
      : bytes.toString("utf8", 1, end - start - 1);
  }

  /** The position of the first byte from `at` that is not JSON whitespace. */
  private space(at: number): number {
    const buf = this.buf;
    const end = this.end;
    for (; at < end; at++) {
      const c = buf[at]!;
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    }
    return at;
  }

  /** Skips any JSON value at `at`; the position after it, or -1. */
  private value(at: number, depth: number): number {
    const c = this.buf[at];
    if (c === QUOTE) return this.string(at + 1);
    if (c === MINUS || isDigit(c)) return this.numberAt(at, false);
    if (c === OPEN_BRACKET) return this.array(at, depth, undefined);
    if (c === OPEN_BRACE) return this.object(at, depth);
    if (c === 0x74) return this.literal(at, "true");
    if (c === 0x66) return this.literal(at, "false");
    if (c === 0x6e) return this.literal(at, "null");
    return -1;
  }

  private literal(at: number, word: string): number {
    if (at + word.length > this.end) return -1;
    for (let i = 0; i < word.length; i++) if (this.buf[at + i] !== word.charCodeAt(i)) return -1;
    return at + word.length;
  }

  /** An array; with `out`, its length is the op's sibling count. */
  private array(at: number, depth: number, out: LineFields | undefined): number {
    if (depth >= DEPTH_MAX) return -1;
    at = this.space(at + 1);
    let count = 0;
    if (this.buf[at] !== CLOSE_BRACKET) {
      for (;;) {
        at = this.value(at, depth + 1);
        if (at < 0) return -1;
        count++;
        at = this.space(at);
        if (this.buf[at] === COMMA) at = this.space(at + 1);
        else if (this.buf[at] === CLOSE_BRACKET) break;
        else return -1;
      }
    }
    if (out !== undefined) out.siblings = count;
    return at + 1;
  }

  private object(at: number, depth: number): number {
    if (depth >= DEPTH_MAX) return -1;
    const buf = this.buf;
    at = this.space(at + 1);
    if (buf[at] === CLOSE_BRACE) return at + 1;
    for (;;) {
      if (buf[at] !== QUOTE) return -1;
      at = this.string(at + 1);
      if (at < 0) return -1;
      at = this.space(at);
      if (buf[at] !== COLON) return -1;
      at = this.value(this.space(at + 1), depth + 1);
      if (at < 0) return -1;
      at = this.space(at);
      if (buf[at] === COMMA) at = this.space(at + 1);
      else if (buf[at] === CLOSE_BRACE) return at + 1;
      else return -1;
    }
  }

  /** A string's body from `at` (after its quote): the position after the closing quote, or -1.
   * Sets `escaped`. */
  private string(at: number): number {
    const buf = this.buf;
    const end = this.end;
    let escaped = false;
    while (at < end) {
      const c = buf[at]!;
      if (c === QUOTE) {
        this.escaped = escaped;
        return at + 1;
      }
      if (c < 0x20) return -1;
      if (c === BACKSLASH) {
        at = this.escape(at);
        if (at < 0) return -1;
        escaped = true;
      } else at++;
    }
    return -1;
  }

  /** `string`, also setting `hash` (FNV-1a of its bytes) and `plain` (ASCII, no escape). */
  private hashedString(at: number): number {
    const buf = this.buf;
    const end = this.end;
    let hash = 0x811c9dc5;
    let plain = true;
    const from = at;
    while (at < end) {
      const c = buf[at]!;
      if (c === QUOTE) {
        this.hash = hash;
        this.plain = plain;
        this.escaped = false;
        return at + 1;
      }
      if (c === BACKSLASH || c < 0x20) {
        this.plain = false;
        return this.string(from);
      }
      if (c >= 0x80) plain = false;
      hash = Math.imul(hash ^ c, 0x01000193);
      at++;
    }
    return -1;
  }

  /** The position after the escape at `at` (a backslash), or -1. */
  private escape(at: number): number {
    const buf = this.buf;
    const e = buf[at + 1];
    if (e === 0x75) {
      for (let i = 2; i < 6; i++) if (HEX[buf[at + i] ?? 0] !== 1) return -1;
      return at + 6;
    }
    const simple =
      e === QUOTE ||
      e === BACKSLASH ||
      e === 0x2f ||
      e === 0x62 ||
      e === 0x66 ||
      e === 0x6e ||
      e === 0x72 ||
      e === 0x74;
    return simple ? at + 2 : -1;
  }

  /** A JSON number at `at` (RFC 8259's grammar); with `read`, its value is left in `number`. */
  private numberAt(at: number, read: boolean): number {
    const buf = this.buf;
    const start = at;
    let c = buf[at]!;
    const negative = c === MINUS;
    if (negative) c = buf[++at]!;
    let n = 0;
    if (c === ZERO) c = buf[++at]!;
    else if (c > ZERO && c <= NINE) {
      do {
        n = n * 10 + (c - ZERO);
        c = buf[++at]!;
      } while (c >= ZERO && c <= NINE);
    } else return -1;
    const digits = at - start - (negative ? 1 : 0);
    let exact = digits <= EXACT_DIGITS_MAX;
    if (c === DOT) {
      exact = false;
      c = buf[++at]!;
      if (!(c >= ZERO && c <= NINE)) return -1;
      do c = buf[++at]!;
      while (c >= ZERO && c <= NINE);
    }
    if (c === 0x65 || c === 0x45) {
      exact = false;
      c = buf[++at]!;
      if (c === 0x2b || c === MINUS) c = buf[++at]!;
      if (!(c >= ZERO && c <= NINE)) return -1;
      do c = buf[++at]!;
      while (c >= ZERO && c <= NINE);
    }
    if (at > this.end) return -1;
    if (read) this.number = exact ? (negative ? -n : n) : Number(latin1(buf, start, at));
    return at;
  }
}
