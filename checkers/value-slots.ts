// Interns the values of a history's keys to dense integers ("slots"), so checkers keep what they
// know of a value in typed arrays indexed by its slot instead of maps keyed by canonical JSON. A
// slot names one value of one key: the same value on two keys gets two slots. Values compare as
// read-values.ts compares them (valueId: 1 and "1" differ, [1,2] read twice is one value); the
// usual ones, small non-negative integers, are found by array index without hashing.
import { type ValueId, valueId } from "./read-values.js";
import { grown } from "./typed-arrays.js";

/** Integers below this are looked up by index (a table of at most 4 bytes each). */
const DIRECT_MAX = 1 << 23;

export class ValueSlots {
  /** Slot → the value (as first seen) and its key's id. */
  readonly values: unknown[] = [];
  private keys = new Int32Array(1024);
  /** Integer value → its first slot + 1 (0: none yet). */
  private direct = new Int32Array(1024);
  /** Any other value's id → its first slot. */
  private readonly other = new Map<ValueId, number>();
  /** First slot → [key, slot, key, slot …] of the same value on other keys. */
  private readonly aliases = new Map<number, number[]>();

  get count(): number {
    return this.values.length;
  }

  /** The key id of a slot. */
  keyOf(slot: number): number {
    return this.keys[slot]!;
  }

  /** The slot of `value` on key `key` (a key id), made when new. */
  slot(key: number, value: unknown): number {
    const first = this.firstSlot(value, true);
    if (first === this.values.length) return this.make(key, value);
    if (this.keys[first] === key) return first;
    return this.alias(first, key, value, true);
  }

  /** The slot of `value` on key `key`, or -1 when the key never had it. */
  find(key: number, value: unknown): number {
    const first = this.firstSlot(value, false);
    if (first < 0) return -1;
    if (this.keys[first] === key) return first;
    return this.alias(first, key, value, false);
  }

  /** The first slot of the value on any key: an existing one, else (when `make`) the next slot,
   * recorded as the value's first; else -1. */
  private firstSlot(value: unknown, make: boolean): number {
    if (typeof value === "number" && value >>> 0 === value && value < DIRECT_MAX) {
      if (value >= this.direct.length) {
        if (!make) return -1;
        this.direct = grown(this.direct, value + 1);
      }
      const known = this.direct[value]! - 1;
      if (known >= 0 || !make) return known;
      this.direct[value] = this.values.length + 1;
      return this.values.length;
    }
    const id = valueId(value);
    const known = this.other.get(id);
    if (known !== undefined || !make) return known ?? -1;
    this.other.set(id, this.values.length);
    return this.values.length;
  }

  private alias(first: number, key: number, value: unknown, make: boolean): number {
    let list = this.aliases.get(first);
    for (let i = 0; list !== undefined && i < list.length; i += 2) {
      if (list[i] === key) return list[i + 1]!;
    }
    if (!make) return -1;
    if (list === undefined) {
      list = [];
      this.aliases.set(first, list);
    }
    const slot = this.make(key, value);
    list.push(key, slot);
    return slot;
  }

  private make(key: number, value: unknown): number {
    const slot = this.values.length;
    this.keys = grown(this.keys, slot + 1);
    this.keys[slot] = key;
    this.values.push(value);
    return slot;
  }
}
