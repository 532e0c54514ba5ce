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

/** Nesting depth of a JSON value (a scalar is 0); stops counting past the limit, so the recursion
 * is never deeper than VALUE_DEPTH_MAX + 1 whatever the value. Scalars are never visited one by
 * one: a cart of a thousand numbers is one pass over its array. */
export function jsonDepth(value: unknown): number {
  return depthBelow(value, 0);
}

function depthBelow(v: unknown, depth: number): number {
  if (typeof v !== "object" || v === null) return depth;
  let max = depth + 1;
  if (max > VALUE_DEPTH_MAX) return max;
  const children = Array.isArray(v) ? v : Object.values(v);
  for (const child of children) {
    if (typeof child !== "object" || child === null) continue;
    const below = depthBelow(child, depth + 1);
    if (below > max) max = below;
    if (max > VALUE_DEPTH_MAX) return max;
  }
  return max;
}
