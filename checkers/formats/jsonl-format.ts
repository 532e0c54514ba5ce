// Reads history.jsonl (DESIGN.md, "The history"): one JSON op a line. A torn LAST line (the
// writer died mid-append) is a warning and is skipped; a corrupt line anywhere else throws an
// Error naming the source and line number, as does an op missing a required field.
import type { Op, OpType } from "../history.js";

const OP_TYPES: ReadonlySet<string> = new Set<OpType>(["invoke", "ok", "fail", "info"]);

export interface ParsedHistory {
  history: Op[];
  warnings: string[];
}

/** Parses JSONL text. `index` defaults to the op's position and `time` to its index when a
 * line omits them (hand-written or converted histories), so order is kept either way. */
export function parseJsonl(text: string, source: string): ParsedHistory {
  const lines = text.split("\n");
  let last = lines.length - 1;
  while (last >= 0 && lines[last]!.trim() === "") last--;
  const history: Op[] = [];
  const warnings: string[] = [];
  for (let i = 0; i <= last; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (err) {
      if (i === last) {
        warnings.push(`${source}:${i + 1}: torn last line skipped (${shorten(line)})`);
        continue;
      }
      const why = err instanceof Error ? err.message : String(err);
      throw new Error(`${source}:${i + 1}: not valid JSON (${why}): ${shorten(line)}`);
    }
    history.push(validateOp(parsed, history.length, `${source}:${i + 1}`));
  }
  return { history, warnings };
}

function validateOp(value: unknown, position: number, where: string): Op {
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
  const resolvedIndex = (index as number | undefined) ?? position;
  return { ...op, index: resolvedIndex, time: (time as number | undefined) ?? resolvedIndex } as Op;
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing (missing)";
  return shorten(JSON.stringify(value) ?? String(value));
}

function shorten(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
