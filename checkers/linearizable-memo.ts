// The memo of a linearizability search (Lowe's): the configurations (linearized set, state)
// explored so far, in a chained hash table of typed arrays (no object or bitset clone per entry,
// so no garbage). The linearized ok set is stored as a window: every ok slot below `low` (the
// first unplaced one) is placed, and the placed ones above it are concurrent with it, so the set
// is `low` plus the words from low to `high` (the last placed): about as wide as the
// concurrency, not the history. Info sets are stored whole, for subsumption: a configuration
// with the same ok set and state and a SUBSET of the info ops used does at least as much.

export interface Configuration {
  /** Zobrist hashes of the ok set (and of the info set when it is compared exactly). The sets'
   * arrays may be longer than the search needs (the memo reads the words it was told of). */
  hashA: number;
  hashB: number;
  stateId: number;
  low: number;
  high: number;
  okBits: Int32Array;
  infoBits: Int32Array;
}

const INITIAL_CAPACITY = 64;
/** A memo reused by the next search keeps its arrays up to this many entries (small parts are
 * most parts: allocating typed arrays costs more than searching them). */
const KEPT_CAPACITY_MAX = 1 << 14;
// An entry's fields, side by side in one array (one cache line holds two entries): the hashes,
// the state, the window's low slot and length in words, the window itself (its one word, or
// where it starts in okArena when longer) and the next entry in the bucket.
const STRIDE = 8;
const HASH_A = 0;
const HASH_B = 1;
const STATE = 2;
const LOW = 3;
const LENGTH = 4;
const WINDOW = 5;
const CHAIN = 6;

export class ConfigurationMemo {
  entries = 0;
  private capacity = INITIAL_CAPACITY;
  /** Each bucket's first entry and epoch, side by side: the entry is valid when the epoch is this
   * search's, so a reset clears nothing. */
  private heads = new Int32Array(INITIAL_CAPACITY * 2);
  private epoch = 1;
  private fields = new Int32Array(INITIAL_CAPACITY * STRIDE);
  private okArena = new Int32Array(INITIAL_CAPACITY);
  private okArenaUsed = 0;
  private infoArena = new Int32Array(0);
  /** Words of an info set (0 when the search has no info ops). */
  private infoWords = 0;
  /** Compare info sets for equality (Porcupine's memo), not subsumption. */
  private exactInfo = false;

  /** Empties the memo for a new search, keeping its arrays when they are small. */
  reset(infoWords: number, exactInfo: boolean): void {
    if (this.capacity > KEPT_CAPACITY_MAX || this.infoArena.length > KEPT_CAPACITY_MAX * 4) {
      this.capacity = INITIAL_CAPACITY;
      this.heads = new Int32Array(INITIAL_CAPACITY * 2);
      this.fields = new Int32Array(INITIAL_CAPACITY * STRIDE);
      this.infoArena = new Int32Array(0);
    }
    if (this.okArena.length > KEPT_CAPACITY_MAX) this.okArena = new Int32Array(INITIAL_CAPACITY);
    if (++this.epoch === 0x7fffffff) {
      this.heads.fill(0);
      this.epoch = 1;
    }
    this.entries = 0;
    this.okArenaUsed = 0;
    this.infoWords = infoWords;
    this.exactInfo = exactInfo;
    if (this.infoArena.length < this.capacity * infoWords) {
      this.infoArena = new Int32Array(this.capacity * infoWords);
    }
  }

  get bytes(): number {
    return (this.okArena.length + this.infoArena.length + this.capacity * (STRIDE + 2)) * 4;
  }

  /** Records the configuration; false when it (or one that subsumes it) was seen already. */
  remember(c: Configuration): boolean {
    const ha = c.hashA ^ Math.imul(c.stateId + 1, 0x9e3779b1);
    const hb = c.hashB ^ Math.imul(c.stateId + 1, 0x85ebca6b);
    const first = c.low >>> 5;
    const length = c.high >= c.low ? (c.high >>> 5) - first + 1 : 0;
    const fields = this.fields;
    let supersededEntry = -1;
    for (let e = this.head(ha & (this.capacity - 1)); e >= 0; e = fields[e * STRIDE + CHAIN]!) {
      const f = e * STRIDE;
      if (
        fields[f + HASH_A] !== ha ||
        fields[f + HASH_B] !== hb ||
        fields[f + STATE] !== c.stateId ||
        fields[f + LOW] !== c.low ||
        fields[f + LENGTH] !== length ||
        !this.sameWindow(f, c.okBits, first, length)
      ) {
        continue;
      }
      if (this.infoWords === 0) return false;
      const relation = this.infoRelation(e, c.infoBits);
      if (this.exactInfo ? relation === SAME : relation === SAME || relation === SUBSET) {
        return false;
      }
      if (!this.exactInfo && relation === SUPERSET && supersededEntry < 0) supersededEntry = e;
    }
    if (supersededEntry >= 0) {
      // This configuration subsumes a seen one (and none subsumes it): it takes its place.
      this.storeInfo(supersededEntry, c.infoBits);
      return true;
    }
    this.add(ha, hb, c, first, length);
    return true;
  }

  private sameWindow(f: number, okBits: Int32Array, first: number, length: number): boolean {
    if (length <= 1) return length === 0 || this.fields[f + WINDOW] === okBits[first];
    const o = this.fields[f + WINDOW]!;
    for (let w = 0; w < length; w++) if (this.okArena[o + w] !== okBits[first + w]) return false;
    return true;
  }

  /** How entry e's info set relates to `now`: SAME, SUBSET (of now), SUPERSET or OTHER. */
  private infoRelation(e: number, now: Int32Array): number {
    let subset = true;
    let superset = true;
    for (let w = 0, o = e * this.infoWords; w < this.infoWords; w++) {
      const seen = this.infoArena[o + w]!;
      const current = now[w]!;
      if ((seen & ~current) !== 0) subset = false;
      if ((current & ~seen) !== 0) superset = false;
    }
    return subset ? (superset ? SAME : SUBSET) : superset ? SUPERSET : OTHER;
  }

  private add(ha: number, hb: number, c: Configuration, first: number, length: number): void {
    if (this.entries === this.capacity) this.grow();
    const e = this.entries++;
    const f = e * STRIDE;
    const fields = this.fields;
    fields[f + HASH_A] = ha;
    fields[f + HASH_B] = hb;
    fields[f + STATE] = c.stateId;
    fields[f + LOW] = c.low;
    fields[f + LENGTH] = length;
    fields[f + WINDOW] =
      length === 1 ? c.okBits[first]! : this.storeWindow(c.okBits, first, length);
    this.storeInfo(e, c.infoBits);
    const h = ha & (this.capacity - 1);
    fields[f + CHAIN] = this.head(h);
    this.heads[2 * h] = e;
    this.heads[2 * h + 1] = this.epoch;
  }

  /** Copies the info set (its first infoWords words) as entry e's. */
  private storeInfo(e: number, infoBits: Int32Array): void {
    for (let w = 0, o = e * this.infoWords; w < this.infoWords; w++)
      this.infoArena[o + w] = infoBits[w]!;
  }

  /** Copies a window of two words or more into okArena; where it starts. */
  private storeWindow(okBits: Int32Array, first: number, length: number): number {
    const at = this.okArenaUsed;
    if (at + length > this.okArena.length) {
      this.okArena = widen(this.okArena, Math.max(this.okArena.length * 2, at + length), at);
    }
    for (let w = 0; w < length; w++) this.okArena[at + w] = okBits[first + w]!;
    this.okArenaUsed = at + length;
    return at;
  }

  /** The first entry of bucket h, or -1. */
  private head(h: number): number {
    return this.heads[2 * h + 1] === this.epoch ? this.heads[2 * h]! : -1;
  }

  private grow(): void {
    const bigger = this.capacity * 2;
    const used = this.entries;
    this.fields = widen(this.fields, bigger * STRIDE, used * STRIDE);
    this.infoArena = widen(this.infoArena, bigger * this.infoWords, used * this.infoWords);
    this.heads = new Int32Array(bigger * 2);
    const mask = bigger - 1;
    for (let e = 0; e < used; e++) {
      const h = this.fields[e * STRIDE + HASH_A]! & mask;
      this.fields[e * STRIDE + CHAIN] = this.head(h);
      this.heads[2 * h] = e;
      this.heads[2 * h + 1] = this.epoch;
    }
    this.capacity = bigger;
  }
}

const SAME = 0;
const SUBSET = 1;
const SUPERSET = 2;
const OTHER = 3;

/** A bigger copy of the first `used` words of a. */
function widen(a: Int32Array, size: number, used: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(size);
  b.set(a.subarray(0, used));
  return b;
}
