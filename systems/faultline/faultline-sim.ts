// faultline's node on the sim runtime: each node is a replica of nodes/core (through its public
// contract: createReplica, step, dump, role) stepped in the harness process, configured from the
// same node options as a `faultline node` process, ticked as often as the HTTP shell ticks it,
// with the same write-behind under fsync "never". Its session is the real one's over the
// simulated wire: the same KvClient (faultline-client.ts) on a NodeClient that hands requests to
// the sim instead of HTTP, every answer classified by the same error table. The test-only
// planted bugs live here, never in nodes/core.
import { createReplica } from "../../nodes/core/create-replica.js";
import type { Effect, Input, Json, Replica, ReplicaConfig } from "../../nodes/core/replica.js";
import { type NodeOptions, nodeDefaults } from "../../nodes/node-options.js";
import type { NodeId } from "../../workloads/kv-client.js";
import type {
  SessionOptions,
  SimEffect,
  SimLaunch,
  SimNode,
  SimResponse,
  SimWire,
  SystemSession,
} from "../system.js";
import { kvSession, type NodeClient, type NodeResult } from "./faultline-client.js";
import { classifyNodeError, httpErrorKind } from "./faultline-errors.js";
import { leaderSession } from "./leader-discovery.js";

/** What the node needs of a `faultline node`'s options (all but where it listens and its data). */
export type SimNodeOptions = Omit<NodeOptions, "id" | "listen" | "peers" | "dataDir">;

/** The HTTP shell's timer (node-server.ts) and its log's write-behind (append-log.ts). */
const TICK_INTERVAL_MS = 25;
const WRITE_BEHIND_MS = 200;

export const PLANTED_BUGS = {
  "drop-sibling":
    "a client read that returns five or more siblings leaves out the oldest; its context still " +
    "covers it, so a write back through that context deletes it",
} as const;

type PlantedBug = keyof typeof PLANTED_BUGS;

/** drop-sibling strikes a read that returns at least this many siblings: a rare race (five
 * writes that saw the same version), so most runs pass and explore must search for one. */
const SIBLINGS_DROPPED_FROM = 5;

/** A client request as the sim carries it: the node API's GET and PUT. */
type ClientRequest =
  | { kind: "get"; key: string; r?: number }
  | { kind: "put"; key: string; value: Json; context?: string };

type CoreReply = Extract<Effect, { kind: "reply" }>;

export interface FaultlineSimNode extends SimNode {
  readonly id: NodeId;
  readonly replica: Replica;
}

function replicaConfig(id: NodeId, nodes: readonly NodeId[], o: SimNodeOptions): ReplicaConfig {
  return {
    id,
    nodes: [...nodes].sort(),
    build: o.build,
    strategy: o.strategy,
    ...(o.leader !== undefined && { leader: o.leader }),
    acks: o.acks,
    w: o.w,
    r: o.r,
    readRepair: o.readRepair,
    antiEntropyIntervalMs: o.antiEntropyIntervalMs,
    requestTimeoutMs: o.requestTimeoutMs,
    seed: o.seed,
  };
}

/** The core's input for a sim input (a request's optional fields stay undefined, as absent:
 * one object shape, which the core reads fastest). */
function coreInput(input: Parameters<SimNode["step"]>[0]): Input {
  if (input.kind !== "request") return input as Input;
  const request = input.request as ClientRequest;
  if (request.kind === "get")
    return { kind: "get", req: input.req, key: request.key, r: request.r };
  const { key, value, context } = request;
  return { kind: "put", req: input.req, key, value, context };
}

/** The drop-sibling bug: a client's (quorum) read answered with five or more siblings loses
 * the oldest. The answer may come from a later step than the request (it waits for peers). */
function siblingDropper(): (input: Input, effects: Effect[]) => Effect[] {
  const reads = new Set<number>();
  return (input, effects) => {
    if (input.kind === "get" && input.r === undefined) reads.add(input.req);
    if (reads.size === 0) return effects;
    return effects.map((effect) => {
      if (effect.kind !== "reply" || !reads.delete(effect.req)) return effect;
      if (effect.status !== 200 || !("values" in effect.body)) return effect;
      const { values } = effect.body;
      if (values.length < SIBLINGS_DROPPED_FROM) return effect;
      return { ...effect, body: { ...effect.body, values: values.slice(1) } };
    });
  };
}

function simNode(
  id: NodeId,
  nodes: readonly NodeId[],
  recovered: readonly unknown[],
  o: SimNodeOptions,
  bug: PlantedBug | undefined,
): FaultlineSimNode {
  const replica = createReplica(replicaConfig(id, nodes, o), recovered as Json[]);
  const plant = bug === "drop-sibling" ? siblingDropper() : undefined;
  return {
    id,
    replica,
    step(input, clock): SimEffect[] {
      const core = coreInput(input);
      try {
        const effects = replica.step(core, clock);
        return plant === undefined ? effects : plant(core, effects);
      } catch (err) {
        // As the HTTP shell answers a core that threw: 500, indeterminate.
        if (core.kind !== "get" && core.kind !== "put") throw err;
        const detail = `the replica failed on this request: ${err instanceof Error ? err.message : String(err)}`;
        const internal = {
          kind: "reply" as const,
          req: core.req,
          status: 500,
          body: { error: "internal", detail },
        };
        return [internal];
      }
    },
  };
}

/** A sim answer as the HTTP client would have classified it. */
function nodeResult(response: SimResponse): NodeResult {
  if (!response.ok) {
    const kind = response.error;
    return { ok: false, error: kind, kind, outcome: classifyNodeError(kind) };
  }
  const { status, body } = response.reply as CoreReply;
  const fields = body as unknown as Record<string, unknown>;
  if (status === 200) return { ok: true, status, body: fields };
  const kind = httpErrorKind(status);
  const error = typeof fields.error === "string" ? fields.error : `http-${status}`;
  return { ok: false, error, kind, outcome: classifyNodeError(kind), status, body: fields };
}

/** The node API over the simulated wire. */
function simNodeClient(wire: SimWire<FaultlineSimNode>, timeoutMs: number): NodeClient {
  const call = (node: NodeId, request: ClientRequest, signal: AbortSignal | undefined) =>
    wire.request(node, request, { timeoutMs, ...(signal && { signal }) }).then(nodeResult);
  return {
    get: (node, key, o) =>
      call(node, { kind: "get", key, ...(o?.r !== undefined && { r: o.r }) }, o?.signal),
    put: (node, key, value, context, o) =>
      call(
        node,
        { kind: "put", key, value: value as Json, ...(context !== undefined && { context }) },
        o?.signal,
      ),
    async dump(node) {
      const running = wire.running(node);
      if (running === undefined) return nodeResult({ ok: false, error: "connection-refused" });
      return { ok: true, status: 200, body: { node, keys: running.replica.dump() } };
    },
    close() {},
  };
}

/** What the faultline session needs beyond the node's options (as the HTTP session has them). */
export interface FaultlineSimSession {
  /** reads: any — every read is the asked node's own copy. */
  localReads: boolean;
  /** A test-only bug planted in the sim's nodes (PLANTED_BUGS). */
  plantedBug: string | undefined;
}

function connect(
  o: SimNodeOptions,
  s: FaultlineSimSession,
  wire: SimWire<FaultlineSimNode>,
  session: SessionOptions,
): SystemSession {
  // A running node's /health as its HTTP shell answers it; a down node does not answer.
  const healthOf = async (node: NodeId) => {
    const replica = wire.running(node)?.replica;
    return replica && { node, role: replica.role(), ...replica.health?.() };
  };
  return {
    ...kvSession(simNodeClient(wire, session.opTimeoutMs), { localReads: s.localReads }),
    setClockOffset: async (node, offsetMs) => wire.setClockOffset(node, offsetMs),
    ...(o.build === "leader" &&
      leaderSession(
        o.electionTimeoutMs ?? nodeDefaults.electionTimeoutMs,
        wire.nodes,
        healthOf,
        wire.clock,
      )),
    async close() {},
  };
}

/** The faultline system's sim launch for these node options. */
export function faultlineSimLaunch(
  o: SimNodeOptions,
  s: FaultlineSimSession,
): SimLaunch<FaultlineSimNode> {
  const bug = s.plantedBug as PlantedBug | undefined;
  return {
    tickIntervalMs: TICK_INTERVAL_MS,
    writeBehindMs: o.fsync === "never" ? WRITE_BEHIND_MS : 0,
    plantedBugs: PLANTED_BUGS,
    node: (id, nodes, recovered) => simNode(id, nodes, recovered, o, bug),
    connect: (wire, session) => connect(o, s, wire, session),
  };
}
