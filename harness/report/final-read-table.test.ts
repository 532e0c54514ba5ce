import { describe, expect, it } from "vitest";
import { HistoryBuilder } from "../../checkers/history-builder.js";
import { scanHistory } from "./history-scan.js";
import { finalReadTable, shorten } from "./final-read-table.js";

function finalRead(
  h: HistoryBuilder,
  p: number,
  key: string,
  node: string,
  round: number,
  v: unknown,
) {
  h.invoke(p, "final-read", { key, node, round }).ok(p, { value: v });
}

describe("finalReadTable", () => {
  it("groups the nodes by the value of their last round and counts the items each lacks", () => {
    const h = new HistoryBuilder().add(0, "a", 1);
    finalRead(h, 10, "a", "n1", 1, [[1, 2]]);
    finalRead(h, 11, "a", "n2", 1, [[1]]);
    finalRead(h, 10, "a", "n1", 2, [[1, 2, 3]]);
    finalRead(
      h,
      11,
      "a",
      "n2",
      2,
      [[3, 2, 1]].map((s) => [...s].sort()),
    );
    finalRead(h, 10, "b", "n1", 2, [[5], [6]]);
    finalRead(h, 11, "b", "n2", 2, [[6], [5]]); // same siblings, another order
    finalRead(h, 12, "c", "n1", 2, [[7]]);
    finalRead(h, 13, "c", "n2", 2, [[7, 8]]);
    h.invoke(14, "final-read", { key: "c", node: "n3", round: 2 }).info(14);
    const table = finalReadTable(scanHistory(h.ops).finalReads)!;
    expect(table.nodes).toEqual(["n1", "n2", "n3"]);
    expect(table.rounds).toBe(2);
    const [a, b, c] = table.rows;
    expect(a?.agreed).toBe(false); // n3 never answered for a
    expect(a?.cells.map((cell) => [cell.round, cell.group, cell.summary])).toEqual([
      [2, 0, "1 sibling, 3 items"],
      [2, 0, "1 sibling, 3 items"],
      [undefined, -1, "no answer"],
    ]);
    expect(b?.cells[0]?.summary).toBe("2 siblings, 2 items");
    expect(b?.cells[0]?.group).toBe(b?.cells[1]?.group);
    expect(c?.cells.map((cell) => [cell.group, cell.missing])).toEqual([
      [0, 1],
      [1, 0],
      [-1, undefined],
    ]);
  });

  it("agrees when every node holds the same value; absent when there are no final reads", () => {
    const h = new HistoryBuilder();
    finalRead(h, 10, "a", "n1", 1, []);
    finalRead(h, 11, "a", "n2", 1, []);
    expect(finalReadTable(scanHistory(h.ops).finalReads)?.rows).toEqual([
      {
        key: "a",
        agreed: true,
        cells: [
          { node: "n1", round: 1, group: 0, summary: "absent", missing: 0, index: 1 },
          { node: "n2", round: 1, group: 0, summary: "absent", missing: 0, index: 3 },
        ],
      },
    ]);
    expect(
      finalReadTable(scanHistory(new HistoryBuilder().add(0, "k", 1).ops).finalReads),
    ).toBeUndefined();
  });

  it("shortens long values and says how long they were", () => {
    expect(shorten("abcdef", 10)).toBe("abcdef");
    expect(shorten("x".repeat(50), 10)).toBe(`${"x".repeat(9)}… (50 chars)`);
  });
});
