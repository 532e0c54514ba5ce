// A 53-bit hash of a key's state (cyrb53 over its canonical JSON), so anti-entropy can compare
// replicas by digest and ship only the keys that differ. States are built in canonical form
// (sorted entries), so equal states always hash equally. States are never changed in place (a
// change is a new state), so each object is hashed once.

/** Fingerprints of the states lately hashed: a state is immutable, and the replicas of a key
 * mostly hold the very same object (a peer's copy that changed nothing is not a new one). */
const fingerprints = new WeakMap<object, number>();

export function stateFingerprint(state: unknown): number {
  if (typeof state !== "object" || state === null) return textFingerprint(JSON.stringify(state));
  let fingerprint = fingerprints.get(state);
  if (fingerprint === undefined) {
    fingerprint = textFingerprint(JSON.stringify(state));
    fingerprints.set(state, fingerprint);
  }
  return fingerprint;
}

/** cyrb53 of a string: for a state's JSON text already at hand, or a key. */
export function textFingerprint(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
