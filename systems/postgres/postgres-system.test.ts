// The postgres system's declarations: its section's defaults and refusals by field, node ids,
// what a raced write does at each isolation (which picks the workloads' default checkers), its
// capabilities (no clock), the words of the report, the error table as the contract states it,
// and a missing server as a prerequisite error (which the runtime turns into exit 254). The
// same section through the test-file loader and flags: harness/run/postgres-findings.e2e.test.ts.
import { describe, expect, it } from "vitest";
import { SystemPrerequisiteError } from "../system.js";
import { systems } from "../systems.js";
import { findPostgresBinaries, PostgresNotInstalledError } from "./postgres-binaries.js";
import { type POSTGRES_ERRORS, postgresOutcome } from "./postgres-errors.js";
import { postgres } from "./postgres-system.js";

const parse = (section: Record<string, unknown>) =>
  postgres.schema.safeParse({ name: "postgres", ...section });
const options = (section: Record<string, unknown> = {}) =>
  postgres.schema.parse({ name: "postgres", ...section });

describe("the postgres system", () => {
  it("is registered, and its section fills every default from the name alone", () => {
    expect(systems.postgres).toBe(postgres);
    expect(options()).toEqual({
      name: "postgres",
      standbys: 2,
      replication: "async",
      isolation: "read-committed",
      reads: "primary",
    });
    expect(postgres.nodeIds(options())).toEqual(["n1", "n2", "n3"]);
    expect(postgres.nodeIds(options({ standbys: 0 }))).toEqual(["n1"]);
    expect(postgres.label(options())).toBe("postgres-async-read-committed");
  });

  it("declares a flag for each of its keys", () => {
    expect(Object.fromEntries(postgres.flags.map((f) => [f.flags.split(" ")[0], f.path]))).toEqual({
      "--standbys": ["standbys"],
      "--replication": ["replication"],
      "--isolation": ["isolation"],
      "--reads": ["reads"],
    });
  });

  it.each([
    [{ replication: "semi" }, "replication"],
    [{ standbys: 0, replication: "sync" }, "replication"],
    [{ standbys: 0, reads: "any" }, "reads"],
    [{ standbys: 9 }, "standbys"],
    // The failover's pick is the fault's (nemesis.failover.pick), not the system's.
    [{ failover: { pick: "random" } }, ""],
  ])("refuses %j at its field", (section, field) => {
    const result = parse(section);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path.join(".")).toBe(field);
  });

  it("races like lww at read committed and like reject above it", () => {
    const conflicts = (isolation: string) => postgres.traits(options({ isolation })).conflicts;
    expect(conflicts("read-committed")).toBe("lww");
    expect(conflicts("repeatable-read")).toBe("reject");
    expect(conflicts("serializable")).toBe("reject");
  });

  it("leads, fails over and appends; it has no clock to shift", () => {
    expect([...postgres.capabilities(options())].sort()).toEqual(["append", "failover", "leader"]);
  });

  it("describes itself for the first line, the test name and the report", () => {
    const o = options({
      standbys: 1,
      replication: "sync",
      isolation: "serializable",
      reads: "any",
    });
    expect(postgres.describe(o)).toBe(
      "postgres sync, serializable, primary + 1 standby, reads anywhere",
    );
    expect(postgres.label(o)).toBe("postgres-sync-serializable");
    expect(Object.fromEntries(postgres.settings(o))).toMatchObject({
      replication: expect.stringMatching(/flushed it \(ANY 1\)/),
      isolation: "serializable",
      reads: expect.stringMatching(/stale/),
    });
  });

  it("states its error table: a lost answer is info for a write, anything else definite", () => {
    for (const [kind, entry] of Object.entries(postgres.errors)) {
      const outcome = postgresOutcome(kind as keyof typeof POSTGRES_ERRORS, "commit");
      expect(entry.outcome, kind).toBe(outcome);
      expect(entry.why.length, kind).toBeGreaterThan(10);
    }
    expect(postgres.errors["40001"]).toMatchObject({ outcome: "fail" });
    expect(postgres.errors["25006"]).toMatchObject({ outcome: "fail" });
    expect(postgres.errors["connection-lost"]).toMatchObject({ outcome: "info" });
    expect(postgres.errors["connection-refused"]).toMatchObject({ outcome: "fail" });
  });

  it("a machine without the server is a prerequisite error naming the Debian package", () => {
    let error: unknown;
    try {
      findPostgresBinaries({ pgConfig: null, versionsRoot: "/nonexistent" });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PostgresNotInstalledError);
    expect(error).toBeInstanceOf(SystemPrerequisiteError);
    expect((error as Error).message).toMatch(/apt-get install -y postgresql/);
  });
});
