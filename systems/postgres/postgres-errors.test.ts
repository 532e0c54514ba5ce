import postgres from "postgres";
import { describe, expect, it } from "vitest";
import {
  type CallPhase,
  POSTGRES_ERRORS,
  PostgresCallError,
  postgresErrorKind,
  postgresFailure,
  postgresOutcome,
} from "./postgres-errors.js";

/** An error as postgres.js raises it for a server's ErrorResponse. */
function serverError(code: string, severity = "ERROR", message = "a server message") {
  return new postgres.PostgresError({ code, severity, message } as never);
}

/** An error as postgres.js raises it for a transport failure (code on the Error). */
function transportError(code: string) {
  return Object.assign(new Error(`write ${code} 127.0.0.1:5432`), { code, errno: code });
}

const PHASES: CallPhase[] = ["read", "statement", "transaction", "commit"];

describe("the kind of an error", () => {
  it.each([
    [serverError("40001"), "40001"],
    [serverError("40P01"), "40P01"],
    [serverError("25006"), "25006"],
    [serverError("23505"), "sql-error"],
    [serverError("57P01", "FATAL"), "57P01"],
    [serverError("57P03", "FATAL"), "57P03"],
    [serverError("53300", "FATAL"), "53300"],
    [serverError("XX000", "FATAL"), "fatal-error"],
    [serverError("XX000", "PANIC"), "fatal-error"],
    [transportError("ECONNREFUSED"), "connection-refused"],
    [transportError("CONNECT_TIMEOUT"), "connect-timeout"],
    [transportError("CONNECTION_CLOSED"), "connection-lost"],
    [transportError("CONNECTION_DESTROYED"), "connection-lost"],
    [transportError("ECONNRESET"), "connection-lost"],
    [transportError("EPIPE"), "connection-lost"],
    [new PostgresCallError("client-timeout"), "client-timeout"],
    [new PostgresCallError("interrupted"), "interrupted"],
    [new Error("something else"), "unknown"],
    ["a string", "unknown"],
    [undefined, "unknown"],
  ])("%s is %s", (err, kind) => {
    expect(postgresErrorKind(err)).toBe(kind);
  });
});

describe("fail or info, by kind and phase", () => {
  const rows: [string, Record<CallPhase, "fail" | "info">][] = [
    // The server refused or rolled back: definite in every phase.
    ["40001", { read: "fail", statement: "fail", transaction: "fail", commit: "fail" }],
    ["40P01", { read: "fail", statement: "fail", transaction: "fail", commit: "fail" }],
    ["25006", { read: "fail", statement: "fail", transaction: "fail", commit: "fail" }],
    ["sql-error", { read: "fail", statement: "fail", transaction: "fail", commit: "fail" }],
    ["57P03", { read: "fail", statement: "fail", transaction: "fail", commit: "fail" }],
    ["53300", { read: "fail", statement: "fail", transaction: "fail", commit: "fail" }],
    [
      "connection-refused",
      { read: "fail", statement: "fail", transaction: "fail", commit: "fail" },
    ],
    ["connect-timeout", { read: "fail", statement: "fail", transaction: "fail", commit: "fail" }],
    ["session-closed", { read: "fail", statement: "fail", transaction: "fail", commit: "fail" }],
    // The answer was lost: unknown when a commit was in flight, else rolled back by the server.
    ["57P01", { read: "fail", statement: "info", transaction: "fail", commit: "info" }],
    ["57P02", { read: "fail", statement: "info", transaction: "fail", commit: "info" }],
    ["fatal-error", { read: "fail", statement: "info", transaction: "fail", commit: "info" }],
    ["connection-lost", { read: "fail", statement: "info", transaction: "fail", commit: "info" }],
    ["client-timeout", { read: "fail", statement: "info", transaction: "fail", commit: "info" }],
    ["interrupted", { read: "fail", statement: "info", transaction: "fail", commit: "info" }],
    ["unknown", { read: "fail", statement: "info", transaction: "fail", commit: "info" }],
  ];
  for (const [kind, byPhase] of rows) {
    it(`${kind}: ${PHASES.map((p) => `${p} → ${byPhase[p]}`).join(", ")}`, () => {
      for (const phase of PHASES) {
        expect(postgresOutcome(kind as keyof typeof POSTGRES_ERRORS, phase)).toBe(byPhase[phase]);
      }
    });
  }

  it("covers every kind of the table", () => {
    expect(rows.map(([kind]) => kind).sort()).toEqual(Object.keys(POSTGRES_ERRORS).sort());
  });
});

describe("the failure an op reports", () => {
  it("a serialization failure is a definite conflict, named by SQLSTATE and message", () => {
    const failure = postgresFailure(
      serverError("40001", "ERROR", "could not serialize access due to concurrent update"),
      "commit",
    );
    expect(failure).toEqual({
      ok: false,
      outcome: "fail",
      error: "40001 could not serialize access due to concurrent update",
      conflict: true,
    });
  });

  it("a lost COMMIT is info; the same loss before COMMIT is a fail", () => {
    const lost = transportError("CONNECTION_CLOSED");
    expect(postgresFailure(lost, "commit")).toMatchObject({ outcome: "info" });
    expect(postgresFailure(lost, "transaction")).toMatchObject({ outcome: "fail" });
    expect(postgresFailure(lost, "commit").error).toMatch(/^connection-lost /);
  });

  it("faultline's own errors are named by their kind alone", () => {
    expect(postgresFailure(new PostgresCallError("client-timeout"), "statement")).toEqual({
      ok: false,
      outcome: "info",
      error: "client-timeout",
    });
  });

  it("explains every entry", () => {
    for (const entry of Object.values(POSTGRES_ERRORS))
      expect(entry.why.length).toBeGreaterThan(10);
  });
});
