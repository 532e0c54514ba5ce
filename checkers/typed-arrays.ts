// Typed-array columns that grow as a pass fills them: the checkers' per-op and per-value state
// lives in these instead of objects, so a million-op history costs a few flat buffers.

export type Column = Int32Array | Float64Array | Uint8Array;

/** `array` with room for at least `length` entries (doubling), its contents kept. */
export function grown<T extends Column>(array: T, length: number): T {
  if (length <= array.length) return array;
  const bigger = new (array.constructor as new (n: number) => T)(
    Math.max(length, array.length * 2, 16),
  );
  bigger.set(array);
  return bigger;
}
