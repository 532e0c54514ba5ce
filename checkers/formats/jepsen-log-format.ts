// Reads Jepsen's log lines (`INFO jepsen.util - 2 :invoke :write 4`), as in the etcd histories
// of Porcupine's test data, into our Op shape. Line order is real-time order (no timestamps):
// `time` is the op's index. `:fail :read :timed-out` (a read that returned nothing) is dropped.
import type { Op, OpType } from "../history.js";
import { EdnReader, type EdnValue } from "./edn-reader.js";
import { toPlain } from "./edn-format.js";
import type { ParsedHistory } from "./jsonl-format.js";

const LINE =
  /^INFO\s+jepsen\.util\s+-\s+(\d+)\s+:(invoke|ok|fail|info)\s+:([A-Za-z][\w-]*)\s+(.+?)\s*$/;

export function parseJepsenLog(text: string, source: string): ParsedHistory {
  const history: Op[] = [];
  const warnings: string[] = [];
  let dropped = 0;
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    const m = LINE.exec(line);
    if (m === null) {
      throw new Error(
        `${source}:${i + 1}: not a Jepsen op line (expected 'INFO jepsen.util - PROCESS :TYPE :F VALUE'): ${line.slice(0, 80)}`,
      );
    }
    const [, process, type, f, rawValue] = m as unknown as [string, string, OpType, string, string];
    let value: EdnValue;
    try {
      const reader = new EdnReader(rawValue, `${source}:${i + 1}`);
      value = reader.read();
      if (!reader.atEnd()) throw new Error(`trailing text after the value '${rawValue}'`);
    } catch (err) {
      throw new Error(
        `${source}:${i + 1}: bad value: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    if (type === "fail" && f === "read") {
      // A read that failed returned nothing: drop its completion and its invoke.
      const invokeAt = findPendingInvoke(history, Number(process));
      if (invokeAt >= 0) history.splice(invokeAt, 1);
      dropped++;
      continue;
    }
    history.push({ index: 0, time: 0, process: Number(process), type, f, value: toPlain(value) });
  }
  history.forEach((op, index) => {
    op.index = index;
    op.time = index;
  });
  if (dropped > 0) warnings.push(`${source}: dropped ${dropped} failed read(s)`);
  return { history, warnings };
}

function findPendingInvoke(history: Op[], process: number): number {
  for (let i = history.length - 1; i >= 0; i--) {
    const op = history[i]!;
    if (op.process === process) return op.type === "invoke" ? i : -1;
  }
  return -1;
}
