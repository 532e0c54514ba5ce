// What a leader knows of each follower in its term: the next entry to send and the highest one it
// holds (Raft's nextIndex / matchIndex), when it last answered (by the leader's clock at the send
// it answered, so a late answer never extends the lease), and the highest read round it answered.
// Majority questions count the leader itself: commit index, lease, confirmed read round.
import type { AppendReply } from "./leader-messages.js";
import type { NodeId } from "./replica.js";

interface Follower {
  next: number;
  match: number;
  /** The leader's clock at the latest send this follower answered. */
  contactMs: number;
  /** The leader's clock when this follower's latest answer arrived (acks "all": silent ones). */
  heardMs: number;
  round: number;
}

export class LeaderProgress {
  private readonly followers = new Map<NodeId, Follower>();

  /**
   * `voters` just granted their vote: the lease starts now for them. (Safe: the lease only decides
   * when a leader gives up, reads never rely on it; and the votes may take longer than a lease.)
   */
  constructor(
    ids: readonly NodeId[],
    lastIndex: number,
    nowMs: number,
    voters: ReadonlySet<NodeId>,
  ) {
    for (const id of ids) {
      const contactMs = voters.has(id) ? nowMs : Number.NEGATIVE_INFINITY;
      this.followers.set(id, {
        next: lastIndex + 1,
        match: 0,
        contactMs,
        heardMs: nowMs,
        round: 0,
      });
    }
  }

  ids(): NodeId[] {
    return [...this.followers.keys()];
  }

  /** Membership changed: new followers start from the end of the log, gone ones are forgotten. */
  setMembers(ids: readonly NodeId[], lastIndex: number, nowMs: number): void {
    for (const id of this.ids()) if (!ids.includes(id)) this.followers.delete(id);
    for (const id of ids) {
      if (this.followers.has(id)) continue;
      const fresh = { next: lastIndex + 1, match: 0, contactMs: Number.NEGATIVE_INFINITY };
      this.followers.set(id, { ...fresh, heardMs: nowMs, round: 0 });
    }
  }

  next(id: NodeId): number {
    return this.followers.get(id)?.next ?? 1;
  }

  /** After a send of entries up to `lastSent`: the next send starts after them (pipelining). */
  sent(id: NodeId, lastSent: number): void {
    const f = this.followers.get(id);
    if (f !== undefined) f.next = Math.max(f.next, lastSent + 1);
  }

  /** Records an answer; a refusal moves `next` back (and `match` too: a restart may lose a tail). */
  answered(id: NodeId, reply: AppendReply, nowMs: number): void {
    const f = this.followers.get(id);
    if (f === undefined) return;
    f.contactMs = Math.max(f.contactMs, reply.at);
    f.heardMs = nowMs;
    f.round = Math.max(f.round, reply.round);
    if (reply.ok) {
      f.match = Math.max(f.match, reply.match);
      f.next = Math.max(f.next, f.match + 1);
    } else {
      f.next = reply.next;
      f.match = Math.min(f.match, reply.next - 1);
    }
  }

  /** True when the follower holds everything up to the leader's last entry. */
  caughtUp(id: NodeId, lastIndex: number): boolean {
    return (this.followers.get(id)?.match ?? 0) >= lastIndex;
  }

  /** The highest index a majority (the leader, at `lastIndex`, included) holds. */
  majorityMatch(lastIndex: number, majority: number): number {
    return kthHighest([lastIndex, ...[...this.followers.values()].map((f) => f.match)], majority);
  }

  /** The highest read round a majority answered (the leader has answered `round` itself). */
  confirmedRound(round: number, majority: number): number {
    return kthHighest([round, ...[...this.followers.values()].map((f) => f.round)], majority);
  }

  /** True while a majority answered a send made within `leaseMs` (the leader counts itself). */
  leaseHolds(nowMs: number, leaseMs: number, majority: number): boolean {
    const contacts = [nowMs, ...[...this.followers.values()].map((f) => f.contactMs)];
    return kthHighest(contacts, majority) > nowMs - leaseMs;
  }

  /** True when every follower holds `index`. */
  allHold(index: number): boolean {
    return [...this.followers.values()].every((f) => f.match >= index);
  }

  /** Followers whose last answer is older than `silentMs`. */
  silent(nowMs: number, silentMs: number): NodeId[] {
    return [...this.followers].filter(([, f]) => nowMs - f.heardMs > silentMs).map(([id]) => id);
  }
}

function kthHighest(values: number[], k: number): number {
  return values.sort((a, b) => b - a)[k - 1] ?? Number.NEGATIVE_INFINITY;
}
