// Builds literal histories for checker tests: invoke / ok / fail / info per process, with index
// and time (1 ms apart unless `at` says otherwise) filled in, and the completion copying the
// invoke's f, key, basis, node and round as the harness does. Tests only.
import type { Op, OpType } from "./history.js";

type Fields = Partial<Omit<Op, "index" | "time" | "process" | "type">>;

const MS = 1_000_000;

export class HistoryBuilder {
  readonly ops: Op[] = [];
  private nextTimeNs = 0;
  private readonly open = new Map<number, Op>();

  /** The next op happens at `ms` milliseconds (later ops follow 1 ms apart). */
  at(ms: number): this {
    this.nextTimeNs = Math.round(ms * MS);
    return this;
  }

  invoke(process: number, f: string, fields: Fields = {}): this {
    if (this.open.has(process)) throw new Error(`history-builder: process ${process} is busy`);
    const op = this.push({ process, type: "invoke", f, value: null, ...fields });
    this.open.set(process, op);
    return this;
  }

  ok(process: number, fields: Fields = {}): this {
    return this.complete("ok", process, fields);
  }

  fail(process: number, fields: Fields = {}): this {
    return this.complete("fail", process, { error: "unavailable", ...fields });
  }

  info(process: number, fields: Fields = {}): this {
    return this.complete("info", process, { error: "timeout", ...fields });
  }

  nemesis(type: "invoke" | "ok" | "info", f: string, value: unknown = null): this {
    this.push({ process: "nemesis", type, f, value });
    return this;
  }

  /** A whole cart add: invoke then its completion. */
  add(process: number, key: string, item: number, type: Exclude<OpType, "invoke"> = "ok"): this {
    this.invoke(process, "add", { key, value: item });
    return this.complete(type, process, { value: item });
  }

  /** A whole successful read returning these siblings. */
  read(process: number, key: string, siblings: unknown[]): this {
    return this.invoke(process, "read", { key }).ok(process, { value: siblings });
  }

  /** A whole register write of `value` with the basis of the client's last read. */
  write(
    process: number,
    key: string,
    value: unknown,
    basis: unknown[],
    type: Exclude<OpType, "invoke"> = "ok",
  ): this {
    this.invoke(process, "write", { key, value, basis });
    return this.complete(type, process, { value });
  }

  /** A whole final read of one node in one round. */
  finalRead(process: number, key: string, node: string, round: number, siblings: unknown[]): this {
    return this.invoke(process, "final-read", { key, node, round }).ok(process, {
      value: siblings,
    });
  }

  private complete(type: Exclude<OpType, "invoke">, process: number, fields: Fields): this {
    const invoke = this.open.get(process);
    if (invoke === undefined) throw new Error(`history-builder: process ${process} has no open op`);
    this.open.delete(process);
    const copied: Fields = { f: invoke.f };
    for (const field of ["key", "basis", "node", "round"] as const) {
      if (invoke[field] !== undefined) copied[field] = invoke[field];
    }
    this.push({ process, type, ...copied, value: invoke.value, ...fields } as Omit<
      Op,
      "index" | "time"
    >);
    return this;
  }

  private push(fields: Omit<Op, "index" | "time">): Op {
    const op = { index: this.ops.length, time: this.nextTimeNs, ...fields } as Op;
    this.nextTimeNs += MS;
    this.ops.push(op);
    return op;
  }
}

/** A fresh builder: `history().add(0, "k", 1).read(1, "k", [[1]]).ops`. */
export function history(): HistoryBuilder {
  return new HistoryBuilder();
}
