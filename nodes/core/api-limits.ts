// Limits on what a client or a peer may put into the store, shared by the HTTP shell (client
// requests) and the cores (peer messages), so both refuse the same things.

/** Longest key, in UTF-16 code units. */
export const KEY_LENGTH_MAX = 1024;
/** Nesting depth allowed in a value: deeper values could overflow the stack of JSON.stringify. */
export const VALUE_DEPTH_MAX = 64;

/** Why `key` is no valid key, or undefined. */
export function keyProblem(key: unknown): string | undefined {
  if (typeof key !== "string") return `a key must be a string, got ${typeof key}`;
  if (key === "") return "a key must not be empty";
  if (key.length > KEY_LENGTH_MAX)
    return `a key is at most ${KEY_LENGTH_MAX} characters, got ${key.length}`;
  return undefined;
}

/** Nesting depth of a JSON value (a scalar is 0), without recursion; stops counting past the limit. */
export function jsonDepth(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (typeof v !== "object" || v === null) continue;
    if (d + 1 > max) max = d + 1;
    if (max > VALUE_DEPTH_MAX) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}
