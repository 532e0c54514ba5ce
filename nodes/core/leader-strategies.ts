// How the leader applies a client write to one key under each strategy. A version is the leader
// epoch that gave it (unique per start of a node, even if its log lost the tail) and the leader's
// sequence number in that epoch, so no version is ever given twice. A context maps each epoch to
// the highest sequence number of the values read in it: `siblings` replaces exactly what it covers
// and keeps the rest (a value from an epoch the reader never saw is never covered), and `reject`
// wants the context of the key's current version, nothing else.
import { decodeContext, type Decoded, encodeContext } from "./context-codec.js";
import type { Json, KeyState, Strategy } from "./replica.js";

/** A version: the epoch that gave it and a sequence number, increasing within the epoch. */
export type Version = [epoch: string, n: number];

/** A key on every node of the leader build: its last version and its values with theirs. */
export interface LeaderKey {
  v: Version;
  vals: [epoch: string, n: number, value: Json][];
}

/** Per epoch, the highest sequence number of the values a client read. */
export type LeaderContext = ReadonlyMap<string, number>;

/** `based` is the client's context (undefined: none); `version` is the new, never-given one. */
export function leaderWrite(
  strategy: Strategy,
  local: LeaderKey | undefined,
  based: LeaderContext | undefined,
  value: Json,
  version: Version,
): LeaderKey | "stale" {
  const seen = based ?? new Map<string, number>();
  const written: LeaderKey = { v: version, vals: [[...version, value]] };
  switch (strategy) {
    case "reject": {
      // Without a context, only a key that does not exist yet may be written.
      const current = local === undefined ? 0 : 1;
      const stale =
        seen.size !== current || (local !== undefined && seen.get(local.v[0]) !== local.v[1]);
      return stale ? "stale" : written;
    }
    case "siblings": {
      const kept = (local?.vals ?? []).filter(([epoch, n]) => n > (seen.get(epoch) ?? -1));
      return { v: version, vals: [...kept, ...written.vals] };
    }
    case "lww":
      return written;
  }
}

/** True if `state` may replace `local` on a follower: versions of two epochs are not ordered. */
export function replaces(state: LeaderKey, local: LeaderKey | undefined): boolean {
  return local === undefined || local.v[0] !== state.v[0] || local.v[1] < state.v[1];
}

export function leaderKeyState(key: LeaderKey | undefined): KeyState {
  const seen = new Map<string, number>();
  for (const [epoch, n] of key?.vals ?? []) seen.set(epoch, Math.max(n, seen.get(epoch) ?? n));
  const body = Object.fromEntries([...seen].sort(([a], [b]) => (a < b ? -1 : 1)));
  return {
    values: (key?.vals ?? []).map(([, , value]) => value),
    context: encodeContext("v", body),
  };
}

export function decodeLeaderContext(text: string): Decoded<LeaderContext> {
  return decodeContext(text, "v", (body) => {
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw new Error(`expected {epoch: version}, got ${JSON.stringify(body)}`);
    }
    const seen = new Map<string, number>();
    for (const [epoch, n] of Object.entries(body)) {
      if (!Number.isSafeInteger(n) || (n as number) < 0) {
        throw new Error(`epoch ${JSON.stringify(epoch)}: expected a version, got ${n}`);
      }
      seen.set(epoch, n as number);
    }
    return seen;
  });
}

/** Reads a key's state from a message or log record; throws on a malformed one. */
export function parseLeaderKey(json: unknown): LeaderKey {
  const k = json as LeaderKey;
  const ok =
    typeof k === "object" &&
    k !== null &&
    isVersion(k.v) &&
    Array.isArray(k.vals) &&
    k.vals.every((e) => Array.isArray(e) && e.length === 3 && isVersion(e.slice(0, 2)));
  if (!ok) throw new Error(`bad key state ${JSON.stringify(json)}`);
  return k;
}

function isVersion(v: unknown): v is Version {
  return (
    Array.isArray(v) && v.length === 2 && typeof v[0] === "string" && Number.isSafeInteger(v[1])
  );
}
