// The sim runtime's randomness (message and request delays, tick phases), from the run's seed.
// Each draw is a hash of the seed, a purpose, what it is for (a link, a node) and when (the
// instant, and its rank among the draws for the same thing at that instant) — not the next
// number of one stream — so a run replays exactly from its seed, and a run with some ops removed
// (the shrinker's candidates) draws the same delays for everything that still happens alike.

/** murmur3's 32-bit finalizer. */
function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function hashText(seed: number, text: string): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return mix(h);
}

interface Subject {
  hash: number;
  lastAtMs: number;
  rank: number;
}

export class SimRandom {
  readonly #seed: number;
  readonly #subjects = new Map<string, Subject>();

  constructor(seed: number, purpose: string) {
    this.#seed = hashText(Math.trunc(seed), purpose);
  }

  /** A number in [0, 1) for `subject` (e.g. "n1>n2") at `atMs`. */
  draw(subject: string, atMs: number): number {
    let s = this.#subjects.get(subject);
    if (s === undefined) {
      s = { hash: hashText(this.#seed, subject), lastAtMs: Number.NaN, rank: 0 };
      this.#subjects.set(subject, s);
    }
    s.rank = atMs === s.lastAtMs ? s.rank + 1 : 0;
    s.lastAtMs = atMs;
    // The instant to the nanosecond, in two 32-bit halves.
    const ns = Math.round(atMs * 1e6);
    let h = mix(s.hash ^ (ns >>> 0));
    h = mix(h ^ Math.floor(ns / 4294967296));
    h = mix(h ^ s.rank);
    return h / 4294967296;
  }

  /** A number in [min, min + spread). */
  between(subject: string, atMs: number, min: number, spread: number): number {
    return min + this.draw(subject, atMs) * spread;
  }
}
