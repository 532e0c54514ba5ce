// A runtime starts and controls a cluster of a system's nodes: local child processes, Docker
// containers, behind one interface. What a node runs comes from its system's launch for this
// runtime (systems/system.ts); how it is faulted (SIGKILL, SIGSTOP, cut links) is the runtime's.
// `start` returns a started cluster that is AsyncDisposable, so `await using cluster = await
// runtime.start(spec)` cleans up on every path.
import {
  type AnySystem,
  type NodeAddress,
  type NodeId,
  type SessionOptions,
  type SystemCluster,
  SystemPrerequisiteError,
  type SystemSession,
} from "../../systems/system.js";
import { UsageError } from "../cli-error.js";
import type { RunClock } from "../run/run-clock.js";

export interface ClusterSpec {
  /** The run's name (test name + timestamp): names networks and containers. */
  name: string;
  /** The run directory: node logs go to <runDir>/nodes/<id>.log. */
  runDir: string;
  /** The system under test and its resolved options (`system:` section). */
  system: AnySystem;
  options: { name: string };
  /** The run's seed, for the nodes' own random choices. */
  seed: number;
  nodeIds: readonly NodeId[];
  /** How a cut link behaves: black-hole (connections hang, the default) or reset. */
  linkFault: "blackhole" | "reset";
  /** Aborted on Ctrl-C: a start under way gives up at once. */
  signal?: AbortSignal;
  /** The test's `runtime:` section (a runtime's own settings, e.g. the sim's latency). */
  runtime?: { name: string; [setting: string]: unknown };
}

/** A directed link: messages from [0] to [1]. */
export type Link = readonly [from: NodeId, to: NodeId];

export type NodeState = "down" | "running" | "paused";

export interface Cluster extends AsyncDisposable, SystemCluster {
  readonly nodes: readonly NodeId[];
  /** Where a node serves clients (127.0.0.1 and a port); may change after a restart. */
  address(node: NodeId): NodeAddress;
  /** Down (killed, or crashed on its own), running or paused. */
  state(node: NodeId): NodeState;
  /** SIGKILL: the process dies without flushing. */
  kill(node: NodeId): Promise<void>;
  /** Starts a killed node again on its own data and waits until it is ready. */
  restart(node: NodeId): Promise<void>;
  /** SIGSTOP / SIGCONT. */
  pause(node: NodeId): Promise<void>;
  resume(node: NodeId): Promise<void>;
  /** Cuts these directed links (in addition to those already cut). */
  cutLinks(links: readonly Link[]): Promise<void>;
  /** Restores every link. */
  healLinks(): Promise<void>;
  /** Stops every node (resumed and SIGTERMed, SIGKILLed after a grace period); idempotent. */
  stop(): Promise<void>;
  /** The run's clock when the cluster keeps its own time (the sim: virtual time). */
  readonly clock?: RunClock;
  /** The session when the cluster is not reached over addresses (the sim: in-process). */
  connect?(session: SessionOptions): SystemSession;
}

export interface Runtime {
  readonly name: string;
  start(spec: ClusterSpec): Promise<Cluster>;
}

/** The system's launch for this runtime, or a plain error naming the runtimes it has. */
export function launchOf<K extends "local" | "docker">(spec: ClusterSpec, runtime: K) {
  const launch = spec.system.launch[runtime];
  if (launch === undefined) {
    const has = Object.keys(spec.system.launch).join(", ") || "none";
    throw new Error(`system ${spec.system.name} has no ${runtime} launch (it has: ${has})`);
  }
  try {
    return launch(spec.options, { seed: spec.seed }) as ReturnType<
      NonNullable<AnySystem["launch"][K]>
    >;
  } catch (err) {
    // A missing server program is the user's to fix (exit 254), not a bug of ours.
    if (err instanceof SystemPrerequisiteError) throw new UsageError(err.message);
    throw err;
  }
}
