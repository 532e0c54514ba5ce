import { describe, expect, it } from "vitest";
import { measureRequirements, worstValue } from "./requirements.js";
import { results } from "./test-fixtures/results.js";

const values = (shape: Parameters<typeof results>[0]) => {
  const measured = measureRequirements(results(shape));
  return [measured.R1.value, measured.R2.value, measured.R3.value];
};

describe("R1–R3 from checker results", () => {
  it("says yes to all three for a run that agreed at every probe, lost nothing and read nothing stale", () => {
    expect(values({})).toEqual(["yes", "yes", "yes"]);
  });

  it("R1: eventual when the probes saw disagreement, no when a key still differed after quiescence", () => {
    expect(values({ disagreeing: 3 })[0]).toBe("eventual");
    expect(measureRequirements(results({ disagreeing: 3 })).R1.why).toContain(
      "3 of 10 probe rounds",
    );
    expect(values({ disagreeing: 3, divergent: 1 })[0]).toBe("no");
  });

  it("R1: a single replica agrees with itself; without probes only a late agreement tells eventual", () => {
    expect(values({ nodes: 1, disagreeing: 0 })[0]).toBe("yes");
    const r = results();
    delete (r.convergence as Record<string, unknown>).probes;
    expect(measureRequirements(r).R1.value).toBe("unknown");
    r.convergence!.agreedAtFirstRound = false;
    r.convergence!.agreedRound = 3;
    expect(measureRequirements(r).R1).toMatchObject({ value: "eventual" });
  });

  it("R2: no when lost-writes lost items, siblings dropped values or lost-updates lost updates", () => {
    expect(values({ lost: 4 })[1]).toBe("no");
    // An item lost to set-full whose add was never acknowledged is no lost acknowledged write.
    const seenThenGone = results();
    seenThenGone["lost-writes"] = { valid: false, counts: { lost: 2, lostAcknowledged: 0 } };
    expect(measureRequirements(seenThenGone).R2.value).toBe("yes");
    for (const [checker, count] of [
      ["siblings", "dropped"],
      ["lost-updates", "unreflected"],
    ] as const) {
      const r = results();
      r[checker] = { valid: false, counts: { [count]: 2 } };
      expect(measureRequirements(r).R2).toEqual({ value: "no", why: `${checker} ${count} 2` });
    }
  });

  it("R2: unknown without any of its checkers, or when all of them were unknown", () => {
    expect(measureRequirements({}).R2.value).toBe("unknown");
    const r = results();
    r["lost-writes"]!.valid = "unknown";
    expect(measureRequirements(r).R2.value).toBe("unknown");
  });

  it("R3: eventual for superseded reads during the run, no when a last final read returned one", () => {
    expect(values({ superseded: 2 })[2]).toBe("eventual");
    expect(values({ superseded: 2, supersededFinal: 1 })[2]).toBe("no");
  });

  it("R3: unknown when stale-reads crashed or saw no read", () => {
    const r = results();
    r["stale-reads"] = { valid: "unknown", error: "boom" };
    expect(measureRequirements(r).R3).toEqual({
      value: "unknown",
      why: "stale-reads failed: boom",
    });
    expect(measureRequirements({}).R3.value).toBe("unknown");
  });

  it("takes the worst value over seeds, unknown only when every seed is", () => {
    expect(worstValue(["yes", "eventual", "yes"])).toBe("eventual");
    expect(worstValue(["unknown", "yes"])).toBe("yes");
    expect(worstValue(["no", "eventual"])).toBe("no");
    expect(worstValue(["unknown"])).toBe("unknown");
  });
});
