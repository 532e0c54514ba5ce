import { describe, expect, it } from "vitest";
import {
  classifyNodeError,
  httpErrorKind,
  NODE_ERRORS,
  transportErrorKind,
} from "./node-errors.js";

describe("the node error table", () => {
  it.each([
    [400, "fail"],
    [409, "fail"],
    [503, "fail"],
    [504, "info"],
    [500, "info"],
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

  it("explains every entry", () => {
    for (const entry of Object.values(NODE_ERRORS)) expect(entry.why.length).toBeGreaterThan(10);
  });
});
