// The sim runtime's one source of randomness (message and request delays, tick phases): a
// splitmix32 stream seeded from the run's seed and a purpose, so each purpose draws its own
// sequence and a run replays exactly from its seed.

export class SimRandom {
  #state: number;

  constructor(seed: number, purpose: string) {
    let h = Math.trunc(seed) >>> 0;
    for (let i = 0; i < purpose.length; i++) h = Math.imul(h ^ purpose.charCodeAt(i), 0x9e3779b1);
    this.#state = h >>> 0;
  }

  /** A number in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x9e3779b9) >>> 0;
    let z = this.#state;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return ((z ^ (z >>> 15)) >>> 0) / 4294967296;
  }

  /** A number in [min, min + spread). */
  between(min: number, spread: number): number {
    return min + this.next() * spread;
  }
}
