// The core's only source of randomness: a small PRNG (mulberry32) seeded from config.seed and
// the node id, so each node draws its own sequence and a run replays exactly from its seed.

export function seededRandom(seed: number, salt: string): () => number {
  let state = (Math.trunc(seed) ^ fingerprint32(salt)) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a over UTF-16 code units. */
function fingerprint32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
