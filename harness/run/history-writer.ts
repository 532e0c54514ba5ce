// Writes history.jsonl as the run happens (DESIGN.md "The history"): one op a line, `index` in
// file order, `time` in ns since the run began from a monotonic clock. Lines are buffered and
// written at least every `flushIntervalMs` and by flush()/close() (synchronously, so a signal
// handler can flush before exiting); a SIGKILL loses at most that interval and tears at most the
// last line. It is also the nemesis's recorder (contract 6): faults are ops of process "nemesis".
// It keeps the ops it wrote (`ops`), so the run's checkers need not parse the file back.
import { closeSync, openSync, writeSync } from "node:fs";
import type { Op, OpType, Process } from "../../checkers/history.js";

/** An op as the recorder is given it: everything but `index` and `time`. */
export interface OpFields {
  process: Process;
  type: OpType;
  f: string;
  [field: string]: unknown;
}

export interface HistoryCounts {
  invoke: number;
  ok: number;
  fail: number;
  info: number;
}

export interface HistoryWriter {
  /** Appends an op (fields in the order given, after index, time, process, type). */
  record(op: OpFields): Op;
  /** NemesisRecorder (contract 6). */
  invoke(f: string, value: unknown): void;
  complete(type: "ok" | "info", f: string, value: unknown, error?: string): void;
  /** Client ops recorded so far, by type (nemesis ops are not counted). */
  readonly counts: Readonly<HistoryCounts>;
  /** Every op written so far, in file order (what history.jsonl holds once flushed). */
  readonly ops: readonly Op[];
  /** Nanoseconds since the run began, on the history's clock. */
  now(): number;
  flush(): void;
  /** Flushes and closes the file; later records are dropped. Idempotent. */
  close(): void;
}

export interface HistoryWriterOptions {
  flushIntervalMs?: number;
  /** The monotonic clock in ns (tests pass a fake). */
  clockNs?: () => bigint;
}

export function openHistoryWriter(path: string, options: HistoryWriterOptions = {}): HistoryWriter {
  const clockNs = options.clockNs ?? process.hrtime.bigint;
  const startNs = clockNs();
  const fd = openSync(path, "a");
  let pending: string[] = [];
  const ops: Op[] = [];
  let index = 0;
  let closed = false;
  const counts: HistoryCounts = { invoke: 0, ok: 0, fail: 0, info: 0 };

  const now = () => Number(clockNs() - startNs);
  const flush = () => {
    if (pending.length === 0 || closed) return;
    const text = pending.join("");
    pending = [];
    writeSync(fd, text);
  };
  const timer = setInterval(flush, options.flushIntervalMs ?? 100);
  // The timer must never keep a finished harness alive.
  timer.unref();

  const record = (fields: OpFields): Op => {
    const { process, type, ...rest } = fields;
    const op: Op = { index: index++, time: now(), process, type, ...rest };
    if (closed) return op;
    if (process !== "nemesis") counts[type as OpType]++;
    pending.push(`${JSON.stringify(op)}\n`);
    ops.push(op);
    return op;
  };
  const nemesis: Process = "nemesis";

  return {
    record,
    invoke: (f, value) => void record({ process: nemesis, type: "invoke", f, value }),
    complete: (type, f, value, error) =>
      void record({ process: nemesis, type, f, value, ...(error !== undefined && { error }) }),
    counts,
    ops,
    now,
    flush,
    close() {
      if (closed) return;
      clearInterval(timer);
      flush();
      closed = true;
      closeSync(fd);
    },
  };
}
