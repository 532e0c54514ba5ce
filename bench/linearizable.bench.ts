// Times the linearizable checker on the reference corpus (../shared/data/linearizability/): all
// 102 etcd histories (their total, and the slowest five) and each of the six kv files, parse
// excluded, best of 5 after a warm-up pass; also Porcupine's algorithm as written in our code
// (`baseline`), for contrast. It prints only what it measures: to compare with Porcupine itself,
// time Porcupine's own checker on the same files in the same sitting.
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
const KV_FILES = ["c01-ok", "c01-bad", "c10-ok", "c10-bad", "c50-ok", "c50-bad"];

interface Item {
  name: string;
  history: History;
  options: CheckOptions;
  parseMs: number;
}

/** The best of ROUNDS runs of `run` (after the caller's warm-up): a busy neighbour inflates less. */
function best(run: () => void): number {
  let fastest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < ROUNDS; i++) {
    const start = performance.now();
    run();
    fastest = Math.min(fastest, performance.now() - start);
  }
  return fastest;
}

function load(path: string, name: string, parse: typeof parseEdn, options: CheckOptions): Item {
  const t0 = performance.now();
  const { history } = parse(readFileSync(path, "utf8"), name);
  return { name, history, options, parseMs: performance.now() - t0 };
}

const fmt = (ms: number) => `${ms.toFixed(ms < 1 ? 3 : ms < 10 ? 2 : 1)} ms`;
const verdict = (item: Item, extra: CheckOptions) => {
  const { valid } = checkLinearizable(item.history, { ...item.options, ...extra });
  return valid === true ? "linearizable" : valid === false ? "not linearizable" : "unknown";
};

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
  const kv = KV_FILES.map((f) =>
    load(join(corpus, "kv", `${f}.txt`), f, parseEdn, { model: "kv", dialect: "knossos" }),
  );
  const parseMs = (items: Item[]) => items.reduce((sum, item) => sum + item.parseMs, 0);
  console.log(`parse (not timed below): etcd ${fmt(parseMs(etcd))}, kv ${fmt(parseMs(kv))}`);
  // The first pass runs cold (the JIT has not compiled the search yet): printed, then warm.
  const cold = performance.now();
  for (const item of [...etcd, ...kv]) checkLinearizable(item.history, item.options);
  console.log(
    `first (cold) pass over all ${etcd.length + kv.length}: ${fmt(performance.now() - cold)}`,
  );

  for (const [label, extra] of [
    ["faultline", {}],
    ["baseline (Porcupine's algorithm in our code)", { baseline: true }],
  ] as const) {
    const check = (item: Item) => checkLinearizable(item.history, { ...item.options, ...extra });
    console.log(`\n${label}, best of ${ROUNDS}:`);
    const total = best(() => {
      for (const item of etcd) check(item);
    });
    console.log(`  etcd, ${etcd.length} histories   ${fmt(total).padStart(11)}`);
    if (label === "faultline") {
      const slowest = etcd
        .map((item) => ({ item, ms: best(() => check(item)) }))
        .sort((a, b) => b.ms - a.ms)
        .slice(0, 5);
      for (const { item, ms } of slowest) {
        console.log(
          `    ${item.name.padEnd(21)} ${fmt(ms).padStart(11)}   ${verdict(item, extra)}`,
        );
      }
    }
    for (const item of kv) {
      const ms = best(() => check(item));
      console.log(`  kv ${item.name.padEnd(23)} ${fmt(ms).padStart(11)}   ${verdict(item, extra)}`);
    }
  }
}
