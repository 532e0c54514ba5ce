// faultline's own replicated store as a system under test: the `system:` section
// (`{name: faultline, build, strategy, nodes, w, r, acks, fsync, …}`), its shorthand flags, how
// each runtime starts a `faultline node` (nodes/ stays the binary; this file only maps options
// onto its flags; the sim runtime steps the same core in process, faultline-sim.ts), and the
// session the harness and clients use: the node API over HTTP, the admin calls (dump, clock),
// and leader discovery through /health (leader-discovery.ts).
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { BUILDS, STRATEGIES } from "../../nodes/core/replica.js";
import { type NodeOptions, nodeArgs, nodeDefaults } from "../../nodes/node-options.js";
import type { NodeId } from "../../workloads/kv-client.js";
import { duration, type FlagSpec, formatDuration } from "../options-schema.js";
import type { ConfigProblem, NodeAddress, System, SystemSession } from "../system.js";
import { isHealthy, nodeHealth, postClockOffset, postPeers } from "./admin-client.js";
import { createNodeClient, kvSession } from "./faultline-client.js";
import { NODE_ERRORS } from "./faultline-errors.js";
import { faultlineNodeImage } from "./faultline-image.js";
import { faultlineSimLaunch } from "./faultline-sim.js";
import { realClock } from "../session-clock.js";
import { leaderSession } from "./leader-discovery.js";

const NODES_MAX = 15;

const schema = z.strictObject({
  name: z.literal("faultline"),
  build: z.enum(BUILDS).default("leaderless"),
  strategy: z.enum(STRATEGIES).default("lww"),
  nodes: z.number().int().min(1).max(NODES_MAX).default(3),
  fsync: z.enum(["always", "never"]).default(nodeDefaults.fsync),
  /** leader build: acknowledge a write after the leader's log (asynchronous), a majority, or all. */
  acks: z.enum(["one", "quorum", "all"]).optional(),
  /** leader build: the election timeout (randomized up to twice it), also the leader's lease. */
  electionTimeout: duration(10, 600_000).optional(),
  /** leader build: reads through the leader (read-index) or from whichever node is asked. */
  reads: z.enum(["leader", "any"]).optional(),
  /** leaderless: the write and read quorums (default: a majority). */
  w: z.number().int().min(1).max(NODES_MAX).optional(),
  r: z.number().int().min(1).max(NODES_MAX).optional(),
  readRepair: z.boolean().default(nodeDefaults.readRepair),
  antiEntropy: duration(0, 3_600_000).default(nodeDefaults.antiEntropyIntervalMs),
  requestTimeout: duration(1, 600_000).default(nodeDefaults.requestTimeoutMs),
});

export type FaultlineOptions = z.output<typeof schema>;

const flags: FlagSpec[] = [
  { flags: "--build <build>", description: BUILDS.join(" | "), path: ["build"], kind: "string" },
  {
    flags: "--strategy <strategy>",
    description: STRATEGIES.join(" | "),
    path: ["strategy"],
    kind: "string",
  },
  { flags: "--nodes <n>", description: "node count (default 3)", path: ["nodes"], kind: "number" },
  { flags: "--w <n>", description: "leaderless write quorum", path: ["w"], kind: "number" },
  { flags: "--r <n>", description: "leaderless read quorum", path: ["r"], kind: "number" },
  {
    flags: "--acks <acks>",
    description: "leader replication: one | all",
    path: ["acks"],
    kind: "string",
  },
  { flags: "--fsync <mode>", description: "always | never", path: ["fsync"], kind: "string" },
  {
    flags: "--read-repair <on|off>",
    description: "leaderless read repair (default on)",
    path: ["readRepair"],
    kind: "boolean",
  },
  {
    flags: "--anti-entropy <duration>",
    description: "leaderless anti-entropy interval, 0 = off (500ms)",
    path: ["antiEntropy"],
    kind: "duration",
  },
];

const majority = (nodes: number) => Math.floor(nodes / 2) + 1;

function problems(o: FaultlineOptions): ConfigProblem[] {
  const found: ConfigProblem[] = [];
  for (const quorum of ["w", "r"] as const) {
    const value = o[quorum];
    if (value === undefined) continue;
    if (o.build === "leader") {
      found.push({
        path: [quorum],
        message: `${quorum} is a leaderless quorum; the leader build has none (remove it or use build: leaderless)`,
      });
    } else if (value > o.nodes) {
      found.push({
        path: [quorum],
        message: `${quorum} = ${value} is more than the ${o.nodes} nodes (allowed: 1 … ${o.nodes})`,
      });
    }
  }
  for (const key of ["acks", "electionTimeout", "reads"] as const) {
    if (o[key] !== undefined && o.build === "leaderless") {
      found.push({
        path: [key],
        message: `${key} applies to the leader build only (leaderless writes and reads use the quorums w and r)`,
      });
    }
  }
  return found;
}

/** The election timeout (leader build), filled by resolve; the default for options not resolved. */
const electionTimeoutOf = (o: FaultlineOptions): number =>
  o.electionTimeout ?? nodeDefaults.electionTimeoutMs;

/** The build's own settings filled: quorums for leaderless; acks, elections and reads for the
 * leader build. */
function resolve(o: FaultlineOptions): FaultlineOptions {
  if (o.build === "leader") {
    return {
      ...o,
      acks: o.acks ?? nodeDefaults.acks,
      electionTimeout: electionTimeoutOf(o),
      reads: o.reads ?? "leader",
    };
  }
  return { ...o, w: o.w ?? majority(o.nodes), r: o.r ?? majority(o.nodes) };
}

const nodeIds = (o: FaultlineOptions): NodeId[] =>
  Array.from({ length: o.nodes }, (_, i) => `n${i + 1}`);

/** Leader build: the node that stands for election at once on a fresh start (a fast first
 * election; any node may lead later). */
const firstCandidate = (o: FaultlineOptions): NodeId | undefined =>
  o.build === "leader" ? nodeIds(o)[0] : undefined;

/** The `faultline node` options for one node (all but where it listens and its peers). */
function nodeOptions(
  o: FaultlineOptions,
  seed: number,
): Omit<NodeOptions, "id" | "listen" | "peers" | "dataDir"> {
  const leader = firstCandidate(o);
  return {
    build: o.build,
    strategy: o.strategy,
    fsync: o.fsync,
    acks: o.acks ?? nodeDefaults.acks,
    electionTimeoutMs: electionTimeoutOf(o),
    w: o.w ?? majority(o.nodes),
    r: o.r ?? majority(o.nodes),
    readRepair: o.readRepair,
    antiEntropyIntervalMs: o.antiEntropy,
    requestTimeoutMs: o.requestTimeout,
    seed,
    // A cluster of one leads at once; a larger one learns its peers before any election.
    ...(o.nodes === 1 && { alone: true }),
    ...(leader !== undefined && { leader }),
  };
}

const FAULTLINE_BIN = fileURLToPath(new URL("../../bin/faultline.js", import.meta.url));
/** The port every node serves on inside its container. */
const CONTAINER_PORT = 7000;
const ADMIN_TIMEOUT_MS = 5_000;

const baseUrl = (address: NodeAddress) => `http://${address.host}:${address.port}`;

function connect(
  o: FaultlineOptions,
  cluster: { address(node: NodeId): NodeAddress; readonly nodes: readonly NodeId[] },
  session: { opTimeoutMs: number },
): SystemSession {
  const urlOf = (node: NodeId) => baseUrl(cluster.address(node));
  const http = createNodeClient({ urlOf, timeoutMs: session.opTimeoutMs });
  const health = (node: NodeId, signal: AbortSignal) => nodeHealth(urlOf(node), signal);
  return {
    ...kvSession(http, { localReads: o.reads === "any" }),
    setClockOffset: (node, offsetMs) => postClockOffset(urlOf(node), offsetMs, ADMIN_TIMEOUT_MS),
    ...(o.build === "leader" &&
      leaderSession(electionTimeoutOf(o), cluster.nodes, health, realClock)),
    async close() {
      http.close();
    },
  };
}

export const faultline: System<FaultlineOptions> = {
  name: "faultline",
  summary:
    "faultline's own replicated key-value store (leader or leaderless; lww, reject, siblings)",
  schema,
  flags,
  resolve,
  problems,
  nodeIds,
  traits: (o) => ({ conflicts: o.strategy }),
  capabilities: (o) => (o.build === "leader" ? ["clock", "leader", "failover"] : ["clock"]),
  describe: (o) => `faultline ${o.build}/${o.strategy}, ${o.nodes} node${o.nodes === 1 ? "" : "s"}`,
  label: (o) => `${o.build}-${o.strategy}`,
  settings: (o) => [
    ["build / strategy", `${o.build} / ${o.strategy}`],
    ["nodes", String(o.nodes)],
    [
      "replication",
      o.build === "leader"
        ? `acks ${o.acks}, reads through ${o.reads === "any" ? "any node" : "the leader"}, ` +
          `election timeout ${formatDuration(electionTimeoutOf(o))}`
        : `w ${o.w}, r ${o.r}, read repair ${o.readRepair ? "on" : "off"}, ` +
          (o.antiEntropy === 0
            ? "no anti-entropy"
            : `anti-entropy every ${formatDuration(o.antiEntropy)}`),
    ],
    ["node", `fsync ${o.fsync}, request timeout ${formatDuration(o.requestTimeout)}`],
  ],
  launch: {
    local: (o, run) => ({
      command: (node) => ({
        file: process.execPath,
        args: [
          FAULTLINE_BIN,
          "node",
          ...nodeArgs({
            ...nodeOptions(o, run.seed),
            id: node.id,
            listen: { host: "127.0.0.1", port: node.port },
            peers: Object.fromEntries(
              Object.entries(node.peers).map(([peer, address]) => [peer, baseUrl(address)]),
            ),
            dataDir: node.dataDir,
          }),
          "--exit-with-parent",
        ],
      }),
    }),
    docker: (o, run) => ({
      image: (builder) => faultlineNodeImage(builder),
      port: CONTAINER_PORT,
      command: (node) =>
        nodeArgs({
          ...nodeOptions(o, run.seed),
          id: node.id,
          listen: { host: "0.0.0.0", port: CONTAINER_PORT },
          peers: {},
          dataDir: "/data",
        }),
      setPeers: (node, peers, signal) =>
        postPeers(
          baseUrl(node),
          Object.fromEntries(
            Object.entries(peers).map(([peer, address]) => [peer, baseUrl(address)]),
          ),
          ADMIN_TIMEOUT_MS,
          signal,
        ),
    }),
    sim: (o, run) =>
      faultlineSimLaunch(nodeOptions(o, run.seed), {
        localReads: o.reads === "any",
        plantedBug: run.plantedBug,
      }),
  },
  ready: (address) => isHealthy(baseUrl(address), 1000),
  connect,
  errors: NODE_ERRORS,
};
