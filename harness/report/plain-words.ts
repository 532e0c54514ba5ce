// The words the report uses for the checkers' result fields: a person reads "time until stable
// (ms)", not `stableLatencyMs`. Known fields have a phrase here; any other field is spelled out
// from its camelCase or kebab-case name, with a trailing unit (Ms, Seconds) moved into brackets.

const PHRASES: Record<string, string> = {
  // lost-writes
  added: "adds",
  acknowledged: "acknowledged adds",
  failed: "failed adds",
  stable: "items kept",
  lost: "items lost",
  stale: "items seen late",
  neverRead: "items never read",
  indeterminate: "adds of unknown outcome never seen",
  duplicated: "items duplicated",
  unexpected: "unexpected values",
  stableLatencyMs: "time until an item is stable (ms)",
  lostLatencyMs: "time an item was visible before it was lost (ms)",
  // convergence
  key: "key",
  keys: "keys",
  nodes: "nodes",
  rounds: "final read rounds",
  divergent: "keys that differ between nodes",
  unread: "keys a node never answered",
  convergenceMs: "time until the nodes agreed (ms)",
  agreedRound: "final read round the nodes agreed in",
  // siblings and lost updates
  dropped: "siblings dropped",
  resurrected: "siblings resurrected",
  "false-sibling": "false siblings",
  preserved: "siblings kept",
  unverified: "siblings not checked",
  clientReads: "client reads",
  staleReads: "stale reads",
  // stale reads
  reads: "reads",
  sessions: "client sessions",
  "monotonic-reads": "reads older than one before",
  "read-your-writes": "reads missing the client's own write",
  monotonicLagMs: "how far behind a non-monotonic read was (ms)",
  readYourWritesLagMs: "how long a client's write was missing (ms)",
  // linearizable
  ops: "ops",
  ignored: "ops the model ignores",
  parts: "keys searched",
  steps: "search steps",
  configurations: "search states remembered",
  unobservedInfo: "ops of unknown outcome nobody observed",
  // stats
  durationSeconds: "duration (s)",
  ok: "ok ops",
  opsPerSecond: "ops per second",
  okPerSecond: "ok ops per second",
};

/** camelCase or kebab-case → words: "agreedRound" → "agreed round", "latencyMs" → "latency (ms)". */
export function spelledOut(field: string): string {
  const unit = /(Ms|Ns|Us|Seconds|S|Bytes|Mb)$/.exec(field);
  const base = unit !== null && unit.index > 0 ? field.slice(0, unit.index) : field;
  const words = base
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replaceAll(/[-_]+/g, " ")
    .toLowerCase()
    .trim();
  if (unit === null || unit.index === 0) return words;
  const units: Record<string, string> = {
    Ms: "ms",
    Ns: "ns",
    Us: "µs",
    Seconds: "s",
    S: "s",
    Bytes: "bytes",
    Mb: "MB",
  };
  return `${words} (${units[unit[1]!]})`;
}

export function plainWords(field: string): string {
  return PHRASES[field] ?? spelledOut(field);
}

/** "1 op", "2 ops"; `plural` defaults to the word with an s. */
export function counted(count: number, word: string, plural = `${word}s`): string {
  return `${count.toLocaleString("en-US")} ${count === 1 ? word : plural}`;
}
