// How checkers read values out of ops: a read's value is a list of siblings (register: each a
// value; cart: each an array of items), and values are compared by identity: primitives as they
// are, anything else by canonical JSON (object keys sorted), so [1,2] read twice is one value.
import type { Op } from "./history.js";

/** A Map/Set key for a JSON value: primitives stay themselves (1 and "1" differ). */
export type ValueId = number | string | boolean | null;

const JSON_TAG = "\u0000json:";

export function valueId(value: unknown): ValueId {
  if (value === null || typeof value === "number" || typeof value === "boolean") return value;
  if (typeof value === "string")
    return value.startsWith(JSON_TAG) ? JSON_TAG + JSON.stringify(value) : value;
  return JSON_TAG + canonicalJson(value);
}

/** The value a ValueId names (the inverse of valueId, up to object key order). */
export function valueFromId(id: ValueId): unknown {
  return typeof id === "string" && id.startsWith(JSON_TAG)
    ? JSON.parse(id.slice(JSON_TAG.length))
    : id;
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** The siblings a completed read returned; a value that is not a list is a broken history. */
export function siblingsOf(op: Op): unknown[] {
  if (!Array.isArray(op.value)) {
    throw new Error(
      `history op ${op.index}: ${op.f} value must be a list of siblings, got ${JSON.stringify(op.value)}`,
    );
  }
  return op.value;
}

/** The items of one cart sibling (an array of items). */
export function itemsOf(sibling: unknown, op: Op): unknown[] {
  if (!Array.isArray(sibling)) {
    throw new Error(
      `history op ${op.index}: ${op.f} sibling must be an array of items, got ${JSON.stringify(sibling)}`,
    );
  }
  return sibling;
}

/** The value an acknowledged write/cas/add puts in the store (a cas's value is [FROM, TO]). */
export function writtenValue(op: Op): unknown {
  if (op.f === "cas") {
    if (!Array.isArray(op.value) || op.value.length !== 2) {
      throw new Error(
        `history op ${op.index}: cas value must be [FROM, TO], got ${JSON.stringify(op.value)}`,
      );
    }
    return op.value[1];
  }
  return op.value;
}
