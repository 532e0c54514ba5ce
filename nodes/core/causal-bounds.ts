// What causal metadata from outside a replica (a client's context, a peer's state) may hold, and
// the pruning that keeps every state inside the same bounds, so that whatever a read returns is
// always accepted back as a write's context. An actor must be a start of a node the replica
// knows (start-id.ts) or already appear in the key's state; a vector names at most ACTORS_MAX
// actors; a counter is at most COUNTER_MAX (a writer whose next dot would pass it starts a fresh
// actor instead). A forged context can then neither grow a key without bound nor make a read's
// context unacceptable; it can still claim to have seen writes it did not (no client can be
// stopped from that), which only discards siblings, as a real stale client's context would.
import type { NodeId } from "./replica.js";
import { compareStarts } from "./start-id.js";
import type { VersionVector } from "./version-vector.js";

/** Actors one vector (a context, the clock of a state) may name. 256 starts of 64-character
 * node ids still encode to a context well under CONTEXT_LENGTH_MAX (context-codec.ts). */
export const ACTORS_MAX = 256;
/** Far more writes than one start of a node makes to one key; safe integers stay safe after +1. */
export const COUNTER_MAX = 2 ** 48;

/** Whether an actor may appear in a key's metadata at this replica. */
export type ActorCheck = (actor: NodeId) => boolean;

/** Checks a version vector from outside; throws an Error naming the first entry out of bounds. */
export function vetVersionVector(vv: VersionVector, known: ActorCheck): VersionVector {
  const actors = Object.keys(vv);
  if (actors.length > ACTORS_MAX) {
    throw new Error(`it names ${actors.length} actors, at most ${ACTORS_MAX} allowed`);
  }
  for (const actor of actors) vetEntry(actor, vv[actor]!, known);
  return vv;
}

/** Checks one (actor, counter) entry from outside. */
export function vetEntry(actor: NodeId, counter: number, known: ActorCheck): void {
  if (!known(actor)) {
    throw new Error(
      `actor ${clip(actor)} is no start of a node of this cluster (use the context of a read)`,
    );
  }
  if (counter > COUNTER_MAX) {
    throw new Error(`actor ${clip(actor)} has counter ${counter}, at most ${COUNTER_MAX} allowed`);
  }
}

/** The `count` actors to drop first when a vector has too many: the oldest starts, whose
 * writes every replica has most likely seen long ago. */
export function actorsToPrune(actors: readonly NodeId[], count: number): Set<NodeId> {
  return new Set([...actors].sort(compareStarts).slice(0, Math.max(0, count)));
}

function clip(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}
