// A small, real EDN reader for the histories Jepsen and Knossos write: vectors, lists, maps
// (commas are whitespace), sets, keywords, symbols, strings, integers, floats, nil, true/false,
// `;` comments, `#_` discards and tagged values (the tag is dropped). Errors name line:column.

/** A keyword (`:read`), kept apart from strings so `:read` and `"read"` stay distinct. */
export class Keyword {
  constructor(readonly name: string) {}
  toString(): string {
    return `:${this.name}`;
  }
}

/** A symbol (`foo`), rare in histories; kept so the reader never guesses. */
export class EdnSymbol {
  constructor(readonly name: string) {}
  toString(): string {
    return this.name;
  }
}

/** EDN maps keep non-string keys, so they read into a Map. Sets read into a Set. */
export type EdnValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Keyword
  | EdnSymbol
  | EdnValue[]
  | Map<EdnValue, EdnValue>
  | Set<EdnValue>;

export class EdnError extends Error {
  override readonly name = "EdnError";
}

const DELIMITERS = new Set([...'()[]{}";,']);

/** Reads EDN values one after another from a text. */
export class EdnReader {
  private pos = 0;
  private line = 1;
  /** Where each map began, so a caller can name the line of a bad op. */
  readonly mapStarts = new WeakMap<Map<EdnValue, EdnValue>, number>();
  private lineStart = 0;

  constructor(
    private readonly text: string,
    private readonly source: string,
  ) {}

  /** Where the reader is, as `source:line:column`. */
  where(pos = this.pos): string {
    let line = 1;
    let lineStart = 0;
    if (pos >= this.lineStart) {
      line = this.line;
      lineStart = this.lineStart;
    }
    for (let i = lineStart; i < pos; i++) {
      if (this.text.charCodeAt(i) === 10) {
        line++;
        lineStart = i + 1;
      }
    }
    return `${this.source}:${line}:${pos - lineStart + 1}`;
  }

  /** The line the reader is on (1-based). */
  get currentLine(): number {
    this.skipSpace();
    return this.line;
  }

  /** True when only whitespace and comments remain. */
  atEnd(): boolean {
    this.skipSpace();
    return this.pos >= this.text.length;
  }

  /** Reads the next value; throws EdnError at the end of input. */
  read(): EdnValue {
    this.skipSpace();
    if (this.pos >= this.text.length) throw this.error("unexpected end of input");
    const c = this.text[this.pos]!;
    switch (c) {
      case "[":
        this.pos++;
        return this.readSeq("]");
      case "(":
        this.pos++;
        return this.readSeq(")");
      case "{":
        this.pos++;
        return this.readMap();
      case '"':
        return this.readString();
      case ":":
        this.pos++;
        return new Keyword(this.readToken("keyword"));
      case "#":
        return this.readDispatch();
      case "\\":
        return this.readChar();
      case "]":
      case ")":
      case "}":
        throw this.error(`unexpected '${c}'`);
      default:
        return this.readAtom();
    }
  }

  private readSeq(close: string): EdnValue[] {
    const items: EdnValue[] = [];
    for (;;) {
      this.skipSpace();
      if (this.pos >= this.text.length)
        throw this.error(`unclosed collection, expected '${close}'`);
      if (this.text[this.pos] === close) {
        this.pos++;
        return items;
      }
      items.push(this.read());
    }
  }

  private readMap(): Map<EdnValue, EdnValue> {
    const start = this.pos - 1;
    const items = this.readSeq("}");
    if (items.length % 2 !== 0) {
      throw new EdnError(`${this.where(start)}: a map needs an even number of forms`);
    }
    const map = new Map<EdnValue, EdnValue>();
    for (let i = 0; i < items.length; i += 2) map.set(keyOf(items[i]!), items[i + 1]!);
    this.mapStarts.set(map, start);
    return map;
  }

  private readDispatch(): EdnValue {
    const next = this.text[this.pos + 1];
    if (next === "{") {
      this.pos += 2;
      return new Set(this.readSeq("}").map(keyOf));
    }
    if (next === "_") {
      this.pos += 2;
      this.read();
      return this.read();
    }
    if (next !== undefined && /[A-Za-z]/.test(next)) {
      this.pos++;
      this.readToken("tag");
      return this.read();
    }
    throw this.error(`unsupported dispatch '#${next ?? ""}'`);
  }

  private readString(): string {
    const start = this.pos;
    this.pos++;
    let out = "";
    for (;;) {
      if (this.pos >= this.text.length) throw new EdnError(`${this.where(start)}: unclosed string`);
      const c = this.text[this.pos++]!;
      if (c === '"') return out;
      if (c === "\n") this.newline(this.pos);
      if (c !== "\\") {
        out += c;
        continue;
      }
      const e = this.text[this.pos++];
      const escapes: Record<string, string> = { n: "\n", t: "\t", r: "\r", '"': '"', "\\": "\\" };
      if (e !== undefined && e in escapes) out += escapes[e];
      else if (e === "u") {
        const hex = this.text.slice(this.pos, this.pos + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw this.error(`bad unicode escape '\\u${hex}'`);
        out += String.fromCharCode(Number.parseInt(hex, 16));
        this.pos += 4;
      } else throw this.error(`bad escape '\\${e ?? ""}' in string`);
    }
  }

  private readChar(): string {
    this.pos++;
    const token = this.readToken("character");
    const named: Record<string, string> = { newline: "\n", space: " ", tab: "\t", return: "\r" };
    return named[token] ?? token;
  }

  private readAtom(): EdnValue {
    const start = this.pos;
    const token = this.readToken("value");
    if (token === "nil") return null;
    if (token === "true") return true;
    if (token === "false") return false;
    if (/^[-+]?\d+N?$/.test(token)) {
      const digits = token.replace(/N$/, "");
      const n = Number(digits);
      return Number.isSafeInteger(n) ? n : BigInt(digits);
    }
    if (/^[-+]?\d+(\.\d*)?([eE][-+]?\d+)?M?$/.test(token)) return Number(token.replace(/M$/, ""));
    if (/^[-+]?\d/.test(token)) {
      throw new EdnError(`${this.where(start)}: bad number '${token}'`);
    }
    return new EdnSymbol(token);
  }

  private readToken(what: string): string {
    const start = this.pos;
    while (this.pos < this.text.length) {
      const c = this.text[this.pos]!;
      if (DELIMITERS.has(c) || c.trim() === "") break;
      this.pos++;
    }
    if (this.pos === start) throw this.error(`expected a ${what}`);
    return this.text.slice(start, this.pos);
  }

  private skipSpace(): void {
    const text = this.text;
    while (this.pos < text.length) {
      const c = text.charCodeAt(this.pos);
      if (c === 10) {
        this.pos++;
        this.newline(this.pos);
      } else if (c === 32 || c === 44 || c === 9 || c === 13) this.pos++;
      else if (c === 59) {
        while (this.pos < text.length && text.charCodeAt(this.pos) !== 10) this.pos++;
      } else break;
    }
  }

  private newline(at: number): void {
    this.line++;
    this.lineStart = at;
  }

  private error(message: string): EdnError {
    return new EdnError(`${this.where()}: ${message}`);
  }
}

/** Map keys and set members compare by identity in JS: keywords, symbols and scalars are
 * folded to one string so `(get m :f)` works; composite keys stay as they are. */
function keyOf(value: EdnValue): EdnValue {
  if (value instanceof Keyword) return `:${value.name}`;
  return value;
}

/** Looks a keyword up in a read map. */
export function getKeyword(map: Map<EdnValue, EdnValue>, name: string): EdnValue | undefined {
  return map.get(`:${name}`);
}

/** Reads every top-level form of a text. */
export function readAllEdn(text: string, source: string): EdnValue[] {
  const reader = new EdnReader(text, source);
  const forms: EdnValue[] = [];
  while (!reader.atEnd()) forms.push(reader.read());
  return forms;
}
