// The final reads (contract 4): after the final heal the harness reads every node for every key
// in rounds (`f: "final-read"`, `node`, `round`). Checkers judge the last round each node answered;
// convergence also looks at how the rounds got there.
import type { InternedHistory } from "./interned-history.js";
import type { OpPair } from "./op-pairs.js";

export interface FinalRead {
  pair: OpPair;
  /** The pair's position in the paired history (op-pairs.ts). */
  at: number;
  key: string;
  node: string;
  round: number;
}

export function finalReadsOf(pairs: readonly OpPair[]): FinalRead[] {
  const reads: FinalRead[] = [];
  for (let at = 0; at < pairs.length; at++) {
    if (pairs[at]!.invoke.f === "final-read") reads.push(finalRead(pairs[at]!, at));
  }
  return reads;
}

/** finalReadsOf for an interned history (pair objects made for the final reads only). */
export function internedFinalReads(h: InternedHistory): FinalRead[] {
  const reads: FinalRead[] = [];
  const id = h.fId("final-read");
  for (let at = 0; at < h.f.length; at++) if (h.f[at] === id) reads.push(finalRead(h.pair(at), at));
  return reads;
}

function finalRead(pair: OpPair, at: number): FinalRead {
  const op = pair.invoke;
  if (typeof op.key !== "string" || typeof op.node !== "string") {
    throw new Error(`history op ${op.index}: final-read needs a key and a node`);
  }
  const round = typeof op.round === "number" ? op.round : Number(pair.complete?.round ?? 0);
  return { pair, at, key: op.key, node: op.node, round: Number.isFinite(round) ? round : 0 };
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
