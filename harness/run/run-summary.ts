// The end of a run as a user reads it, shared by `faultline run` and `faultline check <run-dir>`:
// a table of the checker verdicts with their key numbers and, under each INVALID or unknown row,
// what failed: the first few examples of each anomaly with their op indexes (at most 5 lines a
// checker; results.json has the rest). Pure: results in, text out.
import type { CheckResult, Validity } from "../../checkers/checker.js";

const VERDICT: Record<string, string> = { true: "valid", false: "INVALID", unknown: "unknown" };
/** Example lines under one checker's row, all anomalies together. */
const EXAMPLE_LINES_MAX = 5;
/** Values longer than this are cut (a cart's item array can hold thousands). */
const VALUE_CHARS_MAX = 40;

export function verdictWord(valid: Validity): string {
  return VERDICT[String(valid)] ?? String(valid);
}

/** A result's numbers worth a glance: its top-level numbers and its `counts`, non-zero first.
 * The stats row separates client ops from final reads; the convergence row says when the nodes
 * already agreed at the first final read (its convergenceMs is then only that read's latency). */
export function keyNumbers(result: CheckResult, max = 6): string {
  if (result.error !== undefined) return `error: ${result.error}`;
  if (isRecord(result.byF)) return statsNumbers(result, result.byF);
  const entries: [string, number][] = [];
  const converged = typeof result.agreedRound === "number";
  for (const [name, value] of Object.entries(result)) {
    if (converged && (name === "convergenceMs" || name === "agreedRound")) continue;
    if (typeof value === "number") entries.push([name, value]);
    if (name === "counts" && isRecord(value)) {
      for (const [inner, n] of Object.entries(value))
        if (typeof n === "number") entries.push([inner, n]);
    }
  }
  const shown = [
    ...entries.filter(([, n]) => n !== 0),
    ...entries.filter(([, n]) => n === 0),
  ].slice(0, max);
  const anomalies =
    Array.isArray(result.anomalies) && result.anomalies.length > 0
      ? `anomalies: ${result.anomalies.join(", ")}; `
      : "";
  const parts = shown.map(([name, n]) => `${name} ${number(n)}`);
  if (converged) {
    parts.push(
      // Results written before agreedAtFirstRound existed: the harness numbers rounds from 1.
      (result.agreedAtFirstRound ?? result.agreedRound === 1) === true
        ? "agreed at first read"
        : `agreed after ${number(Number(result.convergenceMs))} ms (round ${result.agreedRound})`,
    );
  }
  return anomalies + parts.join(", ");
}

interface OpCounts {
  count?: unknown;
  ok?: unknown;
  fail?: unknown;
  info?: unknown;
  okPerSecond?: unknown;
}

/** The stats row: client ops (every f but final-read and probe) apart from the harness's reads. */
function statsNumbers(result: CheckResult, byF: Record<string, unknown>): string {
  const client = { count: 0, ok: 0, fail: 0, info: 0, okPerSecond: 0 };
  let finalReads = 0;
  let probes = 0;
  for (const [f, stats] of Object.entries(byF)) {
    const s = (isRecord(stats) ? stats : {}) as OpCounts;
    if (f === "final-read" || f === "probe") {
      if (f === "probe") probes += Number(s.count ?? 0);
      else finalReads += Number(s.count ?? 0);
      continue;
    }
    for (const field of ["count", "ok", "fail", "info", "okPerSecond"] as const)
      client[field] += Number(s[field] ?? 0);
  }
  const seconds =
    typeof result.durationSeconds === "number" ? ` over ${number(result.durationSeconds)}s` : "";
  return (
    `client ops ${client.count} (ok ${client.ok}, fail ${client.fail}, info ${client.info}), ` +
    `${number(client.okPerSecond)} ok/s${seconds}; final reads ${finalReads}` +
    (probes > 0 ? `; probe reads ${probes}` : "")
  );
}

export function summaryTable(valid: Validity, results: Record<string, CheckResult>): string {
  const rows = Object.entries(results).map(
    ([name, result]) => [name, verdictWord(result.valid), keyNumbers(result), result] as const,
  );
  const width = Math.max(7, ...rows.map(([name]) => name.length));
  const lines = [`${"checker".padEnd(width)}  ${"verdict".padEnd(7)}  key numbers`];
  for (const [name, verdict, numbers, result] of rows) {
    lines.push(`${name.padEnd(width)}  ${verdict.padEnd(7)}  ${numbers}`.trimEnd());
    if (result.valid !== true) lines.push(...exampleLines(result).map((line) => `  ${line}`));
  }
  lines.push(`${"overall".padEnd(width)}  ${verdictWord(valid)}`);
  return lines.join("\n");
}

interface Example {
  ops?: unknown;
  [detail: string]: unknown;
}

/** What failed, compactly: the linearizable failure, or the first examples of each anomaly (the
 * anomalies behind the verdict first), at most EXAMPLE_LINES_MAX lines. */
export function exampleLines(result: CheckResult): string[] {
  const lines: string[] = [];
  if (isRecord(result.failure)) lines.push(...failureLines(result.failure));
  if (Array.isArray(result.unknownKeys) && result.unknownKeys.length > 0) {
    lines.push(`search budget ran out on ${listed(result.unknownKeys.map(String))}`);
  }
  const examples = isRecord(result.examples) ? result.examples : {};
  const counts = isRecord(result.counts) ? result.counts : {};
  const judged = new Set(result.counterexamples ?? []);
  const names = Object.keys(examples).filter(
    (name) => Array.isArray(examples[name]) && (examples[name] as unknown[]).length > 0,
  );
  // Anomalies that make the verdict (their ops are counterexamples) before merely noted ones.
  const causes = (name: string) =>
    (examples[name] as Example[]).some((e) => opsOf(e).some((op) => judged.has(op)));
  names.sort((a, b) => Number(causes(b)) - Number(causes(a)));
  const perAnomaly = names.length === 1 ? 3 : 2;
  for (const [i, name] of names.entries()) {
    // While other anomalies follow, one line stays free for them (or for naming them).
    const reserved = i < names.length - 1 ? 1 : 0;
    const room = EXAMPLE_LINES_MAX - lines.length - reserved;
    if (room <= 0) {
      const rest = names.slice(i).map((n) => `${n} ${countOf(n, counts, examples)}`);
      lines.push(`also: ${rest.join(", ")} (see results.json)`);
      break;
    }
    const shown = (examples[name] as Example[]).slice(0, Math.min(perAnomaly, room));
    for (const example of shown) lines.push(`${name}: ${describeExample(name, example)}`);
    const more = countOf(name, counts, examples) - shown.length;
    if (more > 0) lines[lines.length - 1] += `  … +${more} more`;
  }
  return lines;
}

function countOf(
  name: string,
  counts: Record<string, unknown>,
  examples: Record<string, unknown>,
): number {
  const n = counts[name];
  return typeof n === "number" ? n : (examples[name] as unknown[]).length;
}

function failureLines(failure: Record<string, unknown>): string[] {
  const lines: string[] = [];
  if (typeof failure.explanation === "string") lines.push(failure.explanation);
  const op = isRecord(failure.op) ? failure.op : undefined;
  if (op !== undefined) {
    const completion = op.completion === undefined ? "" : ` → ${op.completion}`;
    const prefix =
      typeof failure.prefixEndIndex === "number"
        ? `; the shortest failing prefix ends at op ${failure.prefixEndIndex}`
        : "";
    lines.push(`blocked op ${op.invoke}${completion} (${op.description})${prefix}`);
  }
  if (Array.isArray(failure.concurrent) && failure.concurrent.length > 0) {
    const ops = (failure.concurrent as Record<string, unknown>[]).map(
      (c) => `${c.invoke}${c.linearized === true ? " (placed)" : ""}`,
    );
    lines.push(`concurrent ops: ${listed(ops, 8)}`);
  }
  return lines;
}

/** One example as a phrase, e.g. `item 1234 on k2 (add op 567, absent from read op 890)`. */
export function describeExample(anomaly: string, e: Example): string {
  const ops = opsOf(e);
  const [a, b] = ops;
  const key = e.key === undefined ? "" : ` on ${e.key}`;
  const what = e.item !== undefined ? `item ${show(e.item)}` : show(e.value);
  const lag = typeof e.lagMs === "number" ? `, ${number(e.lagMs)} ms later` : "";
  switch (anomaly) {
    case "lost":
      return `${what}${key} (add op ${a}, absent from read op ${b})`;
    case "stale":
      return `${what}${key} (absent from read op ${a}, present in the later read op ${b})`;
    case "duplicated":
      return `${what} twice${key} (read op ${a})`;
    case "unexpected": {
      const node = e.node === undefined ? "" : ` at ${e.node}`;
      const why = e.why === undefined ? "" : `, ${e.why}`;
      return `${what}${key}${node}${why} (read op ${a})`;
    }
    case "divergent":
      return `${e.key} — ${describeDivergence(isRecord(e.values) ? e.values : {})} (ops ${listed(ops.map(String))})`;
    case "unread":
      return `${e.key} never read from ${listed(Array.isArray(e.nodes) ? e.nodes.map(String) : [])}`;
    case "dropped":
      return `${what}${key} (write op ${a}, in no node's final read, e.g. op ${b})`;
    case "resurrected":
      return `${what}${key} (read op ${a}, after op ${b} superseded it)`;
    case "false-sibling":
      return `${what} beside ${show(e.with)}${key}, which superseded it (read op ${a}, write op ${b})`;
    case "lost-update": {
      const values = Array.isArray(e.values) ? e.values.map(show) : [];
      return `${listed(values)} all written over ${show(e.basis)}${key} (ops ${listed(ops.map(String))})`;
    }
    case "unreflected":
      return `${what}${key} (write op ${a}, not reflected in final read op ${b})`;
    case "monotonic-reads":
      return `process ${e.process} saw ${what}${key} (op ${a}), then read op ${b} missed it${lag}`;
    case "read-your-writes":
      return `process ${e.process} wrote ${what}${key} (op ${a}), then read op ${b} missed it${lag}`;
    default: {
      const fields = Object.entries(e)
        .filter(([field]) => field !== "ops")
        .map(([field, value]) => `${field} ${show(value)}`);
      return `${fields.join(", ")} (ops ${listed(ops.map(String))})`;
    }
  }
}

/** Nodes that disagree on a key: their values when short, else what each lacks of the union
 * (cart keys hold thousands of items; the difference is the news). */
function describeDivergence(values: Record<string, unknown>): string {
  const groups = new Map<string, string[]>();
  for (const [node, value] of Object.entries(values)) {
    const text = JSON.stringify(unwrapSingle(value)) ?? "?";
    groups.set(text, [...(groups.get(text) ?? []), node]);
  }
  const texts = [...groups.keys()];
  if (texts.every((t) => t.length <= VALUE_CHARS_MAX)) {
    return [...groups].map(([text, nodes]) => `${nodes.join(",")} ${text}`).join(" vs ");
  }
  const atomsOf = (text: string) => new Set(atoms(JSON.parse(text)).map((v) => JSON.stringify(v)));
  const union = new Set(texts.flatMap((t) => [...atomsOf(t)]));
  return [...groups]
    .map(([text, nodes]) => {
      const has = atomsOf(text);
      const lacks = [...union].filter((v) => !has.has(v));
      const who = nodes.join(",");
      return lacks.length === 0
        ? `${who} ${has.size} values`
        : `${who} ${has.size} values, lacks ${listed(lacks, 3)}`;
    })
    .join(" vs ");
}

/** A sibling list of one cart sibling reads as its item array: `[[3,5]]` → `[3,5]`. */
function unwrapSingle(value: unknown): unknown {
  return Array.isArray(value) && value.length === 1 && Array.isArray(value[0]) ? value[0] : value;
}

/** The values a read holds: its siblings, a cart sibling's items. */
function atoms(value: unknown): unknown[] {
  return Array.isArray(value) ? value.flatMap((v) => (Array.isArray(v) ? v : [v])) : [value];
}

function opsOf(example: Example): number[] {
  return Array.isArray(example.ops) ? example.ops.filter((o) => typeof o === "number") : [];
}

function show(value: unknown): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  return text.length > VALUE_CHARS_MAX ? `${text.slice(0, VALUE_CHARS_MAX - 1)}…` : text;
}

/** `a, b, c` — at most `max`, then `+N more`. */
function listed(items: readonly string[], max = 5): string {
  const shown = items.slice(0, max).join(", ");
  return items.length > max ? `${shown} +${items.length - max} more` : shown;
}

function number(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
