import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CONTEXT_LENGTH_MAX, decodeContext, encodeContext } from "./context-codec.js";

const anyBody = (body: unknown) => body;

describe("context codec", () => {
  it("round-trips any JSON body as a base64url string", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (body) => {
        const text = encodeContext("t", body as never);
        expect(text).toMatch(/^[A-Za-z0-9_-]*$/);
        expect(decodeContext(text, "t", anyBody)).toEqual({
          ok: true,
          value: JSON.parse(JSON.stringify(body)),
        });
      }),
    );
  });

  it("explains what is wrong with a malformed context", () => {
    const detail = (text: string) => {
      const d = decodeContext(text, "dvv", (b) => {
        if (typeof b !== "number") throw new Error("want a number");
        return b;
      });
      return d.ok ? "ok" : d.detail;
    };
    expect(detail("a+b/")).toMatch(/base64url/);
    expect(detail(Buffer.from("{x").toString("base64url"))).toMatch(/JSON/);
    expect(detail(Buffer.from("[1,2]").toString("base64url"))).toMatch(/not a faultline context/);
    expect(detail(encodeContext("vv", 1))).toMatch(/kind "vv".*"dvv"/);
    expect(detail(encodeContext("dvv", "x"))).toMatch(/want a number/);
    expect(detail("A".repeat(CONTEXT_LENGTH_MAX + 1))).toMatch(/characters/);
    expect(detail(encodeContext("dvv", 3))).toBe("ok");
  });

  it("never throws on arbitrary strings", () => {
    fc.assert(fc.property(fc.string(), (text) => void decodeContext(text, "t", anyBody)));
  });

  it("decodes alike whether the context was encoded lately or long ago", () => {
    const early = encodeContext("t", { a: 1 });
    // More contexts than the codec remembers: the early one is decoded from its text again.
    for (let i = 0; i < 5000; i++) encodeContext("t", { a: i });
    expect(decodeContext(early, "t", anyBody)).toEqual({ ok: true, value: { a: 1 } });
    expect(encodeContext("t", { a: 1 })).toBe(early);
    expect(decodeContext(encodeContext("t", { b: 2 }), "u", anyBody)).toEqual({
      ok: false,
      detail: 'context of kind "t" where this node expects "u"',
    });
  });
});
