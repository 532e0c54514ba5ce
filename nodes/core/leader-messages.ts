// Every message between leader-build replicas, and every record of their durable log, as zod
// schemas: the core parses each one here before it may touch any state. Besides shapes, a log
// entry must be self-consistent (its version is its own stamp and index, its term the stamp's)
// and an append's entries must follow its prefix in order. Anything else is refused with a reason.
import { z } from "zod";
import { CONTEXT_LENGTH_MAX } from "./context-codec.js";
import type { LogEntry } from "./leader-log.js";
import { isStamp, parseStamp } from "./leader-stamp.js";
import type { Json, Message, ReplyBody } from "./replica.js";

/** Entries per append: a follower far behind catches up in batches of this many. */
export const ENTRIES_PER_APPEND = 64;
const KEY_LENGTH_MAX = 1024;
/** Nesting depth allowed in a value (as the client API allows). */
const VALUE_DEPTH_MAX = 64;

const count = z.int().min(0).max(Number.MAX_SAFE_INTEGER);
const stamp = z.string().refine(isStamp, "not a version stamp");
const key = z.string().min(1).max(KEY_LENGTH_MAX);
const value = z.custom<Json>(isShallowJson, `a JSON value nested at most ${VALUE_DEPTH_MAX} deep`);
const nodeId = z.string().min(1).max(64);

const keyState = z.strictObject({
  v: z.tuple([stamp, count]),
  vals: z.array(z.tuple([stamp, count, value])).min(1),
});

const entry = z
  .strictObject({
    term: count,
    stamp,
    key: key.nullable(),
    state: keyState.nullable(),
  })
  .refine((e) => parseStamp(e.stamp)?.term === e.term, "an entry's term is its stamp's")
  .refine((e) => (e.key === null) === (e.state === null), "a no-op has neither key nor state");

const voteRequest = z.strictObject({
  type: z.literal("vote"),
  term: count,
  /** The candidate's last log index and term. */
  last: z.tuple([count, count]),
});

const voteReply = z.strictObject({
  type: z.literal("vote-reply"),
  term: count,
  granted: z.boolean(),
});

const append = z
  .strictObject({
    type: z.literal("append"),
    term: count,
    prev: count,
    prevStamp: stamp.nullable(),
    entries: z.array(entry).max(ENTRIES_PER_APPEND),
    commit: count,
    /** Read-index round (leader-replica.ts): echoed in the reply. */
    round: count,
    /** The leader's monotonic clock when it sent this: echoed, it dates the follower's contact. */
    at: z.number().finite(),
  })
  .superRefine((m, ctx) => {
    const problem = appendProblem(m);
    if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
  });

const appendReply = z.strictObject({
  type: z.literal("append-reply"),
  term: count,
  ok: z.boolean(),
  /** ok: the follower's log matches the leader's up to here. */
  match: count,
  /** not ok: where the leader should resume. */
  next: count.min(1),
  round: count,
  at: z.number().finite(),
});

const requestId = z.string().min(1).max(200);
const forward = z.strictObject({
  type: z.literal("fwd"),
  id: requestId,
  key,
  value,
  context: z.string().max(CONTEXT_LENGTH_MAX).optional(),
});
const forwardGet = z.strictObject({ type: z.literal("fwd-get"), id: requestId, key });

const replyBody = z.union([
  z.strictObject({ values: z.array(value), context: z.string() }),
  z.strictObject({ context: z.string() }),
  z.strictObject({
    error: z.literal("stale-context"),
    values: z.array(value),
    context: z.string(),
  }),
  z.strictObject({
    error: z.literal("unavailable"),
    detail: z.string(),
    leader: nodeId.optional(),
  }),
  z.strictObject({ error: z.enum(["timeout", "bad-request"]), detail: z.string() }),
]);
const forwardReply = z
  .strictObject({
    type: z.literal("fwd-reply"),
    id: requestId,
    status: z.union([
      z.literal(200),
      z.literal(400),
      z.literal(409),
      z.literal(503),
      z.literal(504),
    ]),
    body: replyBody,
  })
  .refine((m) => statusFits(m.status, m.body), "the status does not fit the body");

const leaderMessage = z.discriminatedUnion("type", [
  voteRequest,
  voteReply,
  append,
  appendReply,
  forward,
  forwardGet,
  forwardReply,
]);

export type LeaderMessage = z.infer<typeof leaderMessage>;
export type AppendMessage = z.infer<typeof append>;
export type AppendReply = z.infer<typeof appendReply>;

/** Log records: one per start, per term change (with this node's vote), per entry, per membership. */
const logRecord = z.discriminatedUnion("t", [
  z.strictObject({ t: z.literal("boot"), n: count }),
  z.strictObject({ t: z.literal("term"), term: count, vote: nodeId.nullable() }),
  z.strictObject({ t: z.literal("entry"), i: count.min(1), e: entry }),
  z.strictObject({ t: z.literal("members"), nodes: z.array(nodeId).min(1) }),
]);

export type LogRecord = z.infer<typeof logRecord>;

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Parses a peer message; never throws (a value too deep for the validator is refused too). */
export function parseLeaderMessage(msg: Message): Parsed<LeaderMessage> {
  return parseWith(leaderMessage, msg);
}

export function parseLogRecord(record: Json): Parsed<LogRecord> {
  return parseWith(logRecord, record);
}

function parseWith<T>(schema: z.ZodType<T>, input: unknown): Parsed<T> {
  try {
    const result = schema.safeParse(input);
    if (result.success) return { ok: true, value: result.data };
    const issue = result.error.issues[0]!;
    const where = issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
    return { ok: false, reason: `${where}${issue.message}` };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}

/** Why an append's entries cannot follow its prefix, or undefined. */
function appendProblem(m: {
  term: number;
  prev: number;
  prevStamp: string | null;
  entries: LogEntry[];
}): string | undefined {
  if ((m.prev === 0) !== (m.prevStamp === null)) return "only index 0 has no stamp";
  let term = m.prevStamp === null ? 0 : parseStamp(m.prevStamp)!.term;
  for (const [i, e] of m.entries.entries()) {
    if (e.term < term || e.term > m.term) return `entries.${i}: term ${e.term} out of order`;
    term = e.term;
    const problem = entryProblem(e, m.prev + 1 + i);
    if (problem !== undefined) return `entries.${i}: ${problem}`;
  }
  return undefined;
}

/** Why `e` cannot be the entry at `index`: a key's state must carry the entry's own version last. */
export function entryProblem(e: LogEntry, index: number): string | undefined {
  if (e.state === null) return undefined;
  const [vStamp, vIndex] = e.state.v;
  if (vStamp !== e.stamp || vIndex !== index) return `version ${vStamp}/${vIndex} is not its own`;
  const last = e.state.vals.at(-1)!;
  if (last[0] !== e.stamp || last[1] !== index) return "its own value is not its last";
  if (e.state.vals.some(([, n]) => n > index)) return "a value newer than the entry";
  return undefined;
}

function statusFits(status: number, body: ReplyBody): boolean {
  const error = "error" in body ? body.error : undefined;
  const expected: Record<number, string | undefined> = {
    200: undefined,
    400: "bad-request",
    409: "stale-context",
    503: "unavailable",
    504: "timeout",
  };
  return expected[status] === error;
}

/** A JSON value (no undefined) nested at most VALUE_DEPTH_MAX deep, checked without recursion. */
function isShallowJson(v: unknown): boolean {
  if (v === undefined) return false;
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length > 0) {
    const [x, depth] = stack.pop()!;
    if (typeof x !== "object" || x === null) {
      if (typeof x === "function" || typeof x === "symbol" || typeof x === "bigint") return false;
      if (typeof x === "number" && !Number.isFinite(x)) return false;
      continue;
    }
    if (depth >= VALUE_DEPTH_MAX) return false;
    for (const child of Array.isArray(x) ? x : Object.values(x)) {
      if (child === undefined) return false;
      stack.push([child, depth + 1]);
    }
  }
  return true;
}
