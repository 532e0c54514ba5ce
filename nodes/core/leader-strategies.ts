// How the leader applies a client write to one key under each strategy, and what a context means.
// A version is [stamp, index]: the log index of the write and the stamp of the leadership that
// appended it (leader-stamp.ts), so no version is ever given twice — across terms, and across a
// restart that lost the log's tail and repeats a term. A context maps each stamp to the highest
// index of the values a client read in it; it is derived from the values alone, so a forged
// context never enters a key's state, and what a read returns is always a valid context.
// After a follower's log is truncated (Raft), a context may name a discarded version:
// - `reject` wants exactly the key's current version: a discarded one never is, so 409;
// - `siblings` covers, per stamp, the values up to the index named. Entries of one stamp form one
//   linear log, so a surviving value of that stamp at a lower index was in the state the client
//   read (or superseded in it): covered. Values of stamps the context does not name are kept.
// - `lww` ignores contexts.
import { CONTEXT_LENGTH_MAX, type Decoded, decodeContext, encodeContext } from "./context-codec.js";
import { isStamp, parseStamp } from "./leader-stamp.js";
import type { Json, KeyState, NodeId, Strategy } from "./replica.js";

/** A version: the stamp of the leadership that gave it and its log index. */
export type Version = [stamp: string, index: number];

/** A key's state after a log entry: its last version, and its values with theirs. */
export interface LeaderKey {
  v: Version;
  vals: [stamp: string, index: number, value: Json][];
}

/** Per stamp, the highest index of the values a client read. */
export type LeaderContext = ReadonlyMap<string, number>;

export type LeaderWriteResult =
  | { ok: true; state: LeaderKey }
  | { ok: false; why: "stale" }
  | { ok: false; why: "context-too-long"; length: number };

/** `based` is the client's context (undefined: none); `version` is the new, never-given one. */
export function leaderWrite(
  strategy: Strategy,
  local: LeaderKey | undefined,
  based: LeaderContext | undefined,
  value: Json,
  version: Version,
): LeaderWriteResult {
  const seen = based ?? new Map<string, number>();
  const written: LeaderKey = { v: version, vals: [[...version, value]] };
  switch (strategy) {
    case "reject": {
      // Without a context, only a key that does not exist yet may be written.
      const current = local === undefined ? 0 : 1;
      const stale =
        seen.size !== current || (local !== undefined && seen.get(local.v[0]) !== local.v[1]);
      return stale ? { ok: false, why: "stale" } : { ok: true, state: written };
    }
    case "siblings": {
      const kept = (local?.vals ?? []).filter(([stamp, n]) => n > (seen.get(stamp) ?? -1));
      const state: LeaderKey = { v: version, vals: [...kept, ...written.vals] };
      // Every stamp among the siblings takes room in the context a read returns: a state whose
      // context could not be written back is refused (the client merges the siblings first).
      const length = leaderKeyState(state).context.length;
      if (length > CONTEXT_LENGTH_MAX) return { ok: false, why: "context-too-long", length };
      return { ok: true, state };
    }
    case "lww":
      return { ok: true, state: written };
  }
}

export function leaderKeyState(key: LeaderKey | undefined): KeyState {
  const seen = new Map<string, number>();
  for (const [stamp, n] of key?.vals ?? []) seen.set(stamp, Math.max(n, seen.get(stamp) ?? n));
  const body = Object.fromEntries([...seen].sort(([a], [b]) => (a < b ? -1 : 1)));
  return {
    values: (key?.vals ?? []).map(([, , value]) => value),
    context: encodeContext("v", body),
  };
}

/** Decodes a client's context; every entry must be a well-formed stamp and index. */
export function decodeLeaderContext(text: string): Decoded<LeaderContext> {
  return decodeContext(text, "v", (body) => {
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw new Error(`expected {stamp: index}, got ${clip(JSON.stringify(body))}`);
    }
    const seen = new Map<string, number>();
    for (const [stamp, n] of Object.entries(body)) {
      if (!isStamp(stamp)) throw new Error(`${clip(JSON.stringify(stamp))} is not a version stamp`);
      if (!Number.isSafeInteger(n) || (n as number) < 0) {
        throw new Error(`stamp ${stamp}: expected a log index, got ${clip(JSON.stringify(n))}`);
      }
      seen.set(stamp, n as number);
    }
    return seen;
  });
}

/**
 * The first stamp of `context` that names a node outside `members` and no value of `local`
 * carries (a read of the key always passes: its stamps are those of its values), or undefined.
 */
export function foreignStamp(
  context: LeaderContext,
  members: readonly NodeId[],
  local: LeaderKey | undefined,
): string | undefined {
  for (const stamp of context.keys()) {
    const node = parseStamp(stamp)?.node;
    if (node !== undefined && members.includes(node)) continue;
    if (local?.vals.some(([s]) => s === stamp)) continue;
    return stamp;
  }
  return undefined;
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
