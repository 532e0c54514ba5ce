// The history: the contract between the harness and the checkers (see DESIGN.md, "The history").
// One operation a line in history.jsonl; an invoke is followed by exactly one completion
// (ok | fail | info) of the same process. Checkers own these types; the harness writes them.

export type OpType = "invoke" | "ok" | "fail" | "info";

/** A client process is an integer; the fault injector is "nemesis". */
export type Process = number | "nemesis";

export interface Op {
  /** 0, 1, 2 … in file order. */
  index: number;
  /** Integer nanoseconds since the test started (monotonic clock). */
  time: number;
  process: Process;
  type: OpType;
  /** read, write, cas, add, final-read …; nemesis: partition, heal, kill, restart, pause, resume, clock … */
  f: string;
  key?: string;
  /** invoke: the argument; completion: the result (a read's value is the list of siblings). */
  value?: unknown;
  /** The node the client talked to. */
  node?: string;
  /** On fail / info: why. */
  error?: string;
  /** A write that carried a causal context: the sibling values of the read whose context it sent. */
  basis?: unknown[];
  /** Workloads may add fields. */
  [field: string]: unknown;
}

export type History = readonly Op[];
