// The reference corpus of ../shared/data/linearizability/ (its README gives formats, models and
// expected verdicts): every file must come out right through the same path as `faultline check`
// (parser → linearizable checker); a budget "unknown" counts as wrong. Skips, loudly, when the
// folder is absent (a fresh checkout has no shared data).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { CheckOptions } from "./checker.js";
import { parseEdn } from "./formats/edn-format.js";
import { parseJepsenLog } from "./formats/jepsen-log-format.js";
import type { ParsedHistory } from "./formats/jsonl-format.js";
import { checkLinearizable } from "./linearizable-checker.js";

const corpus = fileURLToPath(new URL("../../shared/data/linearizability/", import.meta.url));
const present = existsSync(corpus);
if (!present) {
  console.warn(`linearizable corpus test SKIPPED: the folder ${corpus} is absent`);
}

/** The README's linearizable etcd files; every other non-empty one is not. */
const ETCD_LINEARIZABLE = new Set(
  "002 005 007 018 025 031 038 045 048 049 051 053 056 067 075 076 080 087 092 098 100 101 102".split(
    " ",
  ),
);

interface Case {
  name: string;
  path: string;
  parse: (text: string, source: string) => ParsedHistory;
  options: CheckOptions;
  expected: boolean;
}

function cases(): Case[] {
  if (!present) return [];
  const list = (dir: string) =>
    readdirSync(join(corpus, dir))
      .sort()
      .map((f) => ({ file: f, path: join(corpus, dir, f) }));
  const out: Case[] = [];
  for (const { file, path } of list("etcd")) {
    if (file === "etcd_095.log") continue; // empty: the cluster failed to start
    out.push({
      name: `etcd/${file}`,
      path,
      parse: parseJepsenLog,
      options: { model: "cas-register", dialect: "jepsen" },
      expected: ETCD_LINEARIZABLE.has(file.slice(5, 8)),
    });
  }
  for (const { file, path } of list("kv")) {
    out.push({
      name: `kv/${file}`,
      path,
      parse: parseEdn,
      options: { model: "kv", dialect: "knossos" },
      expected: file.includes("-ok"),
    });
  }
  for (const verdict of ["good", "bad"]) {
    for (const { file, path } of list(`knossos-cas-register/${verdict}`)) {
      out.push({
        name: `knossos-cas-register/${verdict}/${file}`,
        path,
        parse: parseEdn,
        options: { model: "cas-register", dialect: "knossos", initial: 0 },
        expected: verdict === "good",
      });
    }
  }
  return out;
}

describe.skipIf(!present)("linearizable: reference corpus", () => {
  const all = cases();

  it("has every file the README lists (102 etcd, 6 kv, 120 knossos)", () => {
    expect(all.filter((c) => c.name.startsWith("etcd/"))).toHaveLength(102);
    expect(all.filter((c) => c.name.startsWith("kv/"))).toHaveLength(6);
    expect(all.filter((c) => c.name.startsWith("knossos"))).toHaveLength(120);
  });

  it.each(all.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const { history } = c.parse(readFileSync(c.path, "utf8"), c.name);
    const result = checkLinearizable(history, { ...c.options, timeLimitMs: 20_000 });
    expect(result.error).toBeUndefined();
    expect(result.valid).toBe(c.expected);
    if (!c.expected) expect(result.failure?.op.invoke).toBeTypeOf("number");
  });
});
