// Times the linearizable checker on the reference corpus (../shared/data/linearizability/):
// all 102 etcd histories (total and the slowest five) and the kv c50 pair, next to Porcupine's
// reference times on a machine like ours; also the plain Porcupine-style search for contrast.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CheckOptions } from "../checkers/checker.js";
import { parseEdn } from "../checkers/formats/edn-format.js";
import { parseJepsenLog } from "../checkers/formats/jepsen-log-format.js";
import type { History } from "../checkers/history.js";
import { checkLinearizable } from "../checkers/linearizable-checker.js";

const corpus = fileURLToPath(new URL("../../shared/data/linearizability/", import.meta.url));
const ROUNDS = 5;

interface Item {
  name: string;
  history: History;
  options: CheckOptions;
  parseMs: number;
}

/** The best of ROUNDS runs (after one warm-up), so a busy neighbour inflates less. */
function time(item: Item, extra: CheckOptions = {}): { ms: number; valid: unknown } {
  let best = Number.POSITIVE_INFINITY;
  let valid: unknown;
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    valid = checkLinearizable(item.history, { ...item.options, ...extra }).valid;
    best = Math.min(best, performance.now() - t0);
  }
  return { ms: best, valid };
}

function load(path: string, name: string, parse: typeof parseEdn, options: CheckOptions): Item {
  const t0 = performance.now();
  const { history } = parse(readFileSync(path, "utf8"), name);
  return { name, history, options, parseMs: performance.now() - t0 };
}

const fmt = (ms: number) => `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;

export default async function (): Promise<void> {
  if (!existsSync(corpus)) {
    console.log(`skipped: the corpus ${corpus} is absent`);
    return;
  }
  const etcd = readdirSync(join(corpus, "etcd"))
    .filter((f) => f.endsWith(".log") && f !== "etcd_095.log")
    .sort()
    .map((f) =>
      load(join(corpus, "etcd", f), f, parseJepsenLog, {
        model: "cas-register",
        dialect: "jepsen",
      }),
    );
  const kv = ["c50-ok.txt", "c50-bad.txt"].map((f) =>
    load(join(corpus, "kv", f), f, parseEdn, { model: "kv", dialect: "knossos" }),
  );
  // The first pass runs cold (the JIT has not compiled the search yet): printed, then warm.
  const cold = performance.now();
  for (const item of etcd) checkLinearizable(item.history, item.options);
  const coldMs = performance.now() - cold;
  for (const item of kv) checkLinearizable(item.history, item.options);
  console.log(`etcd, first (cold) pass over ${etcd.length} histories: ${fmt(coldMs)}`);

  for (const [label, extra] of [
    ["faultline", {}],
    ["baseline: Porcupine's algorithm (exact memo only) in our code", { baseline: true }],
  ] as const) {
    const times = etcd.map((item) => ({ item, ...time(item, extra) }));
    const total = times.reduce((s, t) => s + t.ms, 0);
    const parse = etcd.reduce((s, t) => s + t.parseMs, 0);
    console.log(`\n${label}: etcd, ${etcd.length} histories (best of ${ROUNDS})`);
    console.log(
      `  check total   ${fmt(total).padStart(10)}   (parse ${fmt(parse)})   Porcupine ≈ 900 ms`,
    );
    const slowest = [...times].sort((a, b) => b.ms - a.ms).slice(0, 5);
    const reference: Record<string, string> = {
      "etcd_002.log": "≈ 200 ms",
      "etcd_007.log": "≈ 120 ms",
      "etcd_057.log": "≈ 70 ms",
      "etcd_099.log": "≈ 55 ms",
    };
    for (const t of slowest) {
      const ref = reference[t.item.name] ? `   Porcupine ${reference[t.item.name]}` : "";
      console.log(
        `  ${t.item.name.padEnd(13)} ${fmt(t.ms).padStart(10)}   ${t.valid ? "linearizable" : "not"}${ref}`,
      );
    }
    for (const name of ["etcd_002.log", "etcd_007.log"]) {
      const t = times.find((x) => x.item.name === name)!;
      if (!slowest.includes(t))
        console.log(
          `  ${name.padEnd(13)} ${fmt(t.ms).padStart(10)}   Porcupine ${reference[name]}`,
        );
    }
    const kvRef: Record<string, string> = { "c50-ok.txt": "≈ 290 ms", "c50-bad.txt": "≈ 35 ms" };
    for (const item of kv) {
      const t = time(item, extra);
      console.log(
        `  kv ${item.name.padEnd(10)} ${fmt(t.ms).padStart(10)}   ${t.valid ? "linearizable" : "not"}   Porcupine ${kvRef[item.name]}`,
      );
    }
  }
}
