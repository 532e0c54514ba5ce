// How a leaderless replica stores one key under each strategy: a state that merges as a join
// semilattice (commutative, associative, idempotent, so replicas converge whatever the order of
// delivery), a client write against a context, and the values and context a read returns.
import { decodeContext, encodeContext } from "./context-codec.js";
import {
  type DvvSet,
  emptyDvvSet,
  join,
  parseDvvSet,
  sync,
  update,
  values,
} from "./dotted-version-vector.js";
import type { Json, NodeId, Strategy } from "./replica.js";
import {
  descends,
  merge,
  parseVersionVector,
  type VersionVector,
  vvGet,
  vvSet,
} from "./version-vector.js";

export type WriteOutcome<S> =
  | { kind: "ok"; state: S }
  | { kind: "stale" }
  | { kind: "bad-context"; detail: string };

// States are JSON (they travel in messages and log records) but typed precisely here.
export interface LeaderlessStrategy<S> {
  /** A client write at `actor`; `context` is the client's opaque string, if it sent one. */
  write(
    local: S | undefined,
    context: string | undefined,
    value: Json,
    actor: NodeId,
    wallMs: number,
  ): WriteOutcome<S>;
  merge(a: S, b: S): S;
  values(state: S | undefined): Json[];
  context(state: S | undefined): string;
  /** Reads a state from a peer's message; throws on a malformed one. */
  parse(json: unknown): S;
}

/** Dotted version vectors: concurrent writes are all kept as siblings. */
export const siblingsStrategy: LeaderlessStrategy<DvvSet> = {
  write(local, context, value, actor) {
    const ctx =
      context === undefined
        ? { ok: true as const, value: {} }
        : decodeContext(context, "dvv", parseVersionVector);
    if (!ctx.ok) return { kind: "bad-context", detail: ctx.detail };
    return { kind: "ok", state: update(local ?? emptyDvvSet, ctx.value, actor, value) };
  },
  merge: sync,
  values: (state) => (state === undefined ? [] : values(state)),
  context: (state) => encodeContext("dvv", join(state ?? emptyDvvSet)),
  parse: parseDvvSet,
};

/** A timestamped value: [wall-clock ms, writer, value]. */
export type Stamped = readonly [ms: number, node: NodeId, value: Json];

// A total order on stamped values: time, then writer, then the value itself, so that even two
// writes stamped alike (a clock set back) merge the same way on every replica.
function later(a: Stamped, b: Stamped): Stamped {
  if (a[0] !== b[0]) return a[0] > b[0] ? a : b;
  if (a[1] !== b[1]) return a[1] > b[1] ? a : b;
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
  parse: parseStamped,
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
  if (!Array.isArray(body) || body.length !== 2 || !Number.isFinite(body[1])) {
    throw new Error(`expected [versionVector, ms], got ${JSON.stringify(body)}`);
  }
  return { vv: parseVersionVector(body[0]), ms: body[1] };
}

export const rejectStrategy: LeaderlessStrategy<Versioned> = {
  write(local, context, value, actor, wallMs) {
    const ctx = context === undefined ? undefined : decodeContext(context, "vv", parseVersion);
    if (ctx !== undefined && !ctx.ok) return { kind: "bad-context", detail: ctx.detail };
    const seen = ctx?.value ?? { vv: {}, ms: 0 };
    if (local !== undefined && (ctx === undefined || !descends(seen.vv, local.vv)))
      return { kind: "stale" };
    const vv = merge(local?.vv ?? {}, seen.vv);
    return {
      kind: "ok",
      state: {
        vv: vvSet(vv, actor, vvGet(vv, actor) + 1),
        ms: Math.max(wallMs, (local?.ms ?? 0) + 1, seen.ms + 1),
        node: actor,
        value,
      },
    };
  },
  merge(a, b) {
    const wa: Stamped = [a.ms, a.node, a.value];
    const winner = later(wa, [b.ms, b.node, b.value]) === wa ? a : b;
    return { ...winner, vv: merge(a.vv, b.vv) };
  },
  values: (state) => (state === undefined ? [] : [state.value]),
  context: (state) => encodeContext("vv", [state?.vv ?? {}, state?.ms ?? 0]),
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
