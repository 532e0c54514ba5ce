// Writes history.jsonl as the run happens (docs/design.md, "The history"): one op a line, `index` in
// file order, `time` in ns since the run began from a monotonic clock. Lines are buffered and
// written at least every `flushIntervalMs` and by flush()/close() (synchronously, so a signal
// handler can flush before exiting); a SIGKILL loses at most that interval and tears at most the
// last line. The lines are made at the flush, in one loop (cheaper than one at a time, between a
// client's socket reads). It is also the nemesis's recorder (contract 6): faults are ops of
// process "nemesis".
// A write that fails (a full disk) leaves the file cut back to its last whole op, reports once
// through `onError`, drops every later op, and makes flush() and close() throw: a run must not
// give a verdict on a history that lost ops. It keeps the ops it recorded (`ops`), so the run's
// checkers need not parse the file back; `inMemory` keeps only them (a run whose file nobody
// reads: explore's trials), and historyText(ops) is then the very text the file would hold.
import { closeSync, fstatSync, ftruncateSync, openSync, writeSync } from "node:fs";
import type { Op, OpType, Process } from "../../checkers/history.js";

/** An op as the recorder is given it: everything but `index` and `time`, process and type first. */
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
  /** Appends an op: index and time, then its fields in the order given (process and type first). */
  record(op: OpFields): Op;
  /** NemesisRecorder (contract 6). */
  invoke(f: string, value: unknown): void;
  complete(type: "ok" | "info", f: string, value: unknown, error?: string): void;
  /** Client ops recorded so far, by type (nemesis ops and probe reads are not counted). */
  readonly counts: Readonly<HistoryCounts>;
  /** Every op written so far, in file order (what history.jsonl holds once flushed). */
  readonly ops: readonly Op[];
  /** Nanoseconds since the run began, on the history's clock. */
  now(): number;
  /** Writes the buffered ops; throws HistoryWriteError once a write has failed. */
  flush(): void;
  /** Flushes and closes the file; later records are dropped. Idempotent; throws like flush(). */
  close(): void;
}

/** The history file could not be written: the ops from `opsWritten` on are not in it. */
export class HistoryWriteError extends Error {
  override readonly name = "HistoryWriteError";
  constructor(
    readonly path: string,
    /** The errno code of the failed write (ENOSPC for a full disk). */
    readonly code: string,
    readonly opsWritten: number,
    cause: unknown,
  ) {
    super(
      `cannot write the history ${path}: ${describeCause(cause)}; it holds the first ` +
        `${opsWritten} ops (complete lines), the later ones were not written`,
      { cause },
    );
  }
}

function describeCause(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const { code, syscall } = err as NodeJS.ErrnoException;
  if (code === "ENOSPC") return "no space left on device (ENOSPC)";
  return code === undefined ? err.message : `${syscall ?? "write"} failed with ${code}`;
}

export interface HistoryWriterOptions {
  flushIntervalMs?: number;
  /** Called once, when a write fails (the timer's or an explicit flush's). */
  onError?: (err: HistoryWriteError) => void;
  /** The monotonic clock in ns (tests pass a fake). */
  clockNs?: () => bigint;
  /** Keep the ops only: the file is neither opened nor written. */
  inMemory?: boolean;
}

/** An op's line in history.jsonl. */
function lineOf(op: Op): string {
  return `${JSON.stringify(op)}\n`;
}

/** The text history.jsonl holds for these ops (an in-memory writer's ops: its file unwritten). */
export function historyText(ops: readonly Op[]): string {
  return ops.map(lineOf).join("");
}

export function openHistoryWriter(path: string, options: HistoryWriterOptions = {}): HistoryWriter {
  const clockNs = options.clockNs ?? process.hrtime.bigint;
  const startNs = clockNs();
  const toFile = options.inMemory !== true;
  const fd = toFile ? openSync(path, "a") : -1;
  const ops: Op[] = [];
  /** The first op whose line is not written yet: lines are made at the flush, all at once. */
  let unwritten = 0;
  let index = 0;
  let closed = false;
  let failed: HistoryWriteError | undefined;
  /** Bytes and ops of the file's whole lines (the file may have held some before). */
  let bytesWritten = toFile ? fstatSync(fd).size : 0;
  let opsWritten = 0;
  const counts: HistoryCounts = { invoke: 0, ok: 0, fail: 0, info: 0 };

  const now = () => Number(clockNs() - startNs);
  const fail = (err: unknown): HistoryWriteError => {
    const code = (err as NodeJS.ErrnoException).code ?? "EIO";
    failed = new HistoryWriteError(path, code, opsWritten, err);
    unwritten = ops.length;
    try {
      // A partial write may have torn an op: cut the file back to its last whole line.
      ftruncateSync(fd, bytesWritten);
    } catch {
      // The torn line stays; readers report and skip a torn last line.
    }
    options.onError?.(failed);
    return failed;
  };
  const flush = () => {
    if (failed) throw failed;
    if (unwritten === ops.length || closed || !toFile) return;
    let text = "";
    try {
      for (let i = unwritten; i < ops.length; i++) text += lineOf(ops[i]!);
    } catch (err) {
      // An op JSON cannot hold (a harness bug) fails the history as a failed write would.
      throw fail(err);
    }
    unwritten = ops.length;
    const bytes = Buffer.from(text);
    let done = 0;
    try {
      // writeSync may write less than asked (a disk about to fill): write the rest.
      while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
    } catch (err) {
      // (lastIndexOf counts a negative offset from the end: nothing written is nothing whole.)
      const whole = done === 0 ? 0 : bytes.lastIndexOf(NEWLINE, done - 1) + 1;
      bytesWritten += whole;
      opsWritten += countLines(bytes.subarray(0, whole));
      throw fail(err);
    }
    bytesWritten += bytes.length;
    opsWritten += countLines(bytes);
  };
  const timer = toFile
    ? setInterval(() => {
        try {
          flush();
        } catch {
          // Reported once through onError; flush() and close() throw it to the run.
        }
      }, options.flushIntervalMs ?? 100)
    : undefined;
  // The timer must never keep a finished harness alive.
  timer?.unref();

  const record = (fields: OpFields): Op => {
    // One copy, in the fields' order: every caller gives process and type first.
    const op: Op = { index: index++, time: now(), ...fields } as Op;
    if (closed || failed) return op;
    // Probe reads (probe-reads.ts) run beside the clients but are the harness's own reads.
    if (op.process !== "nemesis" && op.f !== "probe") counts[op.type]++;
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
      try {
        flush();
      } finally {
        closed = true;
        if (toFile) closeSync(fd);
      }
    },
  };
}

const NEWLINE = 0x0a;

function countLines(bytes: Buffer): number {
  let n = 0;
  for (let i = bytes.indexOf(NEWLINE); i !== -1; i = bytes.indexOf(NEWLINE, i + 1)) n++;
  return n;
}
