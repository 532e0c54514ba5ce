// How the leader applies a client write to one key under each strategy. The leader numbers every
// change with its log sequence number, so a key's versions only grow; a context carries the
// version the client read. `siblings` is the single-server algorithm: a write based on version v
// replaces the values of version ≤ v and is kept beside newer ones.
import { decodeContext, type Decoded, encodeContext } from "./context-codec.js";
import type { Json, KeyState, Strategy } from "./replica.js";

/** A key on every node of the leader build: its version and its values with their versions. */
export interface LeaderKey {
  v: number;
  vals: [version: number, value: Json][];
}

/** `based` is the version of the client's context (undefined: no context). */
export function leaderWrite(
  strategy: Strategy,
  local: LeaderKey | undefined,
  based: number | undefined,
  value: Json,
  version: number,
): LeaderKey | "stale" {
  switch (strategy) {
    case "reject": {
      // Without a context, only a key that does not exist yet may be written.
      const stale = local === undefined ? (based ?? 0) !== 0 : based !== local.v;
      return stale ? "stale" : { v: version, vals: [[version, value]] };
    }
    case "siblings": {
      const kept = (local?.vals ?? []).filter(([ver]) => ver > (based ?? 0));
      return { v: version, vals: [...kept, [version, value]] };
    }
    case "lww":
      return { v: version, vals: [[version, value]] };
  }
}

export function leaderKeyState(key: LeaderKey | undefined): KeyState {
  return {
    values: (key?.vals ?? []).map(([, value]) => value),
    context: encodeContext("v", key?.v ?? 0),
  };
}

export function decodeLeaderContext(text: string): Decoded<number> {
  return decodeContext(text, "v", (body) => {
    if (typeof body !== "number" || !Number.isSafeInteger(body) || body < 0) {
      throw new Error(`expected a version (a non-negative integer), got ${JSON.stringify(body)}`);
    }
    return body;
  });
}

/** Reads a key's state from a message or log record; throws on a malformed one. */
export function parseLeaderKey(json: unknown): LeaderKey {
  const k = json as LeaderKey;
  const ok =
    typeof k === "object" &&
    k !== null &&
    Number.isSafeInteger(k.v) &&
    Array.isArray(k.vals) &&
    k.vals.every((e) => Array.isArray(e) && e.length === 2 && Number.isSafeInteger(e[0]));
  if (!ok) throw new Error(`bad key state ${JSON.stringify(json)}`);
  return k;
}
