// finalReads against fake faultline nodes (systems/faultline/fake-node.ts) through the faultline
// system's KvClient: one round when every node agrees, each node read locally (r=1), rounds until
// the quiescence timeout when they disagree, and a failed read recorded as a fail.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseJsonl } from "../../checkers/formats/jsonl-format.js";
import { type FakeNode, startFakeNode } from "../../systems/faultline/fake-node.js";
import { createNodeClient, faultlineKvClient } from "../../systems/faultline/faultline-client.js";
import { finalReads } from "./final-reads.js";
import { openHistoryWriter } from "./history-writer.js";

const dir = mkdtempSync(join(tmpdir(), "final-reads-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function readAll(
  name: string,
  stores: Map<string, { value: unknown; version: number }>[],
  timeoutMs: number,
  script: (node: FakeNode, index: number) => void = () => {},
) {
  const nodes = await Promise.all(stores.map((store) => startFakeNode({ store })));
  nodes.forEach(script);
  const ids = nodes.map((_, i) => `n${i + 1}`);
  const http = createNodeClient({ urlOf: (id) => nodes[ids.indexOf(id)]!.url, timeoutMs: 5_000 });
  const history = openHistoryWriter(join(dir, `${name}.jsonl`));
  const result = await finalReads({
    kv: (id) => faultlineKvClient(http, id),
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
    const { result, ops, nodes } = await readAll("agree", [shared, shared], 1_000);
    expect(result).toMatchObject({ rounds: 1, agreed: true });
    for (const node of nodes) {
      expect(node.requests.map((r) => [r.method, r.key, r.r])).toEqual([
        ["GET", "k1", "1"],
        ["GET", "k2", "1"],
      ]);
    }
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
      1_000,
    );
    expect(result.agreed).toBe(false);
    expect(result.rounds).toBeGreaterThan(1);
    expect(Math.max(...ops.map((op) => op.round as number))).toBe(result.rounds);
    expect(result.last.get("k1")?.get("n2")).toEqual([[2]]);
  });

  it("records a failed read as a fail (a read changes nothing) and reads again next round", async () => {
    const shared = new Map([["k1", { value: 1, version: 1 }]]);
    const { result, ops } = await readAll("fail", [shared, shared], 2_000, (node, i) => {
      if (i === 0) node.script("GET", [503]);
    });
    expect(result).toMatchObject({ rounds: 2, agreed: true });
    const failed = ops.filter((op) => op.type === "fail");
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      f: "final-read",
      node: "n1",
      round: 1,
      error: "unavailable",
    });
    expect(ops.some((op) => op.type === "info")).toBe(false);
    expect(result.last.get("k1")?.get("n1")).toEqual([1]);
  });
});
