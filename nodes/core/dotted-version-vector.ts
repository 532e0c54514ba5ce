// Dotted version vector sets (DVVSet; Preguiça, Baquero et al., as in Riak 2.x): the siblings of
// one key with their causal history. One entry per actor: its counter n and the values of its
// newest dots n, n-1, … (newest first); the clock (`join`) is actor → n. A write with a client
// context discards exactly the siblings that context covers; `sync` keeps a sibling unless the
// other side's clock covers its dot without holding it; an actor's counter only ever grows.
import type { Json, NodeId } from "./replica.js";
import { type VersionVector, vvFrom, vvGet } from "./version-vector.js";

/** [actor, counter, values of dots counter, counter-1, … newest first]. */
export type DvvEntry = readonly [actor: NodeId, counter: number, values: readonly Json[]];
/** Entries sorted by actor: a canonical form, so equal states serialize equally. */
export type DvvSet = readonly DvvEntry[];

export const emptyDvvSet: DvvSet = [];

/** The causal past of the set: the context a read returns. */
export function join(set: DvvSet): VersionVector {
  // An entry's first two fields are its clock entry (vvFrom reads no further).
  return vvFrom(set as unknown as readonly (readonly [NodeId, number])[]);
}

export interface Dot {
  actor: NodeId;
  counter: number;
}

/** The siblings with their dots, oldest first within an actor, actors in order. */
export function siblings(set: DvvSet): { dot: Dot; value: Json }[] {
  return set.flatMap(([actor, n, values]) =>
    values.map((value, i) => ({ dot: { actor, counter: n - i }, value })).reverse(),
  );
}

/** The sibling values in the order of `siblings` (without building their dots: every read
 * asks for them). */
export function values(set: DvvSet): Json[] {
  const out: Json[] = [];
  for (const [, , vs] of set) for (let i = vs.length - 1; i >= 0; i--) out.push(vs[i]!);
  return out;
}

/** Merges two replicas of a key (commutative, associative, idempotent). When `b` adds nothing
 * to `a` (a peer's copy of a state already here), the result is `a` itself: the replica then
 * sees at a glance that nothing changed, and what it remembers of `a` still holds. */
export function sync(a: DvvSet, b: DvvSet): DvvSet {
  const out: DvvEntry[] = [];
  let unchanged = true;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const ea = a[i];
    const eb = b[j];
    let entry: DvvEntry;
    if (eb === undefined || (ea !== undefined && ea[0] < eb[0])) {
      entry = ea!;
      i++;
    } else if (ea === undefined || eb[0] < ea[0]) {
      entry = eb;
      j++;
    } else {
      entry = mergeEntry(ea, eb);
      i++;
      j++;
    }
    unchanged &&= entry === a[out.length];
    out.push(entry);
  }
  return unchanged && out.length === a.length ? a : out;
}

// Values of one actor are its newest dots; a side that has moved past a dot without keeping it
// (its oldest kept dot is above it) saw it overwritten, so the merge keeps only dots above the
// higher of the two "discarded up to" marks, up to the higher counter.
function mergeEntry(a: DvvEntry, b: DvvEntry): DvvEntry {
  const [hi, lo] = a[1] >= b[1] ? [a, b] : [b, a];
  const [actor, nHi, vHi] = hi;
  const [, nLo, vLo] = lo;
  if (nHi - vHi.length >= nLo - vLo.length) return hi;
  return [actor, nHi, vHi.slice(0, nHi - nLo + vLo.length)];
}

/**
 * A client write of `value` at `actor` with the client's `context` (the join of what it read):
 * the siblings the context covers are discarded, the others stay as siblings, and the new value
 * gets the dot (actor, max(local, context) + 1), so an actor never reuses a counter.
 */
export function update(set: DvvSet, context: VersionVector, actor: NodeId, value: Json): DvvSet {
  const byActor = new Map<NodeId, DvvEntry>();
  for (const [a, n, vs] of set) {
    const seen = vvGet(context, a);
    byActor.set(a, [a, Math.max(n, seen), vs.slice(0, Math.max(0, n - seen))]);
  }
  for (const [a, seen] of Object.entries(context))
    if (!byActor.has(a)) byActor.set(a, [a, seen, []]);
  const [, n, vs] = byActor.get(actor) ?? [actor, 0, []];
  byActor.set(actor, [actor, n + 1, [value, ...vs]]);
  const out = [...byActor.values()];
  // Most often every actor was in the set already: its order holds, and there is nothing to sort.
  return ascending(out) ? out : out.sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
}

function ascending(entries: readonly DvvEntry[]): boolean {
  for (let i = 1; i < entries.length; i++) if (!(entries[i - 1]![0] < entries[i]![0])) return false;
  return true;
}

/** The counter of `actor` in the set (0 if it has no entry). */
export function counterOf(set: DvvSet, actor: NodeId): number {
  return set.find(([a]) => a === actor)?.[1] ?? 0;
}

/**
 * Bounds the set to `max` entries by dropping entries that hold no value (the actors `pick`
 * chooses): only the causal past they summarize is lost, never a sibling. A replica that still
 * holds an older value of a dropped actor may bring it back as a sibling; pruning only starts
 * past a bound that real histories stay far below.
 */
export function prune(
  set: DvvSet,
  max: number,
  pick: (actors: NodeId[], count: number) => ReadonlySet<NodeId>,
): DvvSet {
  if (set.length <= max) return set;
  const empty = set.filter(([, , vs]) => vs.length === 0).map(([a]) => a);
  const drop = pick(empty, set.length - max);
  return set.filter(([a]) => !drop.has(a));
}

/** Reads a DVVSet from a peer's JSON; throws on a malformed one. */
export function parseDvvSet(json: unknown): DvvSet {
  if (!Array.isArray(json)) throw new Error("a DVVSet must be an array of entries");
  let previous: string | undefined;
  for (const entry of json) {
    const ok =
      Array.isArray(entry) &&
      entry.length === 3 &&
      typeof entry[0] === "string" &&
      Number.isSafeInteger(entry[1]) &&
      Array.isArray(entry[2]) &&
      entry[2].length <= entry[1] &&
      (previous === undefined || previous < entry[0]);
    if (!ok) throw new Error(`bad DVVSet entry ${JSON.stringify(entry)}`);
    previous = entry[0];
  }
  return json as DvvSet;
}
