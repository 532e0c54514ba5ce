// The options of one `faultline node` process. The server parses them from flags; the harness
// runtimes build them and turn them into flags with `nodeArgs`, so the two never drift apart.
import type { Build, NodeId, Strategy } from "./core/replica.js";

export interface NodeOptions {
  id: NodeId;
  listen: { host: string; port: number };
  build: Build;
  strategy: Strategy;
  /** Peer id → base URL ("http://127.0.0.1:7002"). */
  peers: Record<NodeId, string>;
  /**
   * No peers, and none to come: a cluster of one (`--peers none`). Without it, a leader-build node
   * started with no peers waits for POST /admin/peers before it takes part in elections.
   */
  alone?: boolean;
  dataDir: string;
  fsync: "always" | "never";
  /** Leader build: the node that stands for election at once on a fresh start. */
  leader?: NodeId;
  /** Leader build: acknowledge a write after the leader's log, a majority, or every node. */
  acks: "one" | "quorum" | "all";
  /** Leader build: the election timeout (randomized up to twice it) and the leader's lease. */
  electionTimeoutMs?: number;
  /** Leaderless only (the leader build refuses --w and --r). */
  w: number;
  r: number;
  readRepair: boolean;
  antiEntropyIntervalMs: number;
  requestTimeoutMs: number;
  seed: number;
}

export const nodeDefaults = {
  fsync: "always",
  acks: "quorum",
  electionTimeoutMs: 500,
  w: 2,
  r: 2,
  readRepair: true,
  antiEntropyIntervalMs: 500,
  requestTimeoutMs: 1000,
  seed: 0,
} as const satisfies Partial<NodeOptions>;

/** The command-line flags of `faultline node` for these options (after the word `node`). */
export function nodeArgs(o: NodeOptions): string[] {
  const args = [
    "--id",
    o.id,
    "--listen",
    `${o.listen.host}:${o.listen.port}`,
    "--build",
    o.build,
    "--strategy",
    o.strategy,
    "--data-dir",
    o.dataDir,
    "--fsync",
    o.fsync,
    "--read-repair",
    o.readRepair ? "on" : "off",
    "--anti-entropy-ms",
    String(o.antiEntropyIntervalMs),
    "--request-timeout-ms",
    String(o.requestTimeoutMs),
    "--seed",
    String(o.seed),
  ];
  if (o.build === "leader") {
    const electionMs = o.electionTimeoutMs ?? nodeDefaults.electionTimeoutMs;
    args.push("--acks", o.acks, "--election-timeout-ms", String(electionMs));
  } else {
    args.push("--w", String(o.w), "--r", String(o.r));
  }
  const peers = Object.entries(o.peers).map(([id, url]) => `${id}=${url}`);
  if (peers.length > 0) args.push("--peers", peers.join(","));
  else if (o.alone) args.push("--peers", "none");
  if (o.leader !== undefined) args.push("--leader", o.leader);
  return args;
}
