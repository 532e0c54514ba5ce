// Times the `faultline` command's start, side by side with a bare `node -e 0`: `--help`, and
// `check` on a 64-op history (the check itself takes milliseconds), each the median wall time of
// ROUNDS runs after a warm-up (which also builds the compiled cache when it is stale), and the
// same through tsx's loader (how bin/faultline.js ran the sources before) for contrast.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(ROOT, "bin/faultline.js");
const CLI_TS = join(ROOT, "harness/cli.ts");
const ROUNDS = 9;
const GOAL_RATIO = 2;

/** 32 writes of one key by four processes, invoke and ok: 64 ops. */
function smallHistory(): string {
  const lines: string[] = [];
  for (let k = 0; k < 32; k++) {
    const op = { process: k % 4, f: "write", key: "k", value: k };
    lines.push(JSON.stringify({ index: 2 * k, time: k * 1e6, type: "invoke", ...op }));
    lines.push(JSON.stringify({ index: 2 * k + 1, time: k * 1e6 + 5e5, type: "ok", ...op }));
  }
  return `${lines.join("\n")}\n`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** The median wall time of `args` run by node, in ms; throws when it exits with another code. */
function timed(args: string[], expectCode: number): number {
  const times: number[] = [];
  for (let i = 0; i <= ROUNDS; i++) {
    const t0 = performance.now();
    const out = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8" });
    const ms = performance.now() - t0;
    if (out.status !== expectCode) {
      throw new Error(`node ${args.join(" ")} exited ${out.status}: ${out.stderr}`);
    }
    if (i > 0) times.push(ms); // The first run warms the disk cache and the compiled build.
  }
  return median(times);
}

export default async function (): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "faultline-cli-bench-"));
  try {
    const history = join(dir, "small.jsonl");
    writeFileSync(history, smallHistory());
    const bare = timed(["-e", "0"], 0);
    const rows: [string, number][] = [
      ["node -e 0", bare],
      ["faultline --help", timed([BIN, "--help"], 0)],
      ["faultline check small.jsonl (64 ops)", timed([BIN, "check", history], 0)],
      ["tsx loader: --help", timed(["--import", "tsx", CLI_TS, "--help"], 0)],
      ["tsx loader: check small.jsonl", timed(["--import", "tsx", CLI_TS, "check", history], 0)],
    ];
    console.log(`median of ${ROUNDS} runs each (wall time, ms); goal: ≤ ${GOAL_RATIO}× node -e 0`);
    console.log("| command | ms | × bare node |");
    console.log("| --- | ---: | ---: |");
    for (const [name, ms] of rows) {
      console.log(`| ${name} | ${ms.toFixed(0)} | ${(ms / bare).toFixed(2)} |`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
