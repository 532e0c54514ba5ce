// Histories from a simulated CORRECT store, for checker properties and benchmarks: clients run
// concurrently against a linearizable in-memory store (each op takes effect atomically when it
// completes), recorded as the harness records them, ending with heal-all and final-read rounds.
// The store keeps siblings (a write replaces the values of its basis, keeps the rest) or rejects
// stale contexts (reject); the cart is a set of items. Everything comes from `seed`.
import type { Op } from "./history.js";

export interface SimulationOptions {
  seed: number;
  /** Client ops (invoke + completion each). */
  opCount: number;
  workload: "cart" | "register";
  /**
   * register: "siblings" keeps concurrent values, "reject" fails a write whose basis is stale,
   * "lww" lets every write replace everything (an INCORRECT store: it drops concurrent values).
   */
  strategy?: "siblings" | "reject" | "lww";
  /** Called for each value a write removed although its basis did not hold it (lww only). */
  onOverwrite?: (key: string, value: number) => void;
  processCount?: number;
  keyCount?: number;
  nodeCount?: number;
  /** Probability that an op fails (not applied) / times out (info, applied or not). */
  failRate?: number;
  infoRate?: number;
  /** A fault (partition … heal) every so many client ops; 0 = none. */
  nemesisEvery?: number;
  /** Final reads take two rounds: in the first, the last node lags one op behind on some keys. */
  lagging?: boolean;
}

const MS = 1_000_000;

/** mulberry32: small, fast, good enough to drive a simulation from one seed. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Pending {
  f: string;
  key: string;
  value: unknown;
  basis?: number[];
  node: string;
}

export function simulateHistory(options: SimulationOptions): Op[] {
  const {
    seed,
    opCount,
    workload,
    strategy = "siblings",
    processCount = 5,
    keyCount = 3,
    nodeCount = 3,
    failRate = 0.05,
    infoRate = 0.05,
    nemesisEvery = 0,
    lagging = false,
  } = options;
  const random = seededRandom(seed);
  const below = (n: number) => Math.floor(random() * n);
  const nodes = Array.from({ length: nodeCount }, (_, i) => `n${i + 1}`);
  const keys = Array.from({ length: keyCount }, (_, i) => `k${i + 1}`);
  const ops: Op[] = [];
  let timeNs = 0;
  const push = (op: Omit<Op, "index" | "time">) => {
    timeNs += MS / 10 + below(2 * MS);
    ops.push({ index: ops.length, time: timeNs, ...op } as Op);
  };

  // The store: key → siblings (register values) or the cart's items; and each key's state before
  // its last change (what a lagging replica still shows).
  const state = new Map<string, number[]>();
  const previous = new Map<string, number[]>();
  const current = (key: string) => state.get(key) ?? [];
  const change = (key: string, next: number[]) => {
    previous.set(key, current(key));
    state.set(key, next);
  };
  const readValue = (items: number[]) =>
    workload === "cart" ? (items.length === 0 ? [] : [[...items]]) : [...items];

  let nextUnique = 1;
  let nextProcess = processCount;
  const threads = Array.from({ length: processCount }, (_, i) => ({
    process: i,
    pending: undefined as Pending | undefined,
    lastRead: new Map<string, number[]>(),
  }));
  let started = 0;
  let completed = 0;
  let faultOpen: string | undefined;
  while (completed < opCount) {
    const thread = threads[below(threads.length)]!;
    if (thread.pending === undefined) {
      if (started >= opCount) continue;
      started++;
      if (nemesisEvery > 0 && started % nemesisEvery === 0) {
        if (faultOpen === undefined) {
          faultOpen = "partition";
          push({ process: "nemesis", type: "invoke", f: "partition", value: { shape: "halves" } });
          push({ process: "nemesis", type: "ok", f: "partition", value: { shape: "halves" } });
        } else {
          push({ process: "nemesis", type: "invoke", f: "heal", value: null });
          push({ process: "nemesis", type: "ok", f: "heal", value: null });
          faultOpen = undefined;
        }
      }
      const key = keys[below(keys.length)]!;
      const node = nodes[below(nodes.length)]!;
      const dice = random();
      let pending: Pending;
      if (workload === "cart") {
        pending =
          dice < 0.7
            ? { f: "add", key, value: nextUnique++, node }
            : { f: "read", key, value: null, node };
      } else {
        const basis = thread.lastRead.get(key) ?? [];
        if (dice < 0.5) pending = { f: "read", key, value: null, node };
        else if (dice < 0.9 || basis.length === 0)
          pending = { f: "write", key, value: nextUnique++, basis, node };
        else pending = { f: "cas", key, value: [basis[0]!, nextUnique++], basis, node };
      }
      thread.pending = pending;
      const { f, value, basis } = pending;
      push({
        process: thread.process,
        type: "invoke",
        f,
        key,
        value,
        node,
        ...(basis ? { basis } : {}),
      });
      continue;
    }

    // Complete the thread's op: it takes effect now (or never), atomically.
    const p = thread.pending;
    thread.pending = undefined;
    completed++;
    const basisField = p.basis ? { basis: p.basis } : {};
    const complete = (type: "ok" | "fail" | "info", error?: string) =>
      push({
        process: thread.process,
        type,
        f: p.f,
        key: p.key,
        value: p.value,
        node: p.node,
        ...basisField,
        ...(error === undefined ? {} : { error }),
      });
    const dice = random();
    const outcome =
      p.f === "read" ? "ok" : dice < failRate ? "fail" : dice < failRate + infoRate ? "info" : "ok";
    if (outcome === "fail") {
      complete("fail", "unavailable");
      continue;
    }
    const applied = outcome === "ok" || random() < 0.5;
    if (p.f === "read") {
      const seen = [...current(p.key)];
      thread.lastRead.set(p.key, seen);
      push({
        process: thread.process,
        type: "ok",
        f: "read",
        key: p.key,
        value: readValue(seen),
        node: p.node,
      });
      continue;
    }
    if (p.f === "add") {
      if (applied)
        change(
          p.key,
          [...current(p.key), p.value as number].sort((a, b) => a - b),
        );
    } else {
      const now = current(p.key);
      const basis = p.basis!;
      const stale = now.length !== basis.length || now.some((v) => !basis.includes(v));
      const mismatch = p.f === "cas" && !now.includes((p.value as number[])[0]!);
      if ((strategy === "reject" && stale) || mismatch) {
        complete("fail", "stale-context");
        continue;
      }
      if (applied) {
        const written = p.f === "cas" ? (p.value as number[])[1]! : (p.value as number);
        if (strategy === "lww") {
          for (const v of now) if (!basis.includes(v)) options.onOverwrite?.(p.key, v);
          change(p.key, [written]);
        } else {
          change(p.key, [...now.filter((v) => !basis.includes(v)), written]);
        }
      }
    }
    complete(outcome, outcome === "info" ? "timeout" : undefined);
    if (outcome === "info") thread.process = nextProcess++; // the thread continues under a new id
  }

  push({ process: "nemesis", type: "invoke", f: "heal-all", value: null });
  push({ process: "nemesis", type: "ok", f: "heal-all", value: null });
  const used = new Set(ops.map((o) => o.key));
  const touched = keys.filter((k) => used.has(k));
  const rounds = lagging ? 2 : 1;
  for (let round = 1; round <= rounds; round++) {
    for (const [n, node] of nodes.entries()) {
      const process = nextProcess + n;
      for (const key of touched) {
        const lag = round < rounds && n === nodes.length - 1 && previous.has(key);
        const seen = lag ? previous.get(key)! : current(key);
        push({ process, type: "invoke", f: "final-read", key, node, round, value: null });
        push({ process, type: "ok", f: "final-read", key, node, round, value: readValue(seen) });
      }
    }
  }
  return ops;
}
