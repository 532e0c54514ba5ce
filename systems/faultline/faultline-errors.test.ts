import { describe, expect, it } from "vitest";
import {
  classifyNodeError,
  httpErrorKind,
  NODE_ERRORS,
  transportErrorKind,
} from "./faultline-errors.js";

describe("the node error table", () => {
  it.each([
    [400, "fail"],
    [404, "fail"],
    [405, "fail"],
    [408, "info"],
    [409, "fail"],
    [413, "fail"],
    [418, "fail"],
    [429, "fail"],
    [500, "info"],
    [502, "info"],
    [503, "fail"],
    [504, "info"],
    [200, "info"],
  ] as const)("HTTP %i is %s", (status, outcome) => {
    expect(classifyNodeError(httpErrorKind(status))).toBe(outcome);
  });

  it.each([
    ["ECONNREFUSED", "fail"],
    ["ECONNRESET", "info"],
    ["EPIPE", "info"],
    ["client-timeout", "info"],
    ["interrupted", "info"],
    ["EWHATEVER", "info"],
    [undefined, "info"],
  ] as const)("transport error %s is %s", (code, outcome) => {
    expect(classifyNodeError(transportErrorKind(code))).toBe(outcome);
  });

  it("names the usual statuses, and every other 4xx as one definite kind", () => {
    expect(httpErrorKind(413)).toBe("http-413");
    expect(httpErrorKind(500)).toBe("http-500");
    expect(httpErrorKind(422)).toBe("http-4xx");
    expect(httpErrorKind(599)).toBe("unknown");
  });

  it("explains every entry", () => {
    for (const entry of Object.values(NODE_ERRORS)) expect(entry.why.length).toBeGreaterThan(10);
  });
});
