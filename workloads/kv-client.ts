// KvClient: all a workload sees of the system under test, one client per node it talks to.
// Systems implement it; workloads import no system. Every call completes as a result, never a
// throw: ok with what happened, or not ok with whether the op certainly did not happen (`fail`)
// or may have (`info`), decided by the system's error table. A context is opaque: whatever a
// read returned, handed back to a write (our node's causal context; PostgreSQL has none).

/** A node of the system under test, as the history names it ("n1"). */
export type NodeId = string;

/** What a read saw: the siblings (one value for most systems, [] when absent) and a context. */
export interface KvRead {
  values: unknown[];
  context?: string;
}

/** A call that did not complete as asked. */
export interface KvFailure {
  ok: false;
  /** fail: it certainly did not happen; info: it may have. */
  outcome: "fail" | "info";
  /** What the history's `error` records ("stale-context", "client-timeout", "40001 …"). */
  error: string;
  /** A definite refusal because another write raced this one (a 409, a serialization failure):
   * the same op on fresh data may succeed, so workloads retry it. */
  conflict?: boolean;
}

export type KvResult<T> = ({ ok: true } & T) | KvFailure;

export interface KvCallOptions {
  /** Aborted when the run is interrupted: the call ends at once as info "interrupted". */
  signal?: AbortSignal;
}

export interface KvReadOptions extends KvCallOptions {
  /** Read this node's own copy: no quorum, no forwarding (the final reads). */
  local?: boolean;
}

/** What a cas's compare saw: the siblings (whose context its write sent) and their context. */
export interface KvCasResult {
  basis: unknown[];
  context?: string;
}

/** A read-modify-write's outcome: the values it read (its basis) and the value it wrote. */
export interface KvUpdateResult {
  basis: unknown[];
  written: unknown;
}

export interface KvClient {
  readonly node: NodeId;
  read(key: string, options?: KvReadOptions): Promise<KvResult<KvRead>>;
  /** Writes `value`; with the context of an earlier read, the write supersedes what it saw. */
  write(
    key: string,
    value: unknown,
    context: string | undefined,
    options?: KvCallOptions,
  ): Promise<KvResult<{ context?: string }>>;
  /** Sets `next` when the key holds exactly `expected` (null: absent); a mismatch is a fail
   * with error "mismatch" (and the basis it saw). */
  cas(
    key: string,
    expected: unknown,
    next: unknown,
    options?: KvCallOptions,
  ): Promise<({ ok: true } & KvCasResult) | (KvFailure & Partial<KvCasResult>)>;
  /** Reads the key, computes the new value from what it read and writes it back as one step:
   * one transaction where the system has them (at its configured isolation), a write through the
   * read's context where it has contexts. A lost race is a failure with `conflict`. */
  update(
    key: string,
    next: (read: KvRead) => unknown,
    options?: KvCallOptions,
  ): Promise<KvResult<KvUpdateResult>>;
  /** Optional capability: appends `item` to the list at `key` in one atomic step of the
   * system's own (SQL `items || $1`), a control against read-modify-write. */
  append?(key: string, item: unknown, options?: KvCallOptions): Promise<KvResult<object>>;
}
