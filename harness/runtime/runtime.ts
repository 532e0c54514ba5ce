// A runtime starts and controls a cluster of `faultline node`s: local child processes or Docker
// containers, behind one interface. `start` returns a started cluster that is AsyncDisposable,
// so `await using cluster = await runtime.start(spec)` cleans up on every path.
import type { NodeId } from "../../nodes/core/replica.js";
import type { NodeOptions } from "../../nodes/node-options.js";

export interface ClusterSpec {
  /** The run's name (test name + timestamp): names networks and containers. */
  name: string;
  /** The run directory: node logs go to <runDir>/nodes/<id>.log. */
  runDir: string;
  nodeIds: readonly NodeId[];
  /** Everything a node needs but its id, address, peers and data directory. */
  node: Omit<NodeOptions, "id" | "listen" | "peers" | "dataDir">;
  /** How a cut link behaves: black-hole (connections hang, the default) or reset. */
  linkFault: "blackhole" | "reset";
}

/** A directed link: messages from [0] to [1]. */
export type Link = readonly [from: NodeId, to: NodeId];

export interface Cluster extends AsyncDisposable {
  readonly nodes: readonly NodeId[];
  /** Client-facing base URL of a node ("http://127.0.0.1:PORT"); may change after a restart. */
  url(node: NodeId): string;
  /** SIGKILL: the process dies without flushing. */
  kill(node: NodeId): Promise<void>;
  /** Starts a killed node again on its own data and waits until it answers /health. */
  restart(node: NodeId): Promise<void>;
  /** SIGSTOP / SIGCONT. */
  pause(node: NodeId): Promise<void>;
  resume(node: NodeId): Promise<void>;
  /** Cuts these directed links (in addition to those already cut). */
  cutLinks(links: readonly Link[]): Promise<void>;
  /** Restores every link. */
  healLinks(): Promise<void>;
  /** Shifts a node's wall clock (POST /admin/clock). */
  setClockOffset(node: NodeId, offsetMs: number): Promise<void>;
  /** Stops every node (resumed and SIGTERMed, SIGKILLed after a grace period); idempotent. */
  stop(): Promise<void>;
}

export interface Runtime {
  readonly name: string;
  start(spec: ClusterSpec): Promise<Cluster>;
}
