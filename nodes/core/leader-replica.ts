// The leader build: Raft-style terms, elections and a replicated log. One leader per term orders
// every write as a log entry (the key's new state, leader-strategies.ts) and replicates it; it
// acknowledges after its own log ("one": asynchronous, a failover loses what followers lacked),
// once a majority holds it ("quorum") or once every node does ("all"). Followers check each
// append against their log (leader-log.ts) and truncate a conflicting suffix, logging each
// discarded write (`discarded {…}`). Elections: leader-election.ts; under "quorum" and "all" a node
// votes only for a log at least as up to date as its own. A leader steps down when no majority
// answered it for an election timeout (its lease) and takes no write after that.
// Reads: `r=1` reads this node's own log (any node: may be stale). Without r a read goes through
// the leader (a follower forwards it). Under "quorum" and "all" the leader serves it by read-index,
// not by lease: it notes its commit index, confirms it still leads with one heartbeat round a
// majority answers, then reads the committed state. That costs a round trip but, unlike a lease
// read, stays linearizable when clocks jump or a paused process wakes (both are faults we inject).
// Under "one" the leader reads its own log: replication is asynchronous, so it promises nothing.
// Membership: a node started with no peers (and not `alone`) waits for a "peers" input before
// taking part in elections; a "peers" input of itself alone makes it a cluster of one.
// `w` is refused (writes are acknowledged by `acks`); `r` other than 1 is refused.
import { badRequest, ok } from "./client-replies.js";
import { LeaderElection } from "./leader-election.js";
import { type IndexedEntry, LeaderLog, type LogEntry } from "./leader-log.js";
import {
  type AppendMessage,
  type AppendReply,
  ENTRIES_PER_APPEND,
  entryProblem,
  type LeaderMessage,
  type LogRecord,
  parseLeaderMessage,
  parseLogRecord,
} from "./leader-messages.js";
import { LeaderProgress } from "./leader-progress.js";
import { parseStamp, stampOf } from "./leader-stamp.js";
import {
  decodeLeaderContext,
  foreignStamp,
  leaderKeyState,
  leaderWrite,
} from "./leader-strategies.js";
import type {
  Clock,
  Effect,
  Input,
  Json,
  KeyState,
  LeadershipHealth,
  Message,
  NodeId,
  Replica,
  ReplicaConfig,
  ReplyBody,
} from "./replica.js";
import { seededRandom } from "./seeded-random.js";
import { startId } from "./start-id.js";

/** Who asked: a client of this node, or a follower that forwarded its client's request. */
type Origin = { req: number } | { from: NodeId; id: string };

interface PendingForward {
  req: number;
  to: NodeId;
  write: boolean;
  deadlineMs: number;
}

interface PendingWrite {
  index: number;
  origin: Origin;
  context: string;
  deadlineMs: number;
}

interface PendingRead {
  origin: Origin;
  key: string;
  readIndex: number;
  round: number;
  deadlineMs: number;
}

type Status = 200 | 400 | 409 | 503 | 504;

export const ELECTION_TIMEOUT_MS_DEFAULT = 500;
/** A leader sends this many heartbeats per election timeout. */
const HEARTBEATS_PER_TIMEOUT = 5;

export class LeaderReplica implements Replica {
  private readonly log = new LeaderLog();
  private readonly election: LeaderElection;
  private readonly timeoutMs: number;
  /** Every node of the cluster, this one included; undefined while waiting for a "peers" input. */
  private members: NodeId[] | undefined;
  private commit = 0;
  /** Leader only: its followers, the stamp of its leadership and the index of its no-op. */
  private progress: LeaderProgress | undefined;
  private stamp = "";
  private termStart = 0;
  /** Read-index rounds (see the opening comment); a read waits for a round sent after it came. */
  private round = 0;
  private roundWanted = false;
  private nextHeartbeatMs = 0;
  private readonly forwards = new Map<string, PendingForward>();
  private writes: PendingWrite[] = [];
  private reads: PendingRead[] = [];
  private startCount = 1;
  private startId = "";
  private booted = false;
  private seq = 0;
  private dropped = 0;
  private nowMs = 0;
  private wallMs = 0;
  private persists: Effect[] = [];
  private out: Effect[] = [];

  constructor(
    private readonly config: ReplicaConfig,
    recovered: Iterable<Json>,
  ) {
    this.timeoutMs = config.electionTimeoutMs ?? ELECTION_TIMEOUT_MS_DEFAULT;
    this.election = new LeaderElection(
      config.id,
      this.timeoutMs,
      seededRandom(config.seed, config.id),
    );
    let remembered: NodeId[] | undefined;
    let index = 0;
    for (const record of recovered) {
      const parsed = parseLogRecord(record);
      if (!parsed.ok) {
        throw new Error(
          `log record ${index} of ${config.id} is not a record of this leader build ` +
            `(${parsed.reason}): was its data dir written by the leaderless build or an older ` +
            `leader build? ${clip(JSON.stringify(record))}`,
        );
      }
      remembered = this.replay(parsed.value, index) ?? remembered;
      index++;
    }
    // A lost tail may take a term record and keep an entry of that term (never the other way).
    if (this.log.lastTerm > this.election.term) this.election.restore(this.log.lastTerm, null);
    this.members = initialMembers(config, remembered);
  }

  role(): "leader" | "candidate" | "follower" {
    return this.election.role;
  }

  health(): LeadershipHealth {
    const { term, leader } = this.election;
    return { term, leader, droppedMessages: this.dropped };
  }

  dump(): Record<string, KeyState> {
    return Object.fromEntries(this.log.keys().map((k) => [k, leaderKeyState(this.log.tip(k))]));
  }

  /** The log, one entry a row with the value it wrote (tests compare logs with it). */
  logEntries(): { index: number; stamp: string; key: string | null; value: Json }[] {
    return this.log.slice(1, this.log.lastIndex).map((e, i) => {
      const value = e.state?.vals.at(-1)?.[2] ?? null;
      return { index: i + 1, stamp: e.stamp, key: e.key, value };
    });
  }

  step(input: Input, clock: Clock): Effect[] {
    this.nowMs = clock.monoMs;
    this.wallMs = clock.wallMs;
    this.persists = [];
    this.out = [];
    if (!this.booted) this.boot();
    switch (input.kind) {
      case "get":
        this.clientGet(input);
        break;
      case "put":
        this.clientPut(input);
        break;
      case "receive":
        this.receive(input.from, input.msg);
        break;
      case "peers":
        this.setMembers(input.nodes);
        break;
      case "tick":
        this.tick();
        break;
    }
    this.finishStep();
    // Every record of this step becomes durable before any answer or message leaves.
    return [...this.persists, ...this.out];
  }

  // ---- starting, membership and replay

  private replay(record: LogRecord, index: number): NodeId[] | undefined {
    switch (record.t) {
      case "boot":
        this.startCount = record.n + 1;
        return undefined;
      case "term":
        this.election.restore(record.term, record.vote);
        return undefined;
      case "members":
        return record.nodes;
      case "entry": {
        const problem = entryProblem(record.e, record.i);
        if (problem !== undefined || record.i > this.log.lastIndex + 1) {
          const why = problem ?? `a gap after entry ${this.log.lastIndex}`;
          throw new Error(`log record ${index} of ${this.config.id}: entry ${record.i}: ${why}`);
        }
        this.log.put(record.i, record.e);
        return undefined;
      }
    }
  }

  private boot(): void {
    this.booted = true;
    this.startId = startId(this.config.id, this.startCount, this.wallMs);
    this.persist({ t: "boot", n: this.startCount });
    this.startTimer();
  }

  /**
   * A cluster of one leads from the moment it knows it is alone (within this step: a request in
   * it is served); the preferred leader stands at its first tick on a fresh start.
   */
  private startTimer(): void {
    if (this.members === undefined) return;
    if (this.members.length === 1) {
      if (this.election.role !== "leader") this.campaign();
      return;
    }
    const fresh = this.election.term === 0 && this.log.lastIndex === 0;
    this.election.resetTimer(this.nowMs, fresh && this.config.leader === this.config.id);
  }

  private setMembers(nodes: readonly NodeId[]): void {
    const next = [...new Set([...nodes, this.config.id])].sort();
    if (this.members !== undefined && next.join() === this.members.join()) return;
    const waited = this.members === undefined;
    this.members = next;
    this.persist({ t: "members", nodes: next });
    this.progress?.setMembers(this.others(), this.log.lastIndex, this.nowMs);
    if (waited || next.length === 1) this.startTimer();
    if (this.election.role === "leader") this.advanceCommit();
  }

  private others(): NodeId[] {
    return (this.members ?? []).filter((n) => n !== this.config.id);
  }

  private majority(): number {
    return Math.floor((this.members ?? [this.config.id]).length / 2) + 1;
  }

  // ---- time

  private tick(): void {
    this.expire();
    if (this.members === undefined) return;
    if (this.election.role === "leader") {
      if (!this.leaseHolds())
        return void this.stepDown(`no majority answered for ${this.timeoutMs}ms`);
      if (this.nowMs >= this.nextHeartbeatMs) this.broadcast();
    } else if (this.election.due(this.nowMs)) {
      this.campaign();
    }
  }

  private expire(): void {
    const waitedMs = this.config.requestTimeoutMs;
    for (const [id, p] of this.forwards) {
      if (this.nowMs < p.deadlineMs) continue;
      this.forwards.delete(id);
      const what = p.write ? "write" : "read";
      this.reply(p.req, 504, {
        error: "timeout",
        detail: `${what} forwarded to leader ${p.to}, no answer within ${waitedMs}ms`,
      });
    }
    const [lateWrites, writes] = split(this.writes, (w) => this.nowMs >= w.deadlineMs);
    this.writes = writes;
    for (const w of lateWrites) {
      const detail = `applied on leader ${this.config.id}; not held by ${this.acksWanted()} within ${waitedMs}ms`;
      this.answer(w.origin, 504, { error: "timeout", detail });
    }
    const [lateReads, reads] = split(this.reads, (r) => this.nowMs >= r.deadlineMs);
    this.reads = reads;
    for (const r of lateReads) {
      const detail = `leader ${this.config.id} could not confirm its leadership within ${waitedMs}ms; not read`;
      this.answer(r.origin, 503, { error: "unavailable", detail });
    }
  }

  private acksWanted(): string {
    return this.config.acks === "all" ? "every follower" : "a majority";
  }

  private finishStep(): void {
    if (this.roundWanted && this.election.role === "leader") {
      this.round++;
      this.broadcast();
      this.serveReads();
    }
    this.roundWanted = false;
    if (this.election.dirty)
      this.persist({ t: "term", term: this.election.term, vote: this.election.vote });
  }

  // ---- elections

  private campaign(): void {
    this.election.startCampaign(this.nowMs);
    if (this.majority() === 1) return void this.takeOffice();
    const { lastIndex, lastTerm } = this.log;
    for (const to of this.others())
      this.send(to, { type: "vote", term: this.election.term, last: [lastIndex, lastTerm] });
  }

  private takeOffice(): void {
    this.election.takeOffice();
    const { term, voters } = this.election;
    this.stamp = stampOf(term, this.startId);
    this.progress = new LeaderProgress(this.others(), this.log.lastIndex, this.nowMs, voters);
    // The no-op commits every earlier entry once a majority holds it (Raft §5.4.2, §8).
    this.termStart = this.appendEntry({ term, stamp: this.stamp, key: null, state: null });
    this.logLine(`leader of term ${term} (votes ${[...voters].sort().join(",")})`);
    this.broadcast();
    this.advanceCommit();
  }

  /** A higher term makes this node a follower of it (a leader leaves office). */
  private observeTerm(term: number, from: NodeId): void {
    const wasLeader = this.election.role === "leader";
    if (this.election.observe(term) && wasLeader) this.leaveOffice(`${from} is in term ${term}`);
  }

  private stepDown(why: string): void {
    this.election.stepDown(this.nowMs);
    this.leaveOffice(why);
  }

  private leaveOffice(why: string): void {
    this.progress = undefined;
    this.logLine(`stepped down from leading term ${this.election.term}: ${why}`);
    for (const w of this.writes.splice(0)) {
      const detail = `leader ${this.config.id} lost its leadership before ${this.acksWanted()} held the write; it may survive`;
      this.answer(w.origin, 504, { error: "timeout", detail });
    }
    for (const r of this.reads.splice(0))
      this.answer(r.origin, 503, {
        error: "unavailable",
        detail: `${this.config.id} lost its leadership; not read`,
      });
  }

  private leaseHolds(): boolean {
    return this.progress?.leaseHolds(this.nowMs, this.timeoutMs, this.majority()) ?? false;
  }

  // ---- messages

  private receive(from: NodeId, msg: Message): void {
    if (from === this.config.id || !this.members?.includes(from))
      return void this.drop(from, msg, "the sender is not a member of this node's cluster");
    const parsed = parseLeaderMessage(msg);
    if (!parsed.ok) return void this.drop(from, msg, parsed.reason);
    const m: LeaderMessage = parsed.value;
    switch (m.type) {
      case "vote":
        return void this.onVote(from, m.term, m.last);
      case "vote-reply":
        this.observeTerm(m.term, from);
        if (
          m.granted &&
          m.term === this.election.term &&
          this.election.countVote(from, this.majority())
        )
          this.takeOffice();
        return;
      case "append":
        return void this.onAppend(from, m);
      case "append-reply":
        return void this.onAppendReply(from, m);
      case "fwd":
        return void this.onForward({ from, id: m.id }, () =>
          this.write({ from, id: m.id }, m.key, m.value, m.context),
        );
      case "fwd-get":
        return void this.onForward({ from, id: m.id }, () =>
          this.leaderRead({ from, id: m.id }, m.key),
        );
      case "fwd-reply": {
        const p = this.forwards.get(m.id);
        if (p === undefined || p.to !== from) return; // answered by its deadline already
        this.forwards.delete(m.id);
        return void this.reply(p.req, m.status, m.body as ReplyBody);
      }
    }
  }

  private drop(from: NodeId, msg: Message, reason: string): void {
    this.dropped++;
    // The first drop and every tenfold more: a flood of garbage does not flood the node's log.
    if (Number.isInteger(Math.log10(this.dropped))) {
      const type = clip(JSON.stringify(msg.type));
      this.logLine(
        `dropped a message from ${clip(from)} (type ${type}): ${clip(reason)} [${this.dropped} dropped]`,
      );
    }
  }

  private onVote(from: NodeId, term: number, [lastIndex, lastTerm]: [number, number]): void {
    this.observeTerm(term, from);
    const upToDate = this.config.acks === "one" || this.log.isUpToDate(lastTerm, lastIndex);
    const granted = term === this.election.term && this.election.grant(from, upToDate, this.nowMs);
    this.send(from, { type: "vote-reply", term: this.election.term, granted });
  }

  private onAppend(from: NodeId, m: AppendMessage): void {
    this.observeTerm(m.term, from);
    const answer = (ok: boolean, match: number, next: number) =>
      this.send(from, {
        type: "append-reply",
        term: this.election.term,
        ok,
        match,
        next,
        round: m.round,
        at: m.at,
      });
    if (m.term < this.election.term) return void answer(false, 0, this.log.lastIndex + 1);
    const foreign = m.entries.find((e) => e.term === m.term && parseStamp(e.stamp)?.node !== from);
    if (foreign !== undefined)
      return void this.drop(from, m, `an entry of term ${m.term} stamped by another node`);
    if (this.election.role === "leader") this.stepDown(`${from} also leads term ${m.term}`);
    const leader = this.election.leader;
    if (leader !== null && leader !== from)
      return void this.drop(from, m, `a second leader of term ${m.term} (following ${leader})`);
    this.election.follow(from, this.nowMs);
    const offer = this.log.offer(m.prev, m.prevStamp, m.entries);
    if (!offer.ok) return void answer(false, 0, offer.next);
    for (const { index, entry } of offer.appended) this.persist({ t: "entry", i: index, e: entry });
    for (const d of offer.discarded) this.reportDiscarded(d);
    if (offer.discarded.length > 0)
      this.commit = Math.min(this.commit, offer.discarded[0]!.index - 1);
    this.commit = Math.max(this.commit, Math.min(m.commit, offer.match));
    answer(true, offer.match, offer.match + 1);
  }

  private reportDiscarded({ index, entry }: IndexedEntry): void {
    if (entry.key === null || entry.state === null) return;
    const value = entry.state.vals.at(-1)![2];
    const line = { key: entry.key, value, term: entry.term, index, stamp: entry.stamp };
    this.logLine(`discarded ${JSON.stringify(line)}`);
  }

  private onAppendReply(from: NodeId, m: AppendReply): void {
    this.observeTerm(m.term, from);
    const progress = this.progress;
    if (progress === undefined || m.term !== this.election.term) return;
    const last = this.log.lastIndex;
    // A follower cannot hold more than was sent, nor resume past the end.
    const reply = { ...m, match: Math.min(m.match, last), next: Math.min(m.next, last + 1) };
    progress.answered(from, reply, this.nowMs);
    if (!m.ok || progress.next(from) <= last) this.sendAppend(from);
    this.advanceCommit();
    this.serveReads();
  }

  private onForward(origin: Origin, serve: () => void): void {
    if (this.election.role === "leader") return void serve();
    this.unavailable(origin, `${this.config.id} is not the leader`);
  }

  // ---- replication

  private appendEntry(entry: LogEntry): number {
    const index = this.log.append(entry);
    this.persist({ t: "entry", i: index, e: entry });
    return index;
  }

  private broadcast(): void {
    for (const f of this.progress?.ids() ?? []) this.sendAppend(f);
    this.nextHeartbeatMs =
      this.nowMs + Math.max(1, Math.floor(this.timeoutMs / HEARTBEATS_PER_TIMEOUT));
  }

  private sendAppend(to: NodeId): void {
    const progress = this.progress!;
    const prev = progress.next(to) - 1;
    const entries = this.log.slice(prev + 1, ENTRIES_PER_APPEND);
    this.send(to, {
      type: "append",
      term: this.election.term,
      prev,
      prevStamp: this.log.stampAt(prev),
      entries: entries as unknown as Json,
      commit: this.commit,
      round: this.round,
      at: this.nowMs,
    });
    progress.sent(to, prev + entries.length);
  }

  /** Raft's commit rule: the highest index a majority holds, if this leadership appended it. */
  private advanceCommit(): void {
    const progress = this.progress;
    if (progress === undefined) return;
    const held = progress.majorityMatch(this.log.lastIndex, this.majority());
    if (held > this.commit && this.log.at(held)?.stamp === this.stamp) this.commit = held;
    const done = (w: PendingWrite) =>
      w.index <= this.commit && (this.config.acks !== "all" || progress.allHold(w.index));
    const [acknowledged, waiting] = split(this.writes, done);
    this.writes = waiting;
    for (const w of acknowledged) this.answer(w.origin, 200, { context: w.context });
  }

  // ---- clients

  private clientGet(input: Extract<Input, { kind: "get" }>): void {
    if (input.r === 1)
      return void this.out.push(ok(input.req, leaderKeyState(this.log.tip(input.key))));
    if (input.r !== undefined) {
      const detail = `r=${input.r}: the leader build reads through the leader (no r) or this node's own log (r=1)`;
      return void this.out.push(badRequest(input.req, detail));
    }
    if (this.election.role === "leader") return void this.leaderRead({ req: input.req }, input.key);
    this.toLeader(input.req, { type: "fwd-get", key: input.key }, false);
  }

  private clientPut(input: Extract<Input, { kind: "put" }>): void {
    if (input.w !== undefined) {
      const detail = `w=${input.w} is a leaderless quorum: the leader build acknowledges writes by its acks setting ("${this.config.acks}")`;
      return void this.out.push(badRequest(input.req, detail));
    }
    if (input.value === undefined)
      return void this.out.push(badRequest(input.req, "a write needs a value"));
    const based = input.context === undefined ? undefined : decodeLeaderContext(input.context);
    if (based !== undefined && !based.ok)
      return void this.out.push(badRequest(input.req, based.detail));
    if (this.election.role === "leader")
      return void this.write({ req: input.req }, input.key, input.value, input.context);
    const msg: Message = { type: "fwd", key: input.key, value: input.value };
    if (input.context !== undefined) msg.context = input.context;
    this.toLeader(input.req, msg, true);
  }

  /** A follower hands a client request to the leader it knows; knowing none, it answers 503. */
  private toLeader(req: number, msg: Message, write: boolean): void {
    const to = this.election.leader;
    if (to === null || this.election.role !== "follower") {
      const why =
        this.members === undefined
          ? "does not know its cluster yet (no peers set)"
          : "knows no leader (an election is under way)";
      return void this.unavailable(
        { req },
        `${this.config.id} ${why}; not ${write ? "applied" : "read"}`,
      );
    }
    const id = `${this.startId}/${++this.seq}`;
    this.forwards.set(id, {
      req,
      to,
      write,
      deadlineMs: this.nowMs + this.config.requestTimeoutMs,
    });
    this.send(to, { ...msg, id });
  }

  private leaderRead(origin: Origin, key: string): void {
    // acks "one": no confirmation round (see the opening comment).
    if (this.config.acks === "one")
      return void this.answer(origin, 200, leaderKeyState(this.log.tip(key)));
    const readIndex = Math.max(this.commit, this.termStart);
    const deadlineMs = this.nowMs + this.config.requestTimeoutMs;
    this.reads.push({ origin, key, readIndex, round: this.round + 1, deadlineMs });
    this.roundWanted = true;
  }

  private serveReads(): void {
    const progress = this.progress;
    if (progress === undefined || this.reads.length === 0) return;
    const confirmed = progress.confirmedRound(this.round, this.majority());
    const [ready, waiting] = split(
      this.reads,
      (r) => r.round <= confirmed && this.commit >= r.readIndex,
    );
    this.reads = waiting;
    for (const r of ready)
      this.answer(r.origin, 200, leaderKeyState(this.log.stateAt(r.key, this.commit)));
  }

  /** The leader applies a write from a client or a follower. */
  private write(origin: Origin, key: string, value: Json, contextText: string | undefined): void {
    const based = contextText === undefined ? undefined : decodeLeaderContext(contextText);
    if (based !== undefined && !based.ok)
      return void this.answer(origin, 400, { error: "bad-request", detail: based.detail });
    if (!this.leaseHolds()) {
      this.stepDown(`no majority answered for ${this.timeoutMs}ms`);
      return void this.unavailable(
        origin,
        `${this.config.id} lost its leadership (no majority answered); not applied`,
      );
    }
    const local = this.log.tip(key);
    const foreign =
      based === undefined ? undefined : foreignStamp(based.value, this.members!, local);
    if (foreign !== undefined) {
      const detail = `context names ${clip(foreign)}: no node of this cluster gave that version (use the context of a read)`;
      return void this.answer(origin, 400, { error: "bad-request", detail });
    }
    const index = this.log.lastIndex + 1;
    const result = leaderWrite(this.config.strategy, local, based?.value, value, [
      this.stamp,
      index,
    ]);
    if (!result.ok && result.why === "stale") {
      const { values, context } = leaderKeyState(local);
      return void this.answer(origin, 409, { error: "stale-context", values, context });
    }
    if (!result.ok) {
      const detail = `the key's siblings would need a ${result.length}-character context; merge them with a write carrying a read's context first`;
      return void this.answer(origin, 400, { error: "bad-request", detail });
    }
    if (this.config.acks === "all") {
      const silent = this.progress!.silent(this.nowMs, this.config.requestTimeoutMs);
      if (silent.length > 0)
        return void this.unavailable(
          origin,
          `acks "all": follower(s) ${silent.join(",")} unreachable; not applied`,
        );
    }
    this.appendEntry({ term: this.election.term, stamp: this.stamp, key, state: result.state });
    for (const f of this.progress!.ids()) if (this.progress!.next(f) === index) this.sendAppend(f);
    const context = leaderKeyState(result.state).context;
    if (this.config.acks === "one") return void this.answer(origin, 200, { context });
    this.writes.push({
      index,
      origin,
      context,
      deadlineMs: this.nowMs + this.config.requestTimeoutMs,
    });
    this.advanceCommit();
  }

  // ---- effects

  private answer(origin: Origin, status: Status, body: ReplyBody): void {
    if ("req" in origin) return void this.reply(origin.req, status, body);
    this.send(origin.from, {
      type: "fwd-reply",
      id: origin.id,
      status,
      body: body as unknown as Json,
    });
  }

  /** 503, with the leader this node would send the client to, when it has one. */
  private unavailable(origin: Origin, detail: string): void {
    const leader = this.election.redirect();
    this.answer(origin, 503, {
      error: "unavailable",
      detail,
      ...(leader === undefined ? {} : { leader }),
    });
  }

  private reply(req: number, status: Status, body: ReplyBody): void {
    this.out.push({ kind: "reply", req, status, body });
  }

  private send(to: NodeId, msg: Message): void {
    this.out.push({ kind: "send", to, msg });
  }

  private persist(record: LogRecord): void {
    // A term change is recorded before anything that depends on it (a vote, an entry of the term).
    if (this.election.dirty && record.t !== "term") {
      this.election.dirty = false;
      this.persists.push(
        recordEffect({ t: "term", term: this.election.term, vote: this.election.vote }),
      );
    }
    if (record.t === "term") this.election.dirty = false;
    this.persists.push(recordEffect(record));
  }

  private logLine(line: string): void {
    this.out.push({ kind: "log", line });
  }
}

function initialMembers(
  config: ReplicaConfig,
  remembered: NodeId[] | undefined,
): NodeId[] | undefined {
  const nodes = [...new Set([...config.nodes, config.id])].sort();
  if (nodes.length > 1 || config.alone) return nodes;
  return remembered === undefined ? undefined : [...new Set([...remembered, config.id])].sort();
}

function recordEffect(record: LogRecord): Effect {
  return { kind: "persist", record: record as unknown as Json };
}

/** [those matching, the rest], each in order. */
function split<T>(items: T[], test: (item: T) => boolean): [T[], T[]] {
  const yes: T[] = [];
  const no: T[] = [];
  for (const item of items) (test(item) ? yes : no).push(item);
  return [yes, no];
}

function clip(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
