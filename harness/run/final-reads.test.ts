import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseJsonl } from "../../checkers/formats/jsonl-format.js";
import { startFakeNode } from "../../workloads/fake-node.js";
import { createNodeClient } from "../../workloads/node-client.js";
import { finalReads } from "./final-reads.js";
import { openHistoryWriter } from "./history-writer.js";

const dir = mkdtempSync(join(tmpdir(), "final-reads-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function readAll(
  name: string,
  stores: Map<string, { value: unknown; version: number }>[],
  timeoutMs: number,
) {
  const nodes = await Promise.all(stores.map((store) => startFakeNode({ store })));
  const ids = nodes.map((_, i) => `n${i + 1}`);
  const http = createNodeClient({ urlOf: (id) => nodes[ids.indexOf(id)]!.url, timeoutMs: 500 });
  const history = openHistoryWriter(join(dir, `${name}.jsonl`));
  const result = await finalReads({
    http,
    nodes: ids,
    keys: ["k1", "k2"],
    history,
    processFirst: 10,
    quiescenceTimeoutMs: timeoutMs,
    roundIntervalMs: 20,
    signal: new AbortController().signal,
  });
  history.close();
  http.close();
  await Promise.all(nodes.map((n) => n.close()));
  return {
    result,
    ops: parseJsonl(readFileSync(join(dir, `${name}.jsonl`), "utf8"), name).history,
    nodes,
  };
}

describe("finalReads", () => {
  it("stops after one round when every node agrees, reading each key of each node with r=1", async () => {
    const shared = new Map([["k1", { value: [1, 2], version: 1 }]]);
    const { result, ops } = await readAll("agree", [shared, shared], 1_000);
    expect(result).toMatchObject({ rounds: 1, agreed: true });
    expect(
      ops
        .filter((op) => op.type === "ok")
        .map((op) => [op.node, op.key, op.value, op.round, op.process]),
    ).toEqual(
      expect.arrayContaining([
        ["n1", "k1", [[1, 2]], 1, 10],
        ["n2", "k1", [[1, 2]], 1, 11],
        ["n1", "k2", [], 1, 10],
        ["n2", "k2", [], 1, 11],
      ]),
    );
  });

  it("reads in rounds until the quiescence timeout when the nodes disagree", async () => {
    const { result, ops } = await readAll(
      "disagree",
      [
        new Map([["k1", { value: [1], version: 1 }]]),
        new Map([["k1", { value: [2], version: 1 }]]),
      ],
      200,
    );
    expect(result.agreed).toBe(false);
    expect(result.rounds).toBeGreaterThan(1);
    expect(Math.max(...ops.map((op) => op.round as number))).toBe(result.rounds);
    expect(result.last.get("k1")?.get("n2")).toEqual([[2]]);
  });
});
