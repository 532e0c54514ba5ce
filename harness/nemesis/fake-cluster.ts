// A fake of a started cluster and its system session, for the nemesis tests: no process, no
// network. Its fault model is scripted: every fault call is logged in `calls` ("kill n2",
// "cut n1>n2 n2>n1", "clock n3 -250"); a call named in `failing` throws "<call> failed" without
// taking effect; otherwise node states follow the calls (kill → down, restart → running, pause →
// paused, resume → running). The session has the leader capability only when given `leader`.
// `testNemesis` resolves a `nemesis:` section as a test file's would be.
import type { Capability, NodeAddress, NodeId, SystemSession } from "../../systems/system.js";
import type { Cluster, Link, NodeState } from "../runtime/runtime.js";
import type { NemesisContext, NemesisRecorder } from "./nemesis.js";
import { type NemesisOptions, nemesisSchema, resolveNemesis } from "./nemesis-options.js";

export class FakeCluster implements Cluster {
  readonly calls: string[] = [];
  readonly failing = new Set<string>();
  readonly #states = new Map<NodeId, NodeState>();

  constructor(readonly nodes: readonly NodeId[] = ["n1", "n2", "n3"]) {
    for (const node of nodes) this.#states.set(node, "running");
  }

  address(node: NodeId): NodeAddress {
    return { host: "127.0.0.1", port: 7001 + this.nodes.indexOf(node) };
  }

  state(node: NodeId): NodeState {
    const state = this.#states.get(node);
    if (state === undefined) throw new Error(`unknown node "${node}"`);
    return state;
  }

  /** Logs the call, throws if it is failing, else moves the node to `next`. */
  async call(call: string, node?: NodeId, next?: NodeState): Promise<void> {
    this.calls.push(call);
    if (this.failing.has(call)) throw new Error(`${call} failed`);
    if (node !== undefined && next !== undefined) this.#states.set(node, next);
  }

  kill = (node: NodeId) => this.call(`kill ${node}`, node, "down");
  restart = (node: NodeId) => this.call(`restart ${node}`, node, "running");
  pause = (node: NodeId) => this.call(`pause ${node}`, node, "paused");
  resume = (node: NodeId) => this.call(`resume ${node}`, node, "running");
  cutLinks = (links: readonly Link[]) =>
    this.call(`cut ${links.map((l) => l.join(">")).join(" ")}`);
  healLinks = () => this.call("heal");
  stop = async () => {};
  [Symbol.asyncDispose] = async () => {};
}

export interface FakeSessionOptions {
  /** Given (even as undefined: none leads), the session has the leader capability and answers
   * this node (a function is asked at each call). */
  leader?: NodeId | undefined | (() => NodeId | undefined);
  /** Without the clock capability, the session has no setClockOffset. */
  clock?: boolean;
}

/** The session of a fake cluster: clock shifts are logged as the cluster's calls. */
export function fakeSession(cluster: FakeCluster, options: FakeSessionOptions = {}): SystemSession {
  const leader = options.leader;
  return {
    client: () => {
      throw new Error("the nemesis tests' session has no clients");
    },
    dump: async (node) => ({ node }),
    ...(options.clock !== false && {
      setClockOffset: (node: NodeId, offsetMs: number) => cluster.call(`clock ${node} ${offsetMs}`),
    }),
    ...("leader" in options && {
      leader: async () => (typeof leader === "function" ? leader() : leader),
    }),
    close: async () => {},
  };
}

/** A recorder that keeps the nemesis ops as [type, f, value] (and the error of an info). */
export function fakeRecorder(): { ops: unknown[][]; recorder: NemesisRecorder } {
  const ops: unknown[][] = [];
  return {
    ops,
    recorder: {
      invoke: (f, value) => ops.push(["invoke", f, value]),
      complete: (type, f, value, error) =>
        ops.push(error === undefined ? [type, f, value] : [type, f, value, error]),
    },
  };
}

/** A nemesis context over a fake cluster, its session and a recorder. */
export function fakeContext(
  options: FakeSessionOptions & { nodes?: readonly NodeId[]; signal?: AbortSignal } = {},
): { ctx: NemesisContext; cluster: FakeCluster; ops: unknown[][] } {
  const cluster = new FakeCluster(options.nodes);
  const { ops, recorder } = fakeRecorder();
  const signal = options.signal ?? new AbortController().signal;
  return {
    ctx: { cluster, session: fakeSession(cluster, options), recorder, signal },
    cluster,
    ops,
  };
}

/** A `nemesis:` section parsed and resolved for a test of `nodeCount` nodes of system "fake". */
export function testNemesis(
  section: unknown,
  test: { nodeCount?: number; capabilities?: readonly Capability[] } = {},
): NemesisOptions {
  return resolveNemesis(nemesisSchema.parse(section), {
    system: "fake",
    nodeCount: test.nodeCount ?? 3,
    capabilities: test.capabilities ?? ["clock", "leader"],
  });
}
