// The one table that says what an error met by a PostgreSQL call means for its op: definite
// (`fail`: it did not happen) or indeterminate (`info`: it may have). Each kind says what became
// of the work — never sent, rolled back, or lost with the connection — and the phase the call
// was in decides what a lost connection means: a COMMIT in flight may have committed.
import type { KvFailure } from "../../workloads/kv-client.js";

/** What became of the work when the error came. */
type Effect =
  /** The server never ran it: nothing was sent, or the server refused the session. */
  | "never-sent"
  /** The server ran it and rolled it back (an ERROR aborts its transaction). */
  | "rolled-back"
  /** The answer was lost: whatever was in flight may have been applied. */
  | "lost";

/** Where the call was when the error came. */
export type CallPhase =
  /** A read: nothing it does changes the data, so no error leaves an effect. */
  | "read"
  /** One statement in autocommit: it is its own commit. */
  | "statement"
  /** Inside BEGIN … before COMMIT was sent: a lost session rolls the transaction back. */
  | "transaction"
  /** COMMIT (or a commit-bearing statement) was sent and not answered. */
  | "commit";

export const POSTGRES_ERRORS = {
  // SQLSTATEs of errors (severity ERROR) the workloads meet; any other ERROR is "sql-error".
  "40001": { effect: "rolled-back", conflict: true, why: "serialization failure: rolled back" },
  "40P01": {
    effect: "rolled-back",
    conflict: true,
    why: "deadlock detected: this side rolled back",
  },
  "25006": { effect: "rolled-back", why: "read-only transaction: a standby refused the write" },
  "sql-error": { effect: "rolled-back", why: "another ERROR: its transaction was rolled back" },
  // Ends of a session (severity FATAL, or the socket closing on them).
  "57P01": { effect: "lost", why: "admin shutdown: the server ended the session mid-call" },
  "57P02": { effect: "lost", why: "crash shutdown: the server ended the session mid-call" },
  "57P03": { effect: "never-sent", why: "cannot connect now: the server is starting or stopping" },
  "53300": { effect: "never-sent", why: "too many connections: the session was refused" },
  "fatal-error": { effect: "lost", why: "another FATAL error: the session ended mid-call" },
  // The transport and the client itself.
  "connection-refused": { effect: "never-sent", why: "nothing listened: the call was never sent" },
  "connect-timeout": { effect: "never-sent", why: "no session in time: the call was never sent" },
  "session-closed": { effect: "never-sent", why: "its session had ended before the call was sent" },
  "connection-lost": { effect: "lost", why: "the connection broke after the call was sent" },
  "client-timeout": { effect: "lost", why: "no answer in time: the session was dropped" },
  interrupted: { effect: "lost", why: "the run stopped while the call was in flight" },
  unknown: { effect: "lost", why: "an unexpected error: the call may have been applied" },
} as const satisfies Record<string, { effect: Effect; conflict?: true; why: string }>;

export type PostgresErrorKind = keyof typeof POSTGRES_ERRORS;

/** Raised by faultline's own session code (timeouts, interruptions, a dead session). */
export class PostgresCallError extends Error {
  constructor(readonly kind: PostgresErrorKind) {
    super(POSTGRES_ERRORS[kind].why);
  }
}

/** The table's entry for anything a postgres.js call rejected with. */
export function postgresErrorKind(err: unknown): PostgresErrorKind {
  if (err instanceof PostgresCallError) return err.kind;
  const e = (typeof err === "object" && err !== null ? err : {}) as {
    code?: unknown;
    severity?: unknown;
    name?: unknown;
  };
  const code = typeof e.code === "string" ? e.code : undefined;
  if (e.name === "PostgresError" && code !== undefined) {
    if (code in POSTGRES_ERRORS) return code as PostgresErrorKind;
    return e.severity === "FATAL" || e.severity === "PANIC" ? "fatal-error" : "sql-error";
  }
  switch (code) {
    case "ECONNREFUSED":
      return "connection-refused";
    case "CONNECT_TIMEOUT":
      return "connect-timeout";
    case "CONNECTION_CLOSED":
    case "CONNECTION_DESTROYED":
    case "CONNECTION_ENDED":
    case "ECONNRESET":
    case "EPIPE":
    case "ETIMEDOUT":
      return "connection-lost";
    default:
      return "unknown";
  }
}

/** fail or info for an error of this kind met in this phase. */
export function postgresOutcome(kind: PostgresErrorKind, phase: CallPhase): "fail" | "info" {
  const { effect } = POSTGRES_ERRORS[kind];
  if (effect !== "lost") return "fail";
  return phase === "statement" || phase === "commit" ? "info" : "fail";
}

/** Whether a session that met this error can be used again (an ERROR leaves it usable). */
export function sessionSurvives(kind: PostgresErrorKind): boolean {
  return POSTGRES_ERRORS[kind].effect === "rolled-back";
}

/** The KvFailure an op reports for an error met in this phase. */
export function postgresFailure(err: unknown, phase: CallPhase): KvFailure {
  const kind = postgresErrorKind(err);
  const entry: { conflict?: true; why: string } = POSTGRES_ERRORS[kind];
  const detail = err instanceof Error && !(err instanceof PostgresCallError) ? err.message : "";
  const failure: KvFailure = {
    ok: false,
    outcome: postgresOutcome(kind, phase),
    error: detail === "" || detail === kind ? kind : `${kind} ${detail}`,
  };
  if (entry.conflict) failure.conflict = true;
  return failure;
}
