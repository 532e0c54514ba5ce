// The messages leaderless replicas exchange, and their validation: a message from a peer is
// checked as strictly as a client request (known type, no unknown field, every field of its type
// and shape, keys as the API allows them, states vetted by the strategy) before anything of it
// reaches the replica's state. A malformed message throws MessageError naming the field.
import { BUCKET_COUNT } from "./digest-buckets.js";
import { keyProblem } from "./api-limits.js";
import type { Message } from "./replica.js";

export type LeaderlessMessage<S> =
  /** The coordinator of a write sends the key's new state to every peer. */
  | { type: "put"; id: string; key: string; state: S }
  | { type: "put-ack"; id: string }
  /** The coordinator of a read asks every peer for its state of the key. */
  | { type: "get"; id: string; key: string }
  | { type: "get-reply"; id: string; state: S | undefined }
  /** Anti-entropy: bucket summary → per-key digest of differing buckets → states both ways. */
  | { type: "ae-summary"; buckets: number[] }
  | { type: "ae-digest"; buckets: number[]; digest: Record<string, number> }
  | { type: "ae-reply"; states: Map<string, S>; want: string[] }
  | { type: "states"; states: Map<string, S> };

export class MessageError extends Error {
  override readonly name = "MessageError";
}

/** Vets a state for `key` (undefined: a state whose key the message does not say). */
export type StateVetter<S> = (json: unknown, key: string | undefined) => S;

const ID_LENGTH_MAX = 256;

const FIELDS: Record<LeaderlessMessage<unknown>["type"], readonly string[]> = {
  put: ["id", "key", "state"],
  "put-ack": ["id"],
  get: ["id", "key"],
  "get-reply": ["id", "state"],
  "ae-summary": ["buckets"],
  "ae-digest": ["buckets", "digest"],
  "ae-reply": ["states", "want"],
  states: ["states"],
};

export const LEADERLESS_MESSAGE_TYPES = Object.keys(FIELDS) as LeaderlessMessage<unknown>["type"][];

/** Parses and validates a peer's message; `keyOf` gives the key a get-reply's id asked for. */
export function parseLeaderlessMessage<S>(
  msg: Message,
  vet: StateVetter<S>,
  keyOf: (id: string) => string | undefined,
): LeaderlessMessage<S> {
  const type = msg.type;
  if (!Object.hasOwn(FIELDS, type)) {
    throw new MessageError(`unknown message type ${clip(JSON.stringify(type))}`);
  }
  const allowed = FIELDS[type as LeaderlessMessage<S>["type"]];
  // (for…in over the own keys: Object.keys would build an array a message.)
  for (const field in msg) {
    if (!Object.hasOwn(msg, field)) continue;
    if (field !== "type" && !allowed.includes(field)) {
      throw new MessageError(`unknown field ${clip(JSON.stringify(field))} in a ${type} message`);
    }
  }
  switch (type as LeaderlessMessage<S>["type"]) {
    case "put": {
      const key = keyField(msg.key);
      return { type: "put", id: idField(msg.id), key, state: stateField(vet, msg.state, key) };
    }
    case "put-ack":
      return { type: "put-ack", id: idField(msg.id) };
    case "get":
      return { type: "get", id: idField(msg.id), key: keyField(msg.key) };
    case "get-reply": {
      const id = idField(msg.id);
      const state = msg.state === null ? undefined : stateField(vet, msg.state, keyOf(id));
      return { type: "get-reply", id, state };
    }
    case "ae-summary":
      return { type: "ae-summary", buckets: summaryField(msg.buckets) };
    case "ae-digest":
      return {
        type: "ae-digest",
        buckets: bucketsField(msg.buckets),
        digest: digestField(msg.digest),
      };
    case "ae-reply": {
      const want = arrayField(msg.want, "want").map((k) => keyField(k, "want"));
      return { type: "ae-reply", states: statesField(vet, msg.states), want };
    }
    case "states":
      return { type: "states", states: statesField(vet, msg.states) };
  }
}

function idField(id: unknown): string {
  if (typeof id !== "string" || id === "" || id.length > ID_LENGTH_MAX) {
    throw new MessageError(
      `"id" must be a string of 1 to ${ID_LENGTH_MAX} characters, got ${describe(id)}`,
    );
  }
  return id;
}

function keyField(key: unknown, field = "key"): string {
  const problem = keyProblem(key);
  if (problem !== undefined) throw new MessageError(`"${field}": ${problem}`);
  return key as string;
}

function stateField<S>(vet: StateVetter<S>, json: unknown, key: string | undefined): S {
  if (json === undefined) throw new MessageError(`missing field "state"`);
  try {
    return vet(json, key);
  } catch (err) {
    const where = key === undefined ? "" : ` of key ${clip(JSON.stringify(key))}`;
    throw new MessageError(`"state"${where}: ${(err as Error).message}`);
  }
}

function statesField<S>(vet: StateVetter<S>, json: unknown): Map<string, S> {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new MessageError(`"states" must be an object of key → state, got ${describe(json)}`);
  }
  const states = new Map<string, S>();
  for (const [key, state] of Object.entries(json)) {
    states.set(keyField(key, "states"), stateField(vet, state, key));
  }
  return states;
}

function arrayField(json: unknown, field: string): unknown[] {
  if (!Array.isArray(json))
    throw new MessageError(`"${field}" must be an array, got ${describe(json)}`);
  return json;
}

/** A bucket summary: BUCKET_COUNT bucket hashes (53-bit numbers). */
function summaryField(json: unknown): number[] {
  const buckets = arrayField(json, "buckets");
  let ok = buckets.length === BUCKET_COUNT;
  // A plain loop: every anti-entropy exchange starts with one of these.
  for (let b = 0; ok && b < buckets.length; b++) ok = isHash(buckets[b]);
  if (!ok) throw new MessageError(`"buckets" must be ${BUCKET_COUNT} non-negative integers`);
  return buckets as number[];
}

/** Bucket numbers, each once. */
function bucketsField(json: unknown): number[] {
  const buckets = arrayField(json, "buckets");
  const seen = new Set<unknown>();
  for (const b of buckets) {
    if (!Number.isInteger(b) || (b as number) < 0 || (b as number) >= BUCKET_COUNT || seen.has(b)) {
      throw new MessageError(
        `"buckets" must hold distinct bucket numbers 0 to ${BUCKET_COUNT - 1}, got ${describe(b)}`,
      );
    }
    seen.add(b);
  }
  return buckets as number[];
}

function digestField(json: unknown): Record<string, number> {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new MessageError(
      `"digest" must be an object of key → fingerprint, got ${describe(json)}`,
    );
  }
  for (const [key, fingerprint] of Object.entries(json)) {
    keyField(key, "digest");
    if (!isHash(fingerprint)) {
      throw new MessageError(
        `"digest": the fingerprint of ${clip(JSON.stringify(key))} must be a non-negative integer`,
      );
    }
  }
  return json as Record<string, number>;
}

function isHash(n: unknown): boolean {
  return Number.isSafeInteger(n) && (n as number) >= 0;
}

function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  return clip(JSON.stringify(v) ?? String(v));
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
