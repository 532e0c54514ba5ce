// The anti-entropy summary of a replica's keys: each key's state fingerprint and BUCKET_COUNT
// buckets (chosen by a hash of the key) each holding the XOR of its keys' (key, fingerprint)
// entries. A changed key is only marked; its fingerprint is computed when a summary or digest
// is next asked for, so a key written a hundred times between two exchanges is hashed once.
// Two replicas compare the buckets first and exchange per-key digests only for the buckets that
// differ: an exchange costs O(buckets + keys in the differing buckets), not O(every key), and
// equal buckets mean equal keys (up to a 53-bit hash).
import { textFingerprint } from "./state-fingerprint.js";

export const BUCKET_COUNT = 1024;
const TWO_POW_32 = 4294967296;

interface Entry {
  fingerprint: number;
  /** The key's own hash, in two 32-bit halves (the bucket is the low bits of `keyLo`). */
  keyLo: number;
  keyHi: number;
}

export class DigestBuckets {
  private readonly entries = new Map<string, Entry>();
  /** Keys changed since their fingerprint was last computed. */
  private readonly dirty = new Set<string>();
  private readonly lo = new Uint32Array(BUCKET_COUNT);
  /** The high 21 bits of each bucket's hash (a bucket is a 53-bit number, exact in JSON). */
  private readonly hi = new Uint32Array(BUCKET_COUNT);
  private readonly keys: string[][] = Array.from({ length: BUCKET_COUNT }, () => []);
  /** The summary of the buckets as they are, once asked for. */
  private made: number[] | undefined;

  /** `fingerprintOf(key)`: the fingerprint of the key's current state. */
  constructor(private readonly fingerprintOf: (key: string) => number) {}

  fingerprint(key: string): number | undefined {
    this.refresh();
    return this.entries.get(key)?.fingerprint;
  }

  /** `key` changed: its fingerprint is recomputed before the next summary or digest. */
  touch(key: string): void {
    this.dirty.add(key);
  }

  private refresh(): void {
    if (this.dirty.size === 0) return;
    for (const key of this.dirty) this.set(key, this.fingerprintOf(key));
    this.dirty.clear();
  }

  /** Records the fingerprint of `key`'s new state. */
  set(key: string, fingerprint: number): void {
    let entry = this.entries.get(key);
    if (entry === undefined) {
      const h = textFingerprint(key);
      entry = { fingerprint, keyLo: h >>> 0, keyHi: Math.floor(h / TWO_POW_32) };
      this.entries.set(key, entry);
      this.keys[entry.keyLo % BUCKET_COUNT]!.push(key);
    } else {
      if (entry.fingerprint === fingerprint) return;
      this.toggle(entry);
      entry.fingerprint = fingerprint;
    }
    this.toggle(entry);
  }

  /** One number per bucket (0 for an empty one): what a peer compares with its own. The same
   * array until a bucket changes (a summary is never changed once made). */
  summary(): number[] {
    this.refresh();
    if (this.made !== undefined) return this.made;
    const out = new Array<number>(BUCKET_COUNT);
    for (let b = 0; b < BUCKET_COUNT; b++) out[b] = this.hi[b]! * TWO_POW_32 + this.lo[b]!;
    this.made = out;
    return out;
  }

  /** The buckets where a peer's summary differs from this one; throws on a malformed summary. */
  differing(summary: unknown): number[] {
    if (!Array.isArray(summary) || summary.length !== BUCKET_COUNT) {
      throw new Error(`a summary is an array of ${BUCKET_COUNT} numbers`);
    }
    this.refresh();
    const out: number[] = [];
    for (let b = 0; b < BUCKET_COUNT; b++) {
      if (summary[b] !== this.hi[b]! * TWO_POW_32 + this.lo[b]!) out.push(b);
    }
    return out;
  }

  /** The keys in these buckets; throws on anything but bucket numbers. */
  keysIn(buckets: unknown): string[] {
    if (!Array.isArray(buckets)) throw new Error("buckets must be an array");
    this.refresh();
    const out: string[] = [];
    for (const b of buckets) {
      if (!Number.isInteger(b) || b < 0 || b >= BUCKET_COUNT) throw new Error(`bad bucket ${b}`);
      for (const key of this.keys[b]!) out.push(key);
    }
    return out;
  }

  /** Key → fingerprint for the keys in these buckets (a per-key digest). */
  digestOf(buckets: readonly number[]): Record<string, number> {
    const digest: Record<string, number> = {};
    for (const key of this.keysIn(buckets)) digest[key] = this.entries.get(key)!.fingerprint;
    return digest;
  }

  /** XORs the entry's mix of key and fingerprint into (or out of) its bucket. */
  private toggle(entry: Entry): void {
    const f = entry.fingerprint;
    const fLo = f >>> 0;
    const fHi = Math.floor(f / TWO_POW_32);
    let x = Math.imul(fLo ^ entry.keyLo, 0x85ebca6b);
    x ^= x >>> 13;
    let y = Math.imul(fHi ^ entry.keyHi ^ x, 0xc2b2ae35);
    y ^= y >>> 16;
    x = Math.imul(x ^ y, 0x27d4eb2f);
    x ^= x >>> 15;
    const b = entry.keyLo % BUCKET_COUNT;
    this.made = undefined;
    this.lo[b] = this.lo[b]! ^ x;
    this.hi[b] = this.hi[b]! ^ (y & 0x1fffff);
  }
}
