// The replicated log of the leader build (Raft's log, in memory; the shell's durable log holds one
// record per entry). An entry is identified by its index and stamp (leader-stamp.ts); a key's
// state is that of its last entry, so truncating a suffix rolls keys back exactly. `offer` is
// Raft's AppendEntries check on a follower: it appends only after a matching prefix, skips what it
// already holds (messages may be reordered or repeated) and truncates only on a real conflict.
import type { LeaderKey } from "./leader-strategies.js";

export interface LogEntry {
  term: number;
  stamp: string;
  /** null: the no-op a leader appends when it takes office (it commits the earlier entries). */
  key: string | null;
  state: LeaderKey | null;
}

export interface IndexedEntry {
  index: number;
  entry: LogEntry;
}

export type Offer =
  /** `next`: where the leader should resume (this log's end, or the start of a conflicting run). */
  | { ok: false; next: number }
  /** `match`: the log matches the leader's up to it; `appended` must be persisted, in order. */
  | { ok: true; match: number; appended: IndexedEntry[]; discarded: IndexedEntry[] };

export class LeaderLog {
  private readonly entries: LogEntry[] = [];
  /** For each key, the indexes of its entries, ascending. */
  private readonly byKey = new Map<string, number[]>();

  get lastIndex(): number {
    return this.entries.length;
  }

  get lastTerm(): number {
    return this.entries.at(-1)?.term ?? 0;
  }

  at(index: number): LogEntry | undefined {
    return index >= 1 ? this.entries[index - 1] : undefined;
  }

  /** The stamp at `index`; null for index 0 (the empty prefix every log shares). */
  stampAt(index: number): string | null {
    return index === 0 ? null : (this.at(index)?.stamp ?? null);
  }

  /** Up to `max` entries from `from` on. */
  slice(from: number, max: number): LogEntry[] {
    return this.entries.slice(Math.max(0, from - 1), Math.max(0, from - 1) + max);
  }

  append(entry: LogEntry): number {
    this.entries.push(entry);
    const index = this.entries.length;
    if (entry.key !== null) {
      const list = this.byKey.get(entry.key);
      if (list === undefined) this.byKey.set(entry.key, [index]);
      else list.push(index);
    }
    return index;
  }

  /** Places `entry` at `index` (at most one past the end), dropping whatever was there and after. */
  put(index: number, entry: LogEntry): IndexedEntry[] {
    if (index < 1 || index > this.lastIndex + 1) {
      throw new Error(`log entry ${index} would leave a gap after entry ${this.lastIndex}`);
    }
    const discarded = this.truncateFrom(index);
    this.append(entry);
    return discarded;
  }

  /** Removes the entries from `index` on and returns them in order. */
  truncateFrom(index: number): IndexedEntry[] {
    const from = Math.max(1, index);
    const removed = this.entries.splice(from - 1);
    for (const key of new Set(removed.map((e) => e.key))) {
      const list = key === null ? undefined : this.byKey.get(key);
      if (key === null || list === undefined) continue;
      while (list.length > 0 && list.at(-1)! >= from) list.pop();
      if (list.length === 0) this.byKey.delete(key);
    }
    return removed.map((entry, i) => ({ index: from + i, entry }));
  }

  /** Raft's AppendEntries on a follower; `entries` follow index `prev` (whose stamp is `prevStamp`). */
  offer(prev: number, prevStamp: string | null, entries: readonly LogEntry[]): Offer {
    if (prev > this.lastIndex) return { ok: false, next: this.lastIndex + 1 };
    if (this.stampAt(prev) !== prevStamp) return { ok: false, next: this.runStart(prev) };
    const appended: IndexedEntry[] = [];
    const discarded: IndexedEntry[] = [];
    for (const [i, entry] of entries.entries()) {
      const index = prev + 1 + i;
      if (appended.length === 0 && this.stampAt(index) === entry.stamp) continue;
      discarded.push(...this.put(index, entry));
      appended.push({ index, entry });
    }
    return { ok: true, match: prev + entries.length, appended, discarded };
  }

  /** The first index of the run of entries sharing the stamp at `index` (a conflict skips it whole). */
  private runStart(index: number): number {
    const stamp = this.stampAt(index);
    let start = index;
    while (start > 1 && this.stampAt(start - 1) === stamp) start--;
    return start;
  }

  /** Raft's election restriction: a log ending at (lastTerm, lastIndex) is at least as up to date. */
  isUpToDate(lastTerm: number, lastIndex: number): boolean {
    return lastTerm !== this.lastTerm ? lastTerm > this.lastTerm : lastIndex >= this.lastIndex;
  }

  /** The key's state after its last entry (undefined: no entry). */
  tip(key: string): LeaderKey | undefined {
    const list = this.byKey.get(key);
    return list === undefined ? undefined : (this.at(list.at(-1)!)?.state ?? undefined);
  }

  /** The key's state after its last entry at or below `upTo` (the committed state for commitIndex). */
  stateAt(key: string, upTo: number): LeaderKey | undefined {
    const list = this.byKey.get(key) ?? [];
    for (let i = list.length - 1; i >= 0; i--) {
      if (list[i]! <= upTo) return this.at(list[i]!)?.state ?? undefined;
    }
    return undefined;
  }

  /** Every key that has an entry, sorted. */
  keys(): string[] {
    return [...this.byKey.keys()].sort();
  }
}
