// A node's part in leader elections (Raft §5.2): its term, its one vote per term, its role, the
// leader it knows and a randomized election timer drawn from the replica's seeded random source
// (in [timeout, 2·timeout)). Pure bookkeeping: the replica sends the messages and persists the term
// and vote whenever `dirty` is set, before anything it sends in the same step.
import type { NodeId } from "./replica.js";

export type Role = "follower" | "candidate" | "leader";

export class LeaderElection {
  term = 0;
  vote: NodeId | null = null;
  role: Role = "follower";
  /** The leader of this term, once heard from (or this node). */
  leader: NodeId | null = null;
  /** The last leader this node knew, of any term: the hint of a 503. */
  hint: NodeId | null = null;
  /** Set when term or vote changed: they must be persisted before anything is sent. */
  dirty = false;
  readonly voters = new Set<NodeId>();
  private deadlineMs = 0;

  constructor(
    private readonly self: NodeId,
    private readonly timeoutMs: number,
    private readonly random: () => number,
  ) {}

  restore(term: number, vote: NodeId | null): void {
    this.term = term;
    this.vote = vote;
  }

  /** A term seen in a message: a higher one makes this node a follower of it (returns true). */
  observe(term: number): boolean {
    if (term <= this.term) return false;
    this.term = term;
    this.vote = null;
    this.role = "follower";
    this.leader = null;
    this.dirty = true;
    return true;
  }

  /** Restarts the election timer with a fresh random timeout (or at once: `nowMs` itself). */
  resetTimer(nowMs: number, atOnce = false): void {
    this.deadlineMs = atOnce
      ? nowMs
      : nowMs + this.timeoutMs + Math.floor(this.random() * this.timeoutMs);
  }

  /** True when a follower or candidate has waited out its timeout. */
  due(nowMs: number): boolean {
    return this.role !== "leader" && nowMs >= this.deadlineMs;
  }

  startCampaign(nowMs: number): void {
    this.term++;
    this.vote = this.self;
    this.role = "candidate";
    this.leader = null;
    this.dirty = true;
    this.voters.clear();
    this.voters.add(this.self);
    this.resetTimer(nowMs);
  }

  /** A vote request of the current term: at most one candidate gets this node's vote. */
  grant(candidate: NodeId, upToDate: boolean, nowMs: number): boolean {
    if (this.role !== "follower" || !upToDate) return false;
    if (this.vote !== null && this.vote !== candidate) return false;
    if (this.vote === null) this.dirty = true;
    this.vote = candidate;
    // Having voted, wait a whole timeout for that candidate before standing oneself.
    this.resetTimer(nowMs);
    return true;
  }

  /** Counts a granted vote of the current campaign; true once `majority` voted for this node. */
  countVote(from: NodeId, majority: number): boolean {
    if (this.role !== "candidate") return false;
    this.voters.add(from);
    return this.voters.size >= majority;
  }

  takeOffice(): void {
    this.role = "leader";
    this.leader = this.self;
    this.hint = this.self;
  }

  /** A leader of this term was heard from: follow it and wait a whole timeout again. */
  follow(leader: NodeId, nowMs: number): void {
    this.role = "follower";
    this.leader = leader;
    this.hint = leader;
    this.resetTimer(nowMs);
  }

  /** A leader that lost its majority steps down in its own term: no leader known until one is heard. */
  stepDown(nowMs: number): void {
    this.role = "follower";
    this.leader = null;
    this.resetTimer(nowMs);
  }

  /** Where a client should go instead of this node (never itself), or undefined. */
  redirect(): NodeId | undefined {
    const to = this.leader ?? this.hint;
    return to === null || to === this.self ? undefined : to;
  }
}
