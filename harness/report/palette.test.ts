import { describe, expect, it } from "vitest";
import { FAULT_KINDS, faultKind, kindStoppedBy } from "./fault-kinds.js";
import { fColors, OUTCOME_COLORS } from "./palette.js";

describe("fColors", () => {
  it("gives every f its own colour, the known ones always the same", () => {
    const colors = fColors(["add", "x", "read", "y", "z", "write", "cas"]);
    expect(new Set(Object.values(colors)).size).toBe(7);
    expect(fColors(["read"]).read).toBe(colors.read);
    expect(fColors(["cas", "read"]).cas).toBe(colors.cas);
    for (const color of Object.values(colors)) {
      expect(Object.values(OUTCOME_COLORS)).not.toContain(color);
    }
  });

  it("still colours every f past the palette's end", () => {
    const many = Array.from({ length: 14 }, (_, i) => `f${i}`);
    const colors = fColors(many);
    expect(Object.keys(colors)).toHaveLength(14);
    expect(new Set(Object.values(colors).slice(0, 10)).size).toBe(10);
  });
});

describe("fault kinds", () => {
  it("keeps one style per kind, stops derived from it, and a neutral fallback", () => {
    expect(kindStoppedBy("restart")).toBe("kill");
    expect(kindStoppedBy("write")).toBeUndefined();
    expect(faultKind("failover").stop).toBe("rejoin");
    expect(faultKind("explode")).toEqual({ label: "explode", ended: "ended", color: "#6e7781" });
    const colors = Object.values(FAULT_KINDS).map((k) => k.color);
    expect(new Set(colors).size).toBe(colors.length);
  });
});
