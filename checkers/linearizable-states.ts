// The states one linearizability search meets, interned to small ints, and the model's
// transitions between them, cached per (state, call) in an open-addressing table of typed arrays:
// a transition is computed (model.step) and its result interned once, then only looked up.
// Interning compares states by model.key: equal short states get one id; an id is always one
// state, so a memo keyed by ids is sound.
import type { AnyModel } from "./models/model.js";

/** What a transition needs of a call: its input and output, as the model reads them. */
export interface StepCall {
  input: unknown;
  output: unknown;
}

/** States reached by an op that does not reset (an append) are interned only when their key is
 * no longer than this (see intern). */
const SHORT_KEY_MAX = 16;
const INITIAL_CAPACITY = 64;
/** A table reused by the next search keeps its arrays up to this many transitions. */
const KEPT_CAPACITY_MAX = 1 << 15;
/** The cached result of a transition the model rejects. */
export const REJECTED = -1;

// A transition's fields side by side (one probe, one cache line): from-state, call, result, and
// the search it belongs to: a slot of another search's epoch is empty, so a reset clears nothing.
const STRIDE = 4;
const FROM = 0;
const CALL = 1;
const RESULT = 2;
const EPOCH = 3;

export class StateTable {
  /** The state each id stands for. */
  readonly states: unknown[] = [];
  private readonly ids = new Map<string, number>();
  private model!: AnyModel;
  private calls: readonly StepCall[] = [];
  private readOnly: Int32Array = new Int32Array(0);
  private resets: Int32Array = new Int32Array(0);
  private slots = new Int32Array(INITIAL_CAPACITY * STRIDE);
  private mask = INITIAL_CAPACITY - 1;
  private size = 0;
  private epoch = 1;

  /** `readOnly[c]` is 1 for a call that never changes the state (model.readOnly): its step is
   * one comparison, cheaper than a lookup, and its result is no new state: it is not cached.
   * `resets[c]` is 1 for a call that can leave any state (a put): its states are interned. */
  reset(
    model: AnyModel,
    calls: readonly StepCall[],
    readOnly: Int32Array,
    resets: Int32Array,
  ): void {
    this.model = model;
    this.calls = calls;
    this.readOnly = readOnly;
    this.resets = resets;
    this.release();
    if (this.mask + 1 > KEPT_CAPACITY_MAX) {
      this.slots = new Int32Array(INITIAL_CAPACITY * STRIDE);
      this.mask = INITIAL_CAPACITY - 1;
    }
    if (++this.epoch === 0x7fffffff) {
      this.slots.fill(0);
      this.epoch = 1;
    }
    this.size = 0;
  }

  /** Lets go of the states (they can be large: kv strings). */
  release(): void {
    this.states.length = 0;
    this.ids.clear();
  }

  /**
   * The id of a state. Interning hashes the state's key: O(its length), for every new
   * transition. A long state reached by an op that does not reset (a kv string grown by an
   * append) is rarely reached twice by different transitions (on Porcupine's c50-ok, 96% of the
   * states interned were new), so unless `canonical`, it gets a fresh id instead: the memo stays
   * sound (an id is one state), it only prunes a repeat it does not recognise. States that
   * resets lead to (a put's value) are met from many states: always interned.
   */
  intern(state: unknown, canonical = true): number {
    const key = this.model.key(state);
    if (!canonical && key.length > SHORT_KEY_MAX) {
      this.states.push(state);
      return this.states.length - 1;
    }
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.states.length;
      this.ids.set(key, id);
      this.states.push(state);
    }
    return id;
  }

  /** The state id after call c from state id s, or REJECTED. */
  step(s: number, c: number): number {
    if (this.readOnly[c] === 1) {
      const call = this.calls[c]!;
      return this.model.step(this.states[s], call.input, call.output) === undefined ? REJECTED : s;
    }
    const { slots, epoch } = this;
    let h = slotOf(s, c, this.mask);
    for (;;) {
      if (slots[h + EPOCH] !== epoch) break;
      if (slots[h + FROM] === s && slots[h + CALL] === c) return slots[h + RESULT]!;
      h = (h + STRIDE) & (this.mask * STRIDE + STRIDE - 1);
    }
    const call = this.calls[c]!;
    const next = this.model.step(this.states[s], call.input, call.output);
    const id =
      next === undefined
        ? REJECTED
        : next === this.states[s]
          ? s
          : this.intern(next, this.resets[c] === 1);
    slots[h + FROM] = s;
    slots[h + CALL] = c;
    slots[h + RESULT] = id;
    slots[h + EPOCH] = epoch;
    if (++this.size * 2 > this.mask) this.grow();
    return id;
  }

  /** Bytes held by the transition table (the search's memory budget counts them). */
  get bytes(): number {
    return this.slots.length * 4;
  }

  private grow(): void {
    const old = this.slots;
    this.mask = this.mask * 2 + 1;
    this.slots = new Int32Array((this.mask + 1) * STRIDE);
    const wrap = this.mask * STRIDE + STRIDE - 1;
    for (let i = 0; i < old.length; i += STRIDE) {
      if (old[i + EPOCH] !== this.epoch) continue;
      let h = slotOf(old[i + FROM]!, old[i + CALL]!, this.mask);
      while (this.slots[h + EPOCH] === this.epoch) h = (h + STRIDE) & wrap;
      for (let f = 0; f < STRIDE; f++) this.slots[h + f] = old[i + f]!;
    }
  }
}

/** Where (s, c) starts probing: the first field of its slot. */
function slotOf(s: number, c: number, mask: number): number {
  return ((Math.imul(s, 0x9e3779b1) ^ Math.imul(c + 1, 0x85ebca6b)) & mask) * STRIDE;
}
