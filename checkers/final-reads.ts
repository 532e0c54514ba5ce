// The final reads (contract 4): after the final heal the harness reads every node for every key
// in rounds (`f: "final-read"`, `node`, `round`). Checkers judge the last round each node answered;
// convergence also looks at how the rounds got there.
import type { OpPair } from "./op-pairs.js";

export interface FinalRead {
  pair: OpPair;
  key: string;
  node: string;
  round: number;
}

export function finalReadsOf(pairs: readonly OpPair[]): FinalRead[] {
  const reads: FinalRead[] = [];
  for (const pair of pairs) {
    const op = pair.invoke;
    if (op.f !== "final-read") continue;
    if (typeof op.key !== "string" || typeof op.node !== "string") {
      throw new Error(`history op ${op.index}: final-read needs a key and a node`);
    }
    const round = typeof op.round === "number" ? op.round : Number(pair.complete?.round ?? 0);
    reads.push({ pair, key: op.key, node: op.node, round: Number.isFinite(round) ? round : 0 });
  }
  return reads;
}

/** key → node → that node's last successful (ok) final read of the key. */
export function lastRounds(reads: readonly FinalRead[]): Map<string, Map<string, FinalRead>> {
  const byKey = new Map<string, Map<string, FinalRead>>();
  for (const read of reads) {
    if (read.pair.type !== "ok") continue;
    let byNode = byKey.get(read.key);
    if (byNode === undefined) {
      byNode = new Map();
      byKey.set(read.key, byNode);
    }
    const seen = byNode.get(read.node);
    if (seen === undefined || read.round >= seen.round) byNode.set(read.node, read);
  }
  return byKey;
}
