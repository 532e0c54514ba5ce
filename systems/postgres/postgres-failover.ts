// The failover procedure, as steps the harness runs and records (each returns what it did, for
// the history). The harness fences the old primary first (kill or isolate); then `failover`
// surveys the standbys, picks one (the highest replay LSN, as Patroni does, or a seeded random
// one), promotes it and re-points the others. On heal, `rejoin` brings a fenced or diverged node
// back as a standby of the new primary: pg_rewind, or a fresh base backup when the rewind fails.
import type { NodeId } from "../../workloads/kv-client.js";
import {
  ADMIN_TIMEOUT_MS,
  compareLsn,
  type Lsn,
  promote,
  repoint,
  serverPosition,
  walReceiver,
} from "./postgres-admin.js";
import {
  type Address,
  baseBackupSteps,
  conninfo,
  type PostgresLaunchInput,
  rewindSteps,
  type SetupStep,
} from "./postgres-launch.js";
import type { PostgresOptions } from "./postgres-options.js";

export type FailoverPick = PostgresOptions["failover"]["pick"];

/** One standby as the survey found it: its WAL positions, or why it did not answer. */
export type Candidate =
  | { node: NodeId; replayLsn: Lsn | null; receiveLsn: Lsn | null }
  | { node: NodeId; unreachable: string };

/** What one step did, as the history records it (f "failover", this as its value). */
export type FailoverStep =
  | { step: "survey"; candidates: Candidate[] }
  | { step: "pick"; node: NodeId; by: FailoverPick; replayLsn: Lsn | null }
  | { step: "promote"; node: NodeId; timeline: number | null; ms: number }
  | { step: "repoint"; node: NodeId; primary: NodeId; error?: string }
  | { step: "stop"; node: NodeId }
  | { step: "rewind"; node: NodeId; source: NodeId; error?: string }
  | { step: "base-backup"; node: NodeId; source: NodeId }
  | { step: "start"; node: NodeId }
  | { step: "streaming"; node: NodeId; primary: NodeId; timeline: number };

export type RecordStep = (step: FailoverStep) => void;

export interface FailoverInput {
  /** The fenced primary: not a candidate, not re-pointed. */
  oldPrimary: NodeId;
  /** The standbys: the candidates, and the nodes re-pointed at the winner. */
  standbys: readonly NodeId[];
  pick: FailoverPick;
  /** The run's seeded randomness; a random pick draws once. */
  random: () => number;
  /** The address the harness reaches a node at (admin SQL). */
  admin(node: NodeId): Address;
  /** The address `from` reaches `to` at (a re-pointed standby's primary_conninfo). */
  peer(from: NodeId, to: NodeId): Address;
  /** Per admin call; promotion gets its own. */
  timeoutMs?: number;
  promoteTimeoutMs?: number;
}

export class FailoverError extends Error {
  override readonly name = "FailoverError";
}

/** Promotes a standby and re-points the others; returns the new primary. Throws FailoverError
 * when no standby answers or the promotion fails (the steps so far are recorded). */
export async function failover(input: FailoverInput, record: RecordStep): Promise<NodeId> {
  const timeoutMs = input.timeoutMs ?? ADMIN_TIMEOUT_MS;
  const candidates = await survey(input, timeoutMs);
  record({ step: "survey", candidates });
  const chosen = pickPromotion(candidates, input.pick, input.random);
  if (chosen === undefined) {
    throw new FailoverError(
      `no standby to promote: ${candidates.map(describeCandidate).join("; ") || "none configured"}`,
    );
  }
  record({ step: "pick", node: chosen.node, by: input.pick, replayLsn: chosen.replayLsn });

  const primary = chosen.node;
  try {
    const { ms } = await promote(input.admin(primary), input.promoteTimeoutMs ?? 30_000);
    const { timeline } = await serverPosition(input.admin(primary), timeoutMs);
    record({ step: "promote", node: primary, timeline, ms });
  } catch (err) {
    throw new FailoverError(`promoting ${primary} failed: ${message(err)}`);
  }
  for (const node of input.standbys.filter((n) => n !== primary)) {
    record(await repointStep(input, node, primary, timeoutMs));
  }
  return primary;
}

async function survey(input: FailoverInput, timeoutMs: number): Promise<Candidate[]> {
  return Promise.all(
    input.standbys.map(async (node): Promise<Candidate> => {
      try {
        const position = await serverPosition(input.admin(node), timeoutMs);
        if (!position.inRecovery) return { node, unreachable: "not in recovery (a primary?)" };
        return { node, replayLsn: position.replayLsn, receiveLsn: position.receiveLsn };
      } catch (err) {
        return { node, unreachable: message(err) };
      }
    }),
  );
}

/** The standby to promote among those that answered, or undefined when none did. Most advanced:
 * the highest replay LSN (then receive LSN, then the first id); random: one draw over the
 * answering standbys in id order, so the seed alone decides. */
export function pickPromotion(
  candidates: readonly Candidate[],
  pick: FailoverPick,
  random: () => number,
): { node: NodeId; replayLsn: Lsn | null } | undefined {
  const live = candidates
    .flatMap((c) => ("unreachable" in c ? [] : [c]))
    .sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
  if (live.length === 0) return undefined;
  if (pick === "random") {
    const chosen = live[Math.min(live.length - 1, Math.floor(random() * live.length))]!;
    return { node: chosen.node, replayLsn: chosen.replayLsn };
  }
  const ahead = (a: Lsn | null, b: Lsn | null) =>
    a === null ? (b === null ? 0 : -1) : b === null ? 1 : compareLsn(a, b);
  let best = live[0]!;
  for (const c of live.slice(1)) {
    const order = ahead(c.replayLsn, best.replayLsn) || ahead(c.receiveLsn, best.receiveLsn);
    if (order > 0) best = c;
  }
  return { node: best.node, replayLsn: best.replayLsn };
}

async function repointStep(
  input: FailoverInput,
  node: NodeId,
  primary: NodeId,
  timeoutMs: number,
): Promise<FailoverStep> {
  try {
    await repoint(input.admin(node), conninfo(input.peer(node, primary), node), timeoutMs);
    return { step: "repoint", node, primary };
  } catch (err) {
    // A standby cut off now is re-pointed by rejoin on heal.
    return { step: "repoint", node, primary, error: message(err) };
  }
}

/** What rejoin needs of the harness runtime: the node's process and its one-shot steps. */
export interface RejoinRuntime {
  /** Makes sure the node's server is down (an isolated old primary still runs). */
  stopServer(node: NodeId): Promise<void>;
  /** Runs setup steps for the node in order; rejects with the first failure. */
  runSteps(node: NodeId, steps: SetupStep[]): Promise<void>;
  /** Starts the node's server and waits until it answers. */
  startServer(node: NodeId): Promise<void>;
}

export interface RejoinInput {
  node: NodeId;
  primary: NodeId;
  launch: PostgresLaunchInput;
  admin(node: NodeId): Address;
  runtime: RejoinRuntime;
  /** How long the rejoined standby may take to stream from the primary. */
  streamTimeoutMs?: number;
}

/** Brings `node` back as a standby of `primary` and waits until it streams from it. Returns how
 * it got there. */
export async function rejoin(
  input: RejoinInput,
  record: RecordStep,
): Promise<"rewind" | "base-backup"> {
  const { node, primary, launch, runtime } = input;
  await runtime.stopServer(node);
  record({ step: "stop", node });
  let via: "rewind" | "base-backup" = "rewind";
  try {
    await runtime.runSteps(node, rewindSteps(launch, node, primary));
    record({ step: "rewind", node, source: primary });
  } catch (err) {
    record({ step: "rewind", node, source: primary, error: message(err) });
    via = "base-backup";
    await runtime.runSteps(node, baseBackupSteps(launch, node, primary));
    record({ step: "base-backup", node, source: primary });
  }
  await runtime.startServer(node);
  record({ step: "start", node });
  // A rewound node first streams the old timeline up to the fork: wait for the primary's own.
  const { timeline: current } = await serverPosition(input.admin(primary));
  const timeline = await awaitStreaming(
    input.admin(node),
    launch.peer(node, primary),
    input.streamTimeoutMs ?? 30_000,
    current ?? undefined,
  );
  record({ step: "streaming", node, primary, timeline });
  return via;
}

/** Waits until the standby at `address` streams from `from` (on `timeline` or later, when
 * given); returns the timeline it receives. */
export async function awaitStreaming(
  address: Address,
  from: Address,
  timeoutMs: number,
  timeline?: number,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = "no WAL receiver";
  while (Date.now() < deadline) {
    try {
      const receiver = await walReceiver(address, Math.min(2_000, timeoutMs));
      const sender = receiver && `${receiver.senderHost}:${receiver.senderPort}`;
      if (
        receiver?.status === "streaming" &&
        sender === `${from.host}:${from.port}` &&
        receiver.receivedTimeline >= (timeline ?? 0)
      )
        return receiver.receivedTimeline;
      last =
        receiver === undefined
          ? "no WAL receiver"
          : `${receiver.status} from ${sender} on timeline ${receiver.receivedTimeline}`;
    } catch (err) {
      last = message(err);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new FailoverError(
    `the standby at ${address.host}:${address.port} did not stream from ${from.host}:${from.port} within ${timeoutMs} ms (last: ${last})`,
  );
}

function describeCandidate(c: Candidate): string {
  return "unreachable" in c ? `${c.node}: ${c.unreachable}` : `${c.node}: ${c.replayLsn}`;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
