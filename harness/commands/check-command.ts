// `faultline check <run-dir | history-file>`: judges a stored run (every checker its test names,
// via checkRun; also for a run's history.jsonl given alone) or one history file of ours or another
// tool's (Jepsen logs, Knossos EDN) with the linearizable checker, which refuses a history its
// model cannot read (a cart's adds and item arrays) rather than judge what it ignores. Prints what
// failed (run-summary.ts). Exit 0 valid, 1 invalid, 2 unknown, 254 bad arguments or input.
import { readFile, stat } from "node:fs/promises";
import { basename, dirname, extname } from "node:path";
import type { Command } from "commander";
import type { ParsedHistory } from "../../checkers/formats/jsonl-format.js";
import type { History } from "../../checkers/history.js";
import { UsageError, verdictExitCode } from "../cli-error.js";
import { RUN_FILES, runPaths } from "../store/run-store.js";

const FORMATS = ["jsonl", "jepsen-log", "edn"] as const;
type Format = (typeof FORMATS)[number];
const MODEL_NAMES = ["register", "cas-register", "kv"] as const;
/** How each format encodes read results (see checkers/models/model.ts, Dialect). */
const DIALECT_OF = { jsonl: "faultline", "jepsen-log": "jepsen", edn: "knossos" } as const;
/** Warn when the model ignores more than this share of a history's client ops. */
const IGNORED_SHARE_WARN = 0.25;
const FORMAT_OF_EXTENSION: Record<string, Format> = {
  ".jsonl": "jsonl",
  ".log": "jepsen-log",
  ".edn": "edn",
  ".txt": "edn",
};

interface CheckFlags {
  format?: string;
  model?: string;
  initial?: string;
  timeLimit?: string;
  json?: boolean;
}

export function registerCheckCommand(program: Command): void {
  program
    .command("check")
    .summary("check a stored run or a history file")
    .description(
      "Checks a run directory (test.json + history.jsonl) with the checkers its test names, " +
        "or a history file with the linearizable checker (a run's own history.jsonl, alone, is " +
        "checked as its run). The format comes from the extension " +
        "(.jsonl; .log = Jepsen log lines; .edn or .txt = Jepsen/Knossos EDN) unless --format " +
        "says. The model defaults to kv when the history has get/put/append ops, else cas-register.",
    )
    .argument("<target>", "a run directory or a history file")
    .option("--format <format>", `history file format: ${FORMATS.join(" | ")}`)
    .option("--model <model>", `linearizability model: ${MODEL_NAMES.join(" | ")}`)
    .option("--initial <value>", 'the register\'s initial value, as JSON (default: absent; kv: "")')
    .option("--time-limit <seconds>", "search budget before answering unknown", "10")
    .option("--json", "print the full result as JSON")
    .addHelpText(
      "after",
      "\nExamples:\n  faultline check store/latest\n" +
        "  faultline check etcd_002.log --model cas-register\n" +
        "  faultline check knossos.edn --initial 0",
    )
    .action(async (target: string, flags: CheckFlags) => {
      const info = await stat(target).catch((err: NodeJS.ErrnoException) => {
        throw new UsageError(`cannot read ${target}: ${err.code ?? err.message}`);
      });
      const fileFlags =
        flags.format !== undefined || flags.model !== undefined || flags.initial !== undefined;
      if (info.isDirectory()) {
        if (fileFlags) {
          throw new UsageError(
            "--format, --model and --initial apply to a history file; a run directory uses its test.json",
          );
        }
        await checkRunDir(target, flags.json === true);
      } else if (!fileFlags && (await isRunHistory(target))) {
        // A run's history means what its test says (a cart is no register): judge the run.
        console.error(`${target} is a run's history: checking the run with its test's checkers`);
        await checkRunDir(dirname(target), flags.json === true);
      } else {
        await checkHistoryFile(target, flags);
      }
    });
}

/** history.jsonl with a test.json beside it: the history of a stored run. */
async function isRunHistory(path: string): Promise<boolean> {
  if (basename(path) !== RUN_FILES.history) return false;
  const test = await stat(runPaths(dirname(path)).test).catch(() => undefined);
  return test?.isFile() === true;
}

async function checkRunDir(runDir: string, json: boolean): Promise<void> {
  const { checkRun } = await import("../check-run.js");
  const { summaryTable } = await import("../run/run-summary.js");
  const result = await checkRun(runDir);
  for (const warning of result.warnings) console.error(`warning: ${warning}`);
  if (json) console.log(JSON.stringify(result, null, 2));
  else {
    console.log(`${runDir}: ${result.opCount} ops\n`);
    console.log(summaryTable(result.valid, result.results));
    console.log(`\nverdict: ${verdictText(result.valid)}`);
  }
  process.exitCode = verdictExitCode(result.valid);
}

async function checkHistoryFile(path: string, flags: CheckFlags): Promise<void> {
  const format = resolveFormat(path, flags.format);
  if (flags.model !== undefined && !(MODEL_NAMES as readonly string[]).includes(flags.model)) {
    throw new UsageError(
      `--model ${JSON.stringify(flags.model)} is not a model: use ${MODEL_NAMES.join(", ")}`,
    );
  }
  const timeLimitS = Number(flags.timeLimit ?? "10");
  if (!Number.isFinite(timeLimitS) || timeLimitS <= 0) {
    throw new UsageError(
      `--time-limit ${JSON.stringify(flags.timeLimit)} must be a positive number of seconds`,
    );
  }
  const initial = flags.initial === undefined ? undefined : parseInitial(flags.initial);

  const parsed = await parseHistory(path, format);
  for (const warning of parsed.warnings) console.error(`warning: ${warning}`);
  if (!parsed.history.some((op) => op.process !== "nemesis")) {
    // As for an empty run: nothing was tested, so nothing can be said.
    console.log(`${path}: no operations (${format})`);
    console.log("linearizable: unknown");
    process.exitCode = verdictExitCode("unknown");
    return;
  }
  const model = (flags.model ??
    (parsed.history.some((op) => ["get", "put", "append"].includes(op.f))
      ? "kv"
      : "cas-register")) as (typeof MODEL_NAMES)[number];
  const { models } = await import("../../checkers/models/models.js");
  const fs = models[model].fs;
  const foreign = uninterpretableOps(parsed.history, fs, format);
  if (foreign.length > 0) {
    throw new UsageError(
      `${path}: the ${model} model cannot interpret ${foreign.join(", ")}` +
        " (a cart history?); check its run directory instead, which uses the test's checkers",
    );
  }
  const ignoredWarning = ignoredShareWarning(parsed.history, fs, model);
  if (ignoredWarning !== undefined) console.error(`warning: ${ignoredWarning}`);

  const { checkLinearizable } = await import("../../checkers/linearizable-checker.js");
  let result: Awaited<ReturnType<typeof checkLinearizable>>;
  try {
    result = checkLinearizable(parsed.history, {
      model,
      initial,
      dialect: DIALECT_OF[format],
      timeLimitMs: timeLimitS * 1000,
    });
  } catch (err) {
    // A history the model cannot read (an op without its invoke, a cas without [from to]).
    throw new UsageError(`${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (flags.json) console.log(JSON.stringify(result, null, 2));
  else {
    const parts = result.parts === 1 ? "1 key" : `${result.parts} keys`;
    console.log(
      `${path}: ${result.ops} ops (${format}, model ${result.model}, ${parts}; ${result.ignored} ignored)`,
    );
    console.log(`linearizable: ${verdictText(result.valid)}`);
    if (result.error) console.log(`  ${result.error}`);
    const failure = result.failure;
    if (failure) {
      console.log(`  ${failure.explanation}`);
      console.log(
        `  shortest failing prefix: ops up to index ${failure.prefixEndIndex}; blocked op: ${failure.op.invoke}` +
          ` → ${failure.op.completion ?? "?"} (${failure.op.description})`,
      );
      console.log(
        `  longest linearization: ${shorten(failure.linearized.join(" "))} → state ${failure.state}`,
      );
      for (const c of failure.concurrent.slice(0, 10)) {
        console.log(
          `  concurrent: op ${c.invoke} ${c.description}${c.linearized ? " (placed)" : ""}`,
        );
      }
      if (failure.concurrent.length > 10)
        console.log(`  … and ${failure.concurrent.length - 10} more`);
    }
  }
  process.exitCode = verdictExitCode(result.valid);
}

/** Ops that would make the model's verdict false, not merely incomplete: a cart's adds, and our
 * reads whose siblings are item arrays (unless the history writes array values itself). */
function uninterpretableOps(history: History, fs: ReadonlySet<string>, format: Format): string[] {
  const counts = new Map<string, number>();
  const note = (what: string) => counts.set(what, (counts.get(what) ?? 0) + 1);
  const writesArrays = history.some((op) => op.f === "write" && Array.isArray(op.value));
  for (const op of history) {
    if (op.process === "nemesis") continue;
    if (op.f === "add") {
      if (op.type === "invoke" && !fs.has("add")) note("add");
      continue;
    }
    if (format !== "jsonl" || op.type !== "ok" || writesArrays) continue;
    const read = op.f === "final-read" || (op.f === "read" && fs.has("read"));
    if (read && Array.isArray(op.value) && op.value.some((sibling) => Array.isArray(sibling)))
      note(op.f);
  }
  const s = (n: number) => (n === 1 ? "" : "s");
  return [...counts].map(([f, n]) =>
    f === "add" ? `${n} add op${s(n)}` : `${n} ${f}${s(n)} of item arrays`,
  );
}

/** A warning when the model ignores a large share of the client ops (their f is not its own).
 * Our final reads (each node's own state) are no client ops: ignoring them is right. */
function ignoredShareWarning(
  history: History,
  fs: ReadonlySet<string>,
  model: string,
): string | undefined {
  let total = 0;
  const ignored = new Map<string, number>();
  for (const op of history) {
    if (op.process === "nemesis" || op.type !== "invoke" || op.f === "final-read") continue;
    total++;
    if (!fs.has(op.f)) ignored.set(op.f, (ignored.get(op.f) ?? 0) + 1);
  }
  const n = [...ignored.values()].reduce((a, b) => a + b, 0);
  if (total === 0 || n / total <= IGNORED_SHARE_WARN) return undefined;
  const fsText = [...ignored].map(([f, count]) => `${count} ${f}`).join(", ");
  return (
    `the ${model} model ignores ${n} of ${total} ops (${Math.round((n / total) * 100)}%: ${fsText}); ` +
    "its verdict covers only the rest"
  );
}

function resolveFormat(path: string, flag: string | undefined): Format {
  if (flag !== undefined) {
    if ((FORMATS as readonly string[]).includes(flag)) return flag as Format;
    throw new UsageError(
      `--format ${JSON.stringify(flag)} is not a format: use ${FORMATS.join(", ")}`,
    );
  }
  const format = FORMAT_OF_EXTENSION[extname(path).toLowerCase()];
  if (format === undefined) {
    throw new UsageError(
      `cannot tell the format of ${path} from its extension: pass --format ${FORMATS.join("|")}`,
    );
  }
  return format;
}

/** `--initial 0` is the number 0, `--initial '"a"'` or `--initial a` the string "a". */
function parseInitial(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** Reads the file once: JSONL streamed, the other formats as one text. */
async function parseHistory(path: string, format: Format): Promise<ParsedHistory> {
  try {
    switch (format) {
      case "jsonl":
        return await (await import("../../checkers/formats/jsonl-format.js")).readJsonlFile(path);
      case "jepsen-log":
        return (await import("../../checkers/formats/jepsen-log-format.js")).parseJepsenLog(
          await readFile(path, "utf8"),
          path,
        );
      case "edn":
        return (await import("../../checkers/formats/edn-format.js")).parseEdn(
          await readFile(path, "utf8"),
          path,
        );
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== undefined) throw new UsageError(`cannot read ${path}: ${code}`);
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

function verdictText(valid: unknown): string {
  return valid === true ? "valid" : valid === false ? "INVALID" : "unknown";
}

function shorten(text: string): string {
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}
