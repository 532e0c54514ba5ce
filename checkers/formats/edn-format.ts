// Reads Jepsen/Knossos EDN histories into our Op shape: a vector or list of op maps, or one map
// a line (Porcupine's kv files). Keywords become their names (`:read` → "read"), `:nemesis`
// becomes "nemesis"; ops carry no time, so `time` is the op's index unless the map has `:time`.
import type { Op, OpType } from "../history.js";
import {
  EdnError,
  EdnReader,
  EdnSymbol,
  type EdnValue,
  getKeyword,
  Keyword,
} from "./edn-reader.js";
import type { ParsedHistory } from "./jsonl-format.js";

const OP_TYPES: ReadonlySet<string> = new Set<OpType>(["invoke", "ok", "fail", "info"]);

export function parseEdn(text: string, source: string): ParsedHistory {
  const reader = new EdnReader(text, source);
  const maps: Map<EdnValue, EdnValue>[] = [];
  try {
    while (!reader.atEnd()) {
      const line = reader.currentLine;
      const form = reader.read();
      if (form instanceof Map) maps.push(form);
      else if (Array.isArray(form)) {
        for (const item of form) {
          if (!(item instanceof Map)) {
            throw new EdnError(
              `${source}: expected op maps inside the collection, got ${show(item)}`,
            );
          }
          maps.push(item);
        }
      } else {
        throw new EdnError(
          `${source}:${line}: expected an op map or a vector of them, got ${show(form)}`,
        );
      }
    }
  } catch (err) {
    if (err instanceof EdnError) throw new Error(err.message);
    throw err;
  }
  const history = maps.map((map, index) =>
    toOp(map, index, () => reader.where(reader.mapStarts.get(map) ?? 0)),
  );
  return { history, warnings: [] };
}

/** `at` names the op's line, computed only for an error (it scans the text). */
function toOp(map: Map<EdnValue, EdnValue>, index: number, at: () => string): Op {
  const processValue = getKeyword(map, "process");
  let process: Op["process"];
  if (typeof processValue === "number" && Number.isInteger(processValue)) process = processValue;
  else if (processValue instanceof Keyword && processValue.name === "nemesis") process = "nemesis";
  else
    throw new Error(`${at()}: :process must be an integer or :nemesis, got ${show(processValue)}`);

  const type = nameOf(getKeyword(map, "type"));
  if (type === undefined || !OP_TYPES.has(type)) {
    throw new Error(
      `${at()}: :type must be :invoke, :ok, :fail or :info, got ${show(getKeyword(map, "type"))}`,
    );
  }
  const f = nameOf(getKeyword(map, "f"));
  if (f === undefined)
    throw new Error(`${at()}: :f must be a keyword, got ${show(getKeyword(map, "f"))}`);

  const op: Op = { index, time: index, process, type: type as OpType, f };
  const time = getKeyword(map, "time");
  if (typeof time === "number") op.time = time;
  const key = getKeyword(map, "key");
  if (key !== undefined && key !== null) op.key = nameOf(key) ?? JSON.stringify(toPlain(key));
  if (map.has(":value")) op.value = toPlain(getKeyword(map, "value")!);
  const error = getKeyword(map, "error");
  if (error !== undefined && error !== null) {
    op.error = nameOf(error) ?? JSON.stringify(toPlain(error));
  }
  return op;
}

/** The name of a keyword, string or symbol; undefined for anything else. */
function nameOf(value: EdnValue | undefined): string | undefined {
  if (value instanceof Keyword || value instanceof EdnSymbol) return value.name;
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  return undefined;
}

/** EDN → JSON-like values: collections to arrays/objects, keywords to their names. */
export function toPlain(value: EdnValue): unknown {
  if (value instanceof Keyword || value instanceof EdnSymbol) return value.name;
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map(toPlain);
  if (value instanceof Set) return [...value].map(toPlain);
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value) {
      out[typeof k === "string" ? k.replace(/^:/, "") : JSON.stringify(toPlain(k))] = toPlain(v);
    }
    return out;
  }
  return value;
}

function show(value: EdnValue | undefined): string {
  if (value === undefined) return "nothing (missing)";
  if (value === null) return "nil";
  if (value instanceof Keyword || value instanceof EdnSymbol) return String(value);
  if (value instanceof Map) return "a map";
  if (Array.isArray(value)) return "a vector";
  if (value instanceof Set) return "a set";
  return JSON.stringify(typeof value === "bigint" ? value.toString() : value);
}
