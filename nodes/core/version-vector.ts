// Version vectors: a counter per actor, the summary of a causal past. Immutable plain objects
// (JSON as they are) with zero entries left out, so equal pasts have equal encodings.
// `descends(a, b)`: a has seen everything b has; `concurrent`: neither has.
import type { NodeId } from "./replica.js";

export type VersionVector = Readonly<Record<NodeId, number>>;

export type Order = "equal" | "before" | "after" | "concurrent";

export function vvGet(vv: VersionVector, actor: NodeId): number {
  return Object.hasOwn(vv, actor) ? (vv[actor] ?? 0) : 0;
}

type Entry = readonly [NodeId, number];

/** Builds a vector from entries, dropping zeros and sorting actors (a canonical form). */
export function vvFrom(entries: Iterable<Entry>): VersionVector {
  const list: readonly Entry[] = Array.isArray(entries) ? entries : [...entries];
  // Entries taken from a vector or a DVVSet are canonical already (the hot case): no copy.
  const sorted = isCanonical(list) ? list : list.filter(([, n]) => n > 0).sort(byActor);
  // Plain assignment builds the object several times faster than Object.fromEntries; only an
  // actor named "__proto__" needs fromEntries' own-property definition.
  const out: Record<NodeId, number> = {};
  for (const [actor, n] of sorted) {
    if (actor === "__proto__") return Object.fromEntries(sorted);
    out[actor] = n;
  }
  return out;
}

/** Actors strictly ascending (so each once), every counter above zero. */
function isCanonical(list: readonly Entry[]): boolean {
  for (let i = 0; i < list.length; i++) {
    const [actor, n] = list[i]!;
    if (!(n > 0) || (i > 0 && !(list[i - 1]![0] < actor))) return false;
  }
  return true;
}

function byActor([a]: Entry, [b]: Entry): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** True when `a` has seen every event `b` has (a ≥ b). */
export function descends(a: VersionVector, b: VersionVector): boolean {
  for (const [actor, n] of Object.entries(b)) if (vvGet(a, actor) < n) return false;
  return true;
}

export function compare(a: VersionVector, b: VersionVector): Order {
  const ab = descends(a, b);
  const ba = descends(b, a);
  if (ab && ba) return "equal";
  if (ab) return "after";
  if (ba) return "before";
  return "concurrent";
}

export function concurrent(a: VersionVector, b: VersionVector): boolean {
  return compare(a, b) === "concurrent";
}

/** The least vector that descends both: the entrywise maximum. */
export function merge(a: VersionVector, b: VersionVector): VersionVector {
  const out = new Map(Object.entries(a));
  for (const [actor, n] of Object.entries(b)) out.set(actor, Math.max(out.get(actor) ?? 0, n));
  return vvFrom(out);
}

/** Returns `vv` with `actor`'s counter set to `n`. */
export function vvSet(vv: VersionVector, actor: NodeId, n: number): VersionVector {
  return vvFrom([...Object.entries(vv).filter(([a]) => a !== actor), [actor, n]]);
}

/** Bounds `vv` to `max` actors, dropping those `pick` chooses. */
export function pruneVv(
  vv: VersionVector,
  max: number,
  pick: (actors: NodeId[], count: number) => ReadonlySet<NodeId>,
): VersionVector {
  const actors = Object.keys(vv);
  if (actors.length <= max) return vv;
  const drop = pick(actors, actors.length - max);
  return vvFrom(Object.entries(vv).filter(([a]) => !drop.has(a)));
}

/** Reads a version vector from untrusted JSON; throws an Error naming the bad entry. */
export function parseVersionVector(json: unknown): VersionVector {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new Error(
      `a version vector must be an object of actor → counter, got ${JSON.stringify(json)}`,
    );
  }
  const entries: [NodeId, number][] = [];
  for (const [actor, n] of Object.entries(json)) {
    if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
      throw new Error(
        `version vector entry "${actor}" must be a non-negative integer, got ${JSON.stringify(n)}`,
      );
    }
    entries.push([actor, n]);
  }
  return vvFrom(entries);
}
