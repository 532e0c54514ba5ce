import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareLsn, lsnValue } from "./postgres-admin.js";
import { type Candidate, pickPromotion } from "./postgres-failover.js";

const never = () => {
  throw new Error("most-advanced draws no random number");
};

describe("pickPromotion", () => {
  it("most advanced: the highest replay LSN, whatever the order of the survey", () => {
    const candidates: Candidate[] = [
      { node: "n2", replayLsn: "0/3000060", receiveLsn: "0/3000060" },
      { node: "n3", replayLsn: "0/30000D8", receiveLsn: "0/30000D8" },
      { node: "n4", replayLsn: "0/2FFFFFF", receiveLsn: "0/4000000" },
    ];
    expect(pickPromotion(candidates, "most-advanced", never)).toEqual({
      node: "n3",
      replayLsn: "0/30000D8",
    });
    expect(pickPromotion([...candidates].reverse(), "most-advanced", never)?.node).toBe("n3");
  });

  it("most advanced: a tie goes to the higher receive LSN, then to the first id", () => {
    const tie: Candidate[] = [
      { node: "n3", replayLsn: "0/5000000", receiveLsn: "0/5000000" },
      { node: "n2", replayLsn: "0/5000000", receiveLsn: "0/5000000" },
    ];
    expect(pickPromotion(tie, "most-advanced", never)?.node).toBe("n2");
    const received: Candidate[] = [
      { node: "n2", replayLsn: "0/5000000", receiveLsn: "0/5000000" },
      { node: "n3", replayLsn: "0/5000000", receiveLsn: "0/5000100" },
    ];
    expect(pickPromotion(received, "most-advanced", never)?.node).toBe("n3");
  });

  it("skips the standbys that did not answer; none answering picks nobody", () => {
    const candidates: Candidate[] = [
      { node: "n2", unreachable: "connect ECONNREFUSED" },
      { node: "n3", replayLsn: "0/1000000", receiveLsn: null },
    ];
    expect(pickPromotion(candidates, "most-advanced", never)?.node).toBe("n3");
    expect(pickPromotion([candidates[0]!], "most-advanced", never)).toBeUndefined();
    expect(pickPromotion([candidates[0]!], "random", () => 0.5)).toBeUndefined();
  });

  it("random: one draw over the answering standbys in id order (the seed alone decides)", () => {
    const candidates: Candidate[] = [
      { node: "n3", replayLsn: "0/1", receiveLsn: "0/1" },
      { node: "n2", replayLsn: "0/9", receiveLsn: "0/9" },
      { node: "n4", unreachable: "timeout" },
    ];
    expect(pickPromotion(candidates, "random", () => 0)?.node).toBe("n2");
    expect(pickPromotion(candidates, "random", () => 0.49)?.node).toBe("n2");
    expect(pickPromotion(candidates, "random", () => 0.5)?.node).toBe("n3");
    expect(pickPromotion(candidates, "random", () => 0.9999)?.node).toBe("n3");
  });

  it("most advanced never picks a standby behind another (property)", () => {
    const lsn = fc.bigInt({ min: 0n, max: 2n ** 40n }).map((v) => {
      const hi = (v >> 32n).toString(16).toUpperCase();
      const lo = (v & 0xffffffffn).toString(16).toUpperCase();
      return `${hi}/${lo}`;
    });
    const standby = fc.record({ replayLsn: lsn, receiveLsn: lsn });
    fc.assert(
      fc.property(fc.array(standby, { minLength: 1, maxLength: 6 }), (standbys) => {
        const candidates = standbys.map((s, i) => ({ node: `n${i + 2}`, ...s }));
        const picked = pickPromotion(candidates, "most-advanced", never)!;
        for (const c of candidates)
          expect(compareLsn(c.replayLsn, picked.replayLsn!)).toBeLessThanOrEqual(0);
      }),
    );
  });
});

describe("LSNs", () => {
  it("orders by both halves, as numbers", () => {
    expect(lsnValue("1/0")).toBe(2n ** 32n);
    expect(compareLsn("0/FFFFFFFF", "1/0")).toBe(-1);
    expect(compareLsn("0/A", "0/9")).toBe(1);
    expect(compareLsn("0/3000060", "0/3000060")).toBe(0);
    expect(() => lsnValue("3000060")).toThrow(/not an LSN/);
  });
});
