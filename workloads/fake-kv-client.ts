// A fake of a system's KvClients for workload and harness tests: one in-memory version per key,
// shared by every node's client (a store that always agrees). Its fault model is scripted, not
// random: `script(call, answers)` makes the next calls of that kind end with the given failures
// (a lost race, a definite error, an unknown outcome) before the store is touched; "hang" never
// answers until the call's signal aborts.
import type { KvCallOptions, KvClient, KvFailure, KvRead } from "./kv-client.js";
import type { KvClients } from "./workload.js";

export type FakeCall = "read" | "write" | "cas" | "update" | "append";
export type FakeAnswer = KvFailure | "hang";

export interface FakeKv {
  clients: KvClients;
  /** key → value and version (a read's context is the version). */
  store: Map<string, { value: unknown; version: number }>;
  /** Every call: its kind, node and key (and the value written). */
  calls: { call: FakeCall; node: string; key: string; value?: unknown; context?: string }[];
  script(call: FakeCall, answers: readonly FakeAnswer[]): void;
}

/** A lost race, as a system reports one. */
export const CONFLICT: KvFailure = {
  ok: false,
  outcome: "fail",
  error: "stale-context",
  conflict: true,
};

/** With `reject`, a write whose context is not the key's current version is a lost race. */
export function fakeKv(options: { reject?: boolean; append?: boolean } = {}): FakeKv {
  const store = new Map<string, { value: unknown; version: number }>();
  const calls: FakeKv["calls"] = [];
  const scripts = new Map<FakeCall, FakeAnswer[]>();

  const scripted = async (call: FakeCall, o?: KvCallOptions): Promise<KvFailure | undefined> => {
    const answer = scripts.get(call)?.shift();
    if (answer !== "hang") return answer;
    await new Promise<void>((resolve) => o?.signal?.addEventListener("abort", () => resolve()));
    return { ok: false, outcome: "info", error: "interrupted" };
  };
  const readOf = (key: string): KvRead => {
    const entry = store.get(key);
    return {
      values: entry === undefined ? [] : [entry.value],
      context: String(entry?.version ?? 0),
    };
  };
  const put = (key: string, value: unknown) => {
    const version = (store.get(key)?.version ?? 0) + 1;
    store.set(key, { value, version });
    return String(version);
  };

  const client = (node: string): KvClient => ({
    node,
    async read(key, o) {
      calls.push({ call: "read", node, key });
      return (await scripted("read", o)) ?? { ok: true, ...readOf(key) };
    },
    async write(key, value, context, o) {
      calls.push({ call: "write", node, key, value, ...(context !== undefined && { context }) });
      const failed = await scripted("write", o);
      if (failed !== undefined) return failed;
      if (options.reject && context !== readOf(key).context) return CONFLICT;
      return { ok: true, context: put(key, value) };
    },
    async cas(key, expected, next, o) {
      calls.push({ call: "cas", node, key, value: next });
      const failed = await scripted("cas", o);
      if (failed !== undefined) return failed;
      const { values, context } = readOf(key);
      const matches = expected === null ? values.length === 0 : values[0] === expected;
      if (!matches) return { ok: false, outcome: "fail", error: "mismatch", basis: values };
      put(key, next);
      return { ok: true, basis: values, ...(context !== undefined && { context }) };
    },
    async update(key, next, o) {
      calls.push({ call: "update", node, key });
      const failed = await scripted("update", o);
      if (failed !== undefined) return failed;
      const read = readOf(key);
      const written = next(read);
      put(key, written);
      return { ok: true, basis: read.values, written };
    },
    ...(options.append && {
      async append(key: string, item: unknown, o?: KvCallOptions) {
        calls.push({ call: "append", node, key, value: item });
        const failed = await scripted("append", o);
        if (failed !== undefined) return failed;
        const current = store.get(key)?.value;
        put(key, [...(Array.isArray(current) ? current : []), item]);
        return { ok: true as const };
      },
    }),
  });

  const clients = new Map<string, KvClient>();
  return {
    clients: (node) => {
      let c = clients.get(node);
      if (c === undefined) {
        c = client(node);
        clients.set(node, c);
      }
      return c;
    },
    store,
    calls,
    script: (call, answers) => scripts.set(call, [...(scripts.get(call) ?? []), ...answers]),
  };
}
