// How a leaderless replica stores one key under each strategy: a state that merges as a join
// semilattice (commutative, associative, idempotent, so replicas converge whatever the order of
// delivery), a client write against a context, and the values and context a read returns.
// Metadata from outside (contexts, peers' states) is vetted against causal-bounds.ts, and every
// state a write or a merge makes is kept inside those bounds: a read's context is always a valid
// write context.
import { jsonDepth, VALUE_DEPTH_MAX } from "./api-limits.js";
import {
  ACTORS_MAX,
  type ActorCheck,
  actorsToPrune,
  COUNTER_MAX,
  vetEntry,
  vetVersionVector,
} from "./causal-bounds.js";
import { CONTEXT_LENGTH_MAX, type Decoded, decodeContext, encodeContext } from "./context-codec.js";
import {
  counterOf,
  type DvvSet,
  emptyDvvSet,
  join,
  parseDvvSet,
  prune,
  sync,
  update,
  values,
} from "./dotted-version-vector.js";
import { jsonEqual } from "./json-equal.js";
import type { Json, NodeId, Strategy } from "./replica.js";
import {
  descends,
  merge,
  parseVersionVector,
  pruneVv,
  type VersionVector,
  vvGet,
  vvSet,
} from "./version-vector.js";

export type WriteOutcome<S> =
  | { kind: "ok"; state: S }
  | { kind: "stale" }
  | { kind: "bad-context"; detail: string }
  /** `actor`'s next dot would pass COUNTER_MAX: write again as a fresh actor. */
  | { kind: "exhausted" };

// States are JSON (they travel in messages and log records) but typed precisely here.
export interface LeaderlessStrategy<S> {
  /**
   * A client write at `actor`; `context` is the client's opaque string, if it sent one, and
   * `known` vets the actors it names.
   */
  write(
    local: S | undefined,
    context: string | undefined,
    value: Json,
    actor: NodeId,
    wallMs: number,
    known: ActorCheck,
  ): WriteOutcome<S>;
  merge(a: S, b: S): S;
  values(state: S | undefined): Json[];
  context(state: S | undefined): string;
  /** The actors a state names (its writers and its causal past). */
  actors(state: S): NodeId[];
  /** Reads a state from the replica's own log (it wrote it); throws on a malformed one. */
  parse(json: unknown): S;
  /** Reads a state from a peer: well-formed, its actors `known`, within causal-bounds.ts;
   * throws an Error naming what is wrong. */
  vet(json: unknown, known: ActorCheck): S;
}

const ok = <S>(state: S): WriteOutcome<S> => ({ kind: "ok", state });

function vetValue(value: Json): void {
  if (jsonDepth(value) > VALUE_DEPTH_MAX)
    throw new Error(`a value is nested more than ${VALUE_DEPTH_MAX} deep`);
}

const pruneDvv = (set: DvvSet): DvvSet => prune(set, ACTORS_MAX, actorsToPrune);

/** The context of each DVVSet lately read or written (states are immutable: a key read again
 * unchanged, or a peer's copy that changed nothing, is the same object). */
const dvvContexts = new WeakMap<DvvSet, string>();
/** The clock each context lately encoded or decoded stands for (what decoding its text gives:
 * a canonical vector survives the JSON round trip whole), so the context a client sends back is
 * not parsed again; its actors are still vetted on every write. Emptied when full. */
const dvvClocks = new Map<string, VersionVector>();
const DVV_CLOCKS_MAX = 4096;

function rememberClock(context: string, clock: VersionVector): void {
  if (dvvClocks.size >= DVV_CLOCKS_MAX) dvvClocks.clear();
  dvvClocks.set(context, clock);
}

function dvvContext(state: DvvSet): string {
  let context = dvvContexts.get(state);
  if (context === undefined) {
    const clock = join(state);
    context = encodeContext("dvv", clock);
    dvvContexts.set(state, context);
    rememberClock(context, clock);
  }
  return context;
}

/** A client's DVV context: its clock, the actors vetted (as decodeContext reports a bad one). */
function dvvClockOf(context: string, known: ActorCheck): Decoded<VersionVector> {
  let clock = context.length <= CONTEXT_LENGTH_MAX ? dvvClocks.get(context) : undefined;
  if (clock === undefined) {
    const decoded = decodeContext(context, "dvv", parseVersionVector);
    if (!decoded.ok) return decoded;
    clock = decoded.value;
    rememberClock(context, clock);
  }
  try {
    return { ok: true, value: vetVersionVector(clock, known) };
  } catch (error) {
    return { ok: false, detail: `bad context: ${(error as Error).message}` };
  }
}

/** Dotted version vectors: concurrent writes are all kept as siblings. */
export const siblingsStrategy: LeaderlessStrategy<DvvSet> = {
  write(local, context, value, actor, _wallMs, known) {
    const ctx =
      context === undefined ? { ok: true as const, value: {} } : dvvClockOf(context, known);
    if (!ctx.ok) return { kind: "bad-context", detail: ctx.detail };
    const set = local ?? emptyDvvSet;
    if (Math.max(counterOf(set, actor), vvGet(ctx.value, actor)) >= COUNTER_MAX)
      return { kind: "exhausted" };
    return ok(pruneDvv(update(set, ctx.value, actor, value)));
  },
  merge: (a, b) => pruneDvv(sync(a, b)),
  values: (state) => (state === undefined ? [] : values(state)),
  context: (state) => dvvContext(state ?? emptyDvvSet),
  actors: (state) => state.map(([actor]) => actor),
  parse: parseDvvSet,
  vet(json, known) {
    const set = parseDvvSet(json);
    if (set.length > ACTORS_MAX)
      throw new Error(`a state names ${set.length} actors, at most ${ACTORS_MAX} allowed`);
    for (const [actor, n, vs] of set) {
      vetEntry(actor, n, known);
      for (const v of vs) vetValue(v);
    }
    return set;
  },
};

/** A timestamped value: [wall-clock ms, writer, value]. */
export type Stamped = readonly [ms: number, node: NodeId, value: Json];

// A total order on stamped values: time, then writer, then the value itself, so that even two
// writes stamped alike (a clock set back) merge the same way on every replica.
function later(a: Stamped, b: Stamped): Stamped {
  if (a[0] !== b[0]) return a[0] > b[0] ? a : b;
  if (a[1] !== b[1]) return a[1] > b[1] ? a : b;
  // Alike stamps are most often one write met again (a peer's copy of it, a read repair): equal
  // texts keep `a`, and only texts that differ are written out to be compared.
  if (jsonEqual(a[2], b[2])) return a;
  return JSON.stringify(a[2]) >= JSON.stringify(b[2]) ? a : b;
}

function parseStamped(json: unknown): Stamped {
  if (
    !Array.isArray(json) ||
    json.length !== 3 ||
    !Number.isFinite(json[0]) ||
    typeof json[1] !== "string"
  ) {
    throw new Error(`bad stamped value ${JSON.stringify(json)}`);
  }
  return json as unknown as Stamped;
}

/**
 * Last write wins by the coordinator's wall clock (admin offset included), writer id breaking
 * ties. The context is ignored (but must be well-formed): a node whose clock runs behind loses
 * its writes to older ones, silently. That is the point of the strategy.
 */
export const lwwStrategy: LeaderlessStrategy<Stamped> = {
  write(local, context, value, actor, wallMs) {
    if (context !== undefined) {
      const ctx = decodeContext(context, "lww", (body) =>
        body === null ? null : parseStamp(body),
      );
      if (!ctx.ok) return { kind: "bad-context", detail: ctx.detail };
    }
    const mine: Stamped = [wallMs, actor, value];
    return { kind: "ok", state: local === undefined ? mine : later(local, mine) };
  },
  merge: later,
  values: (state) => (state === undefined ? [] : [state[2]]),
  context: (state) => encodeContext("lww", state === undefined ? null : [state[0], state[1]]),
  actors: (state) => [state[1]],
  parse: parseStamped,
  vet(json, known) {
    const stamped = parseStamped(json);
    if (stamped[0] < 0) throw new Error(`a stamp must not be negative, got ${stamped[0]}`);
    vetEntry(stamped[1], 0, known);
    vetValue(stamped[2]);
    return stamped;
  },
};

function parseStamp(json: unknown): [number, NodeId] {
  if (
    !Array.isArray(json) ||
    json.length !== 2 ||
    !Number.isFinite(json[0]) ||
    typeof json[1] !== "string"
  ) {
    throw new Error(`expected [ms, node], got ${JSON.stringify(json)}`);
  }
  return [json[0], json[1]];
}

/**
 * One value with a version vector, and a stamp that grows along causality (above the wall clock
 * and above every stamp the writer or the client has seen). A write must carry a context that
 * covers the local version, else it is stale (409). Replicas that accepted concurrent writes (a
 * partition) merge to the higher stamp: the other write is lost, which the harness shows.
 */
export interface Versioned {
  vv: VersionVector;
  ms: number;
  node: NodeId;
  value: Json;
}

function parseVersion(body: unknown): { vv: VersionVector; ms: number } {
  if (!Array.isArray(body) || body.length !== 2 || !Number.isFinite(body[1]) || body[1] < 0) {
    throw new Error(`expected [versionVector, ms ≥ 0], got ${JSON.stringify(body)}`);
  }
  return { vv: parseVersionVector(body[0]), ms: body[1] };
}

/** How far ahead of the writer's clock a context may push a stamp: beyond the ±10 years the
 * admin clock offset allows between two nodes. A stamp from further ahead is taken as this. */
export const STAMP_AHEAD_MS_MAX = 20 * 365 * 86_400_000;

const pruneVersions = (vv: VersionVector): VersionVector => pruneVv(vv, ACTORS_MAX, actorsToPrune);

export const rejectStrategy: LeaderlessStrategy<Versioned> = {
  write(local, context, value, actor, wallMs, known) {
    const ctx =
      context === undefined
        ? undefined
        : decodeContext(context, "vv", (body) => {
            const version = parseVersion(body);
            vetVersionVector(version.vv, known);
            return version;
          });
    if (ctx !== undefined && !ctx.ok) return { kind: "bad-context", detail: ctx.detail };
    const seen = ctx?.value ?? { vv: {}, ms: 0 };
    if (local !== undefined && (ctx === undefined || !descends(seen.vv, local.vv)))
      return { kind: "stale" };
    const vv = merge(local?.vv ?? {}, seen.vv);
    if (vvGet(vv, actor) >= COUNTER_MAX) return { kind: "exhausted" };
    // A forged stamp far in the future must not make every later write lose to it.
    const seenMs = Math.min(seen.ms, wallMs + STAMP_AHEAD_MS_MAX);
    return ok({
      vv: pruneVersions(vvSet(vv, actor, vvGet(vv, actor) + 1)),
      ms: Math.max(wallMs, (local?.ms ?? 0) + 1, seenMs + 1),
      node: actor,
      value,
    });
  },
  merge(a, b) {
    const wa: Stamped = [a.ms, a.node, a.value];
    const winner = later(wa, [b.ms, b.node, b.value]) === wa ? a : b;
    return { ...winner, vv: pruneVersions(merge(a.vv, b.vv)) };
  },
  values: (state) => (state === undefined ? [] : [state.value]),
  context: (state) => encodeContext("vv", [state?.vv ?? {}, state?.ms ?? 0]),
  actors: (state) => [...new Set([state.node, ...Object.keys(state.vv)])],
  vet(json, known) {
    const state = rejectStrategy.parse(json);
    if (state.ms < 0) throw new Error(`a stamp must not be negative, got ${state.ms}`);
    vetVersionVector(state.vv, known);
    vetEntry(state.node, 0, known);
    vetValue(state.value);
    return state;
  },
  parse(json) {
    const s = json as Versioned;
    if (
      typeof s !== "object" ||
      s === null ||
      !Number.isFinite(s.ms) ||
      typeof s.node !== "string" ||
      !("value" in s)
    ) {
      throw new Error(`bad versioned value ${JSON.stringify(json)}`);
    }
    return { vv: parseVersionVector(s.vv), ms: s.ms, node: s.node, value: s.value };
  },
};

export const leaderlessStrategies = {
  lww: lwwStrategy,
  reject: rejectStrategy,
  siblings: siblingsStrategy,
} satisfies Record<Strategy, unknown>;
