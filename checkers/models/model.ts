// A sequential specification for the linearizability search (Porcupine's `Model`): a pure step
// function over states, plus how to read an op pair from a history and how to split a history
// into independent parts (P-compositionality: a history is linearizable iff every part is).
import type { Op } from "../history.js";

/** How a history encodes read results:
 * - `faultline`: our JSONL — a read's value is the list of siblings ([] = absent).
 * - `jepsen`: the value itself; nil means absent (Jepsen's etcd logs).
 * - `knossos`: the value itself; an ok read of nil means "unknown" and matches any state. */
export type Dialect = "faultline" | "jepsen" | "knossos";
export const DIALECTS: readonly Dialect[] = ["faultline", "jepsen", "knossos"];

/** One operation as the model sees it. `output` is undefined for an op whose outcome is
 * unknown (info, or never completed): it may take effect any time after its call, or never. */
export interface ModelCall<I, O> {
  input: I;
  output: O | undefined;
}

export interface Model<S, I, O> {
  readonly name: string;
  /** The `f`s this model reads; every other op is ignored (and counted). */
  readonly fs: ReadonlySet<string>;
  /** The state before any op; `initial` is the user's `--initial` (undefined: the default). */
  init(initial: unknown): S;
  /** Reads an invoke and its completion (undefined when the outcome is unknown). Returns
   * undefined for an op that constrains nothing (a read of unknown value); throws on an op the
   * model cannot read, naming the op index. */
  prepare(invoke: Op, completion: Op | undefined, dialect: Dialect): ModelCall<I, O> | undefined;
  /** The state after `input` returned `output`, or undefined if that is impossible. Pure. */
  step(state: S, input: I, output: O | undefined): S | undefined;
  /** Optional: true for an op that never changes the state (a read). The search places a
   * matching read as soon as it can, without trying alternatives. */
  readOnly?(input: I): boolean;
  /** Optional lookahead, with `mayLeadTo`: true for an op that can leave any state (a put). */
  resets?(input: I): boolean;
  /** Could ops that do not reset (appends, reads) lead from `state` to one where this read
   * returns `output`? False prunes the search (kv: the output must extend the state). */
  mayLeadTo?(state: S, input: I, output: O | undefined): boolean;
  /** Equal states have equal keys: the memo of the search compares states by key. */
  key(state: S): string;
  describe(state: S): string;
  describeCall(call: ModelCall<I, O>, f: string): string;
  /** The independent part an op belongs to. */
  partitionOf(op: Op): string;
  /** Optional pruning: which ops of unknown outcome could matter to a part. An op that no
   * other op can observe (a write of a value nobody reads) may as well never happen, so the
   * search never places it. Returns one flag per call (true: keep). */
  observable?(calls: readonly ModelCall<I, O>[]): boolean[];
}

// biome-ignore lint/suspicious/noExplicitAny: a registry holds models of every state type.
export type AnyModel = Model<any, any, any>;

/** Splits items (ops, or what was made of them) by part, keeping their order within each part. */
export function partition<T>(
  model: AnyModel,
  items: readonly T[],
  opOf: (item: T) => Op,
): Map<string, T[]> {
  const parts = new Map<string, T[]>();
  for (const item of items) {
    const part = model.partitionOf(opOf(item));
    const list = parts.get(part);
    if (list === undefined) parts.set(part, [item]);
    else list.push(item);
  }
  return parts;
}
