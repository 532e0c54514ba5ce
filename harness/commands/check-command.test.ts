import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { UsageError } from "../cli-error.js";
import { testJson } from "../config/test-file.js";
import { loadTestConfig } from "../config/load-test-config.js";
import { registerCheckCommand } from "./check-command.js";

const dir = mkdtempSync(join(tmpdir(), "faultline-check-"));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const jsonl = (ops: object[]) =>
  ops.map((o, index) => JSON.stringify({ index, time: index, key: "k", ...o })).join("\n");

let out: string[];
beforeEach(() => {
  out = [];
  vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void out.push(a.join(" ")));
  vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => void out.push(a.join(" ")));
  process.exitCode = undefined;
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

async function run(...args: string[]): Promise<{ code: number | undefined; text: string }> {
  const program = new Command("faultline").exitOverride();
  registerCheckCommand(program);
  await program.parseAsync(["node", "faultline", "check", ...args]);
  const code = process.exitCode as number | undefined;
  return { code, text: out.join("\n") };
}

const write = (p: number, v: number) => [
  { process: p, type: "invoke", f: "write", value: v },
  { process: p, type: "ok", f: "write", value: v },
];
const read = (p: number, siblings: number[]) => [
  { process: p, type: "invoke", f: "read", value: null },
  { process: p, type: "ok", f: "read", value: siblings },
];

describe("faultline check <history-file>", () => {
  it("exits 0 on a linearizable JSONL history", async () => {
    const path = file("good.jsonl", jsonl([...write(0, 1), ...read(1, [1])]));
    const { code, text } = await run(path);
    expect(code).toBe(0);
    expect(text).toContain("linearizable: valid");
    expect(text).toContain("model cas-register");
  });

  it("exits 1 on a stale read and prints the shortest failing prefix", async () => {
    const path = file("bad.jsonl", jsonl([...write(0, 1), ...write(0, 2), ...read(1, [1])]));
    const { code, text } = await run(path, "--model", "register");
    expect(code).toBe(1);
    expect(text).toContain("linearizable: INVALID");
    expect(text).toContain("shortest failing prefix: ops up to index 5; blocked op: 4");
  });

  it("reads Jepsen logs and EDN by extension, and --format overrides", async () => {
    const log =
      "INFO  jepsen.util - 0\t:invoke\t:write\t1\nINFO  jepsen.util - 0\t:ok\t:write\t1\n" +
      "INFO  jepsen.util - 1\t:invoke\t:read\tnil\nINFO  jepsen.util - 1\t:ok\t:read\tnil\n";
    expect((await run(file("h.log", log))).code).toBe(1); // nil = absent after a write
    expect((await run(file("h-log.txt", log), "--format", "jepsen-log")).code).toBe(1);
    const edn =
      "[{:process 0, :type :invoke, :f :read, :value nil}\n {:process 0, :type :ok, :f :read, :value 0}]";
    expect((await run(file("h.edn", edn))).code).toBe(1);
    expect((await run(file("h2.edn", edn), "--initial", "0")).code).toBe(0);
  });

  it("infers the kv model from get/put/append ops", async () => {
    const kv =
      '{:process 0, :type :invoke, :f :append, :key "a", :value "x"}\n' +
      '{:process 0, :type :ok, :f :append, :key "a", :value "x"}\n' +
      '{:process 1, :type :invoke, :f :get, :key "a", :value nil}\n' +
      '{:process 1, :type :ok, :f :get, :key "a", :value "x"}\n';
    const { code, text } = await run(file("kv.txt", kv));
    expect(code).toBe(0);
    expect(text).toContain("model kv");
  });

  it("exits 2 when the time budget runs out", async () => {
    const ops: object[] = [];
    for (let p = 0; p < 14; p++) ops.push({ process: p, type: "invoke", f: "write", value: p });
    ops.push(...read(99, [1000]));
    for (let p = 0; p < 14; p++) ops.push({ process: p, type: "ok", f: "write", value: p });
    const { code, text } = await run(file("hard.jsonl", jsonl(ops)), "--time-limit", "0.000001");
    expect(code).toBe(2);
    expect(text).toContain("linearizable: unknown");
  });

  it.each([
    [["/nonexistent/h.jsonl"], /cannot read \/nonexistent\/h\.jsonl: ENOENT/],
    [["FILE.csv"], /cannot tell the format of .*\.csv from its extension/],
    [["FILE.jsonl", "--format", "xml"], /--format "xml" is not a format/],
    [["FILE.jsonl", "--model", "queue"], /--model "queue" is not a model/],
    [["FILE.jsonl", "--time-limit", "soon"], /--time-limit "soon" must be a positive number/],
  ])("rejects %j with a usage error", async (args, message) => {
    const csv = file("h.csv", "");
    const ok = file("ok.jsonl", jsonl(read(0, [])));
    const resolved = args.map((a) => (a === "FILE.csv" ? csv : a === "FILE.jsonl" ? ok : a));
    const err = await run(...resolved).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(message);
  });

  it("answers unknown (exit 2) for a history with no operation, of any format", async () => {
    for (const [name, text] of [
      ["empty.jsonl", ""],
      ["blank.jsonl", "\n\n"],
      ["empty.edn", "[]"],
      ["empty.log", ""],
    ]) {
      const { code, text: printed } = await run(file(name!, text!));
      expect(code).toBe(2);
      expect(printed).toContain("no operations");
      expect(printed).toContain("linearizable: unknown");
    }
  });

  it("warns about duplicated and missing index values, naming them", async () => {
    const ops = [...write(0, 1), ...read(1, [1])].map((o, i) => ({ ...o, index: [0, 1, 1, 4][i] }));
    const path = file(
      "indexes.jsonl",
      ops.map((o) => JSON.stringify({ key: "k", ...o })).join("\n"),
    );
    const { code, text } = await run(path);
    expect(code).toBe(0);
    expect(text).toMatch(/warning: .*indexes\.jsonl:3: "index" values are not 0, 1, 2/);
    expect(text).toContain("duplicated 1; missing 2, 3");
  });

  it("names the line of a corrupt history", async () => {
    const path = file("corrupt.jsonl", `${jsonl(read(0, []))}\n{oops\n${jsonl(read(1, []))}`);
    await expect(run(path)).rejects.toThrow(/corrupt\.jsonl:3: not valid JSON/);
  });
});

/** A cart history: item 1 added (acknowledged) to k1, a client read of [[1]], then final reads
 * of both nodes holding `finalItems`. */
const cart = (finalItems: number[]) =>
  jsonl([
    { process: 0, type: "invoke", f: "add", key: "k1", value: 1 },
    { process: 0, type: "ok", f: "add", key: "k1", value: 1 },
    { process: 1, type: "invoke", f: "read", key: "k1", value: null },
    { process: 1, type: "ok", f: "read", key: "k1", value: [[1]] },
    { process: 2, type: "invoke", f: "final-read", key: "k1", node: "n1", round: 1 },
    {
      process: 2,
      type: "ok",
      f: "final-read",
      key: "k1",
      node: "n1",
      round: 1,
      value: [finalItems],
    },
    { process: 3, type: "invoke", f: "final-read", key: "k1", node: "n2", round: 1 },
    {
      process: 3,
      type: "ok",
      f: "final-read",
      key: "k1",
      node: "n2",
      round: 1,
      value: [finalItems],
    },
  ]);

/** A stored run of the cart workload (test.json + history.jsonl). */
function runDir(name: string, historyText: string): string {
  const path = join(dir, name);
  mkdirSync(path, { recursive: true });
  const config = loadTestConfig({
    file: {
      path: "t.yaml",
      text: "system: {nodes: 2}\ncheckers: [lost-writes, convergence, stats]\nseed: 1\n",
    },
    env: {},
  });
  writeFileSync(join(path, "test.json"), testJson(config));
  writeFileSync(join(path, "history.jsonl"), historyText);
  return path;
}

describe("faultline check <history-file> of another workload", () => {
  it("refuses a cart history alone instead of judging item arrays as a register", async () => {
    const err = await run(file("cart.jsonl", cart([1]))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(
      /cas-register model cannot interpret 1 add op, 1 read of item arrays, 2 final-reads of item arrays/,
    );
  });

  it("checks a run's own history.jsonl as its run, with the test's checkers", async () => {
    const path = join(runDir("run-history", cart([])), "history.jsonl");
    const { code, text } = await run(path);
    expect(code).toBe(1);
    expect(text).toContain("checking the run with its test's checkers");
    expect(text).toMatch(/lost-writes +INVALID/);
    expect(text).not.toContain("linearizable");
  });

  it("keeps a register history with final reads, and warns when most ops are ignored", async () => {
    const registerRun = [
      ...write(0, 1),
      ...read(1, [1]),
      { process: 2, type: "invoke", f: "final-read", node: "n1", round: 1 },
      { process: 2, type: "ok", f: "final-read", node: "n1", round: 1, value: [1] },
    ];
    const kept = await run(file("register.jsonl", jsonl(registerRun)));
    expect(kept.code).toBe(0);
    expect(kept.text).not.toContain("warning");
    const odd = [...write(0, 1), ...read(1, [1])];
    for (let p = 2; p < 6; p++)
      odd.push(
        { process: p, type: "invoke", f: "enqueue", value: p },
        { process: p, type: "ok", f: "enqueue", value: p },
      );
    const warned = await run(file("queue.jsonl", jsonl(odd)));
    expect(warned.text).toContain(
      "warning: the cas-register model ignores 4 of 6 ops (67%: 4 enqueue); its verdict covers only the rest",
    );
  });
});

describe("faultline check <run-dir>", () => {
  it("prints the summary table with what failed: anomalies, items and op indexes", async () => {
    const { code, text } = await run(runDir("lost-run", cart([])));
    expect(code).toBe(1);
    const lines = text.split("\n");
    expect(lines).toContainEqual(expect.stringMatching(/^lost-writes +INVALID +anomalies: lost; /));
    expect(lines).toContain("  lost: item 1 on k1 (add op 1, absent from read op 5)");
    expect(lines).toContainEqual(
      expect.stringMatching(/^stats +valid +client ops 2 \(ok 2, fail 0, info 0\).*final reads 2$/),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^overall +INVALID$/));
    expect(lines.at(-1)).toBe("verdict: INVALID");
  });

  it("answers unknown (exit 2) for a run whose history is empty, and keeps the warning", async () => {
    const path = runDir("empty-run", "");
    const { code, text } = await run(path);
    expect(code).toBe(2);
    expect(text).toContain("warning: the history holds no client operation");
    expect(text.split("\n").at(-1)).toBe("verdict: unknown");
  });

  it("hands a directory to checkRun, which names what is missing", async () => {
    const runDir = mkdtempSync(join(dir, "run-"));
    await expect(run(runDir)).rejects.toThrow(/test\.json/);
  });

  it("refuses file flags on a run directory", async () => {
    await expect(run(dir, "--model", "kv")).rejects.toThrow(/apply to a history file/);
  });
});
