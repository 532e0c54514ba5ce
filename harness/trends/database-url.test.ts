import { describe, expect, it } from "vitest";
import { UsageError } from "../cli-error.js";
import { databaseUrl, redacted } from "./database-url.js";

describe("the trend database URL", () => {
  it("comes from --db, else FAULTLINE_DATABASE_URL, else nowhere (files only)", () => {
    const env = { FAULTLINE_DATABASE_URL: "postgres://env@db/x" };
    expect(databaseUrl("postgresql://flag@db/y", env)).toBe("postgresql://flag@db/y");
    expect(databaseUrl(undefined, env)).toBe("postgres://env@db/x");
    expect(databaseUrl(undefined, {})).toBeUndefined();
    expect(databaseUrl(undefined, { FAULTLINE_DATABASE_URL: " " })).toBeUndefined();
  });

  it("refuses what is not a PostgreSQL URL, naming where it came from without the password", () => {
    expect(() => databaseUrl("mysql://u:pw@db/x", {})).toThrow(UsageError);
    expect(() => databaseUrl("mysql://u:pw@db/x", {})).toThrow(
      '--db "mysql://u:***@db/x" is not a PostgreSQL URL',
    );
    expect(() => databaseUrl(undefined, { FAULTLINE_DATABASE_URL: "db" })).toThrow(
      /^FAULTLINE_DATABASE_URL "db"/,
    );
    expect(redacted("postgres://u@db/x")).toBe("postgres://u@db/x");
  });
});
