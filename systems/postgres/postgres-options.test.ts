import { describe, expect, it } from "vitest";
import {
  failoverProblem,
  parsePostgresOptions,
  postgresDefaults,
  postgresOptionsSchema,
} from "./postgres-options.js";

function problems(input: unknown) {
  const result = parsePostgresOptions(input);
  return result.ok ? [] : result.problems;
}

describe("the postgres system section", () => {
  it("fills every default from the name alone", () => {
    const result = parsePostgresOptions({ name: "postgres" });
    expect(result).toEqual({ ok: true, options: { name: "postgres", ...postgresDefaults } });
    expect(result.ok && Object.isFrozen(result.options)).toBe(true);
  });

  it("keeps what the test file says", () => {
    const section = {
      name: "postgres",
      standbys: 1,
      replication: "remote-apply",
      isolation: "serializable",
      reads: "any",
      failover: { pick: "random" },
    };
    expect(postgresOptionsSchema.parse(section)).toEqual(section);
  });

  it.each([
    [{ name: "postgres", replication: "semi" }, ["replication"], /async|sync|remote-apply/],
    [{ name: "postgres", isolation: "snapshot" }, ["isolation"], /read-committed/],
    [{ name: "postgres", reads: "standby" }, ["reads"], /primary|any/],
    [{ name: "postgres", standbys: -1 }, ["standbys"], />=0/],
    [{ name: "postgres", standbys: 1.5 }, ["standbys"], /int/],
    [{ name: "postgres", standbys: 9 }, ["standbys"], /<=8/],
    [{ name: "postgres", failover: { pick: "oldest" } }, ["failover", "pick"], /most-advanced/],
    [{ name: "postgres", failover: { pik: "random" } }, ["failover"], /pik/],
    [{ name: "postgres", replicas: 2 }, [], /replicas/],
    [{ name: "mysql" }, ["name"], /postgres/],
  ])("%j is refused at its field", (input, path, message) => {
    const found = problems(input);
    expect(found).toHaveLength(1);
    expect(found[0]!.path).toEqual(path);
    expect(found[0]!.message).toMatch(message);
  });

  it("refuses a synchronous mode with no standby to wait for, naming replication", () => {
    for (const replication of ["sync", "remote-apply"]) {
      const found = problems({ name: "postgres", standbys: 0, replication });
      expect(found).toEqual([
        { path: ["replication"], message: expect.stringMatching(/no commit would ever return/) },
      ]);
    }
    expect(problems({ name: "postgres", standbys: 0, replication: "async" })).toEqual([]);
  });

  it("refuses reads: any with no standby to read from, naming reads", () => {
    expect(problems({ name: "postgres", standbys: 0, reads: "any" })).toEqual([
      { path: ["reads"], message: expect.stringMatching(/there are none/) },
    ]);
  });

  it("a failover needs a standby to promote", () => {
    const none = postgresOptionsSchema.parse({ name: "postgres", standbys: 0 });
    expect(failoverProblem(none)).toEqual({
      path: ["standbys"],
      message: expect.stringMatching(/promotes a standby/),
    });
    expect(failoverProblem(postgresOptionsSchema.parse({ name: "postgres" }))).toBeUndefined();
  });
});
