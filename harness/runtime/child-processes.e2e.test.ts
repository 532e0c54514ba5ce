// Every way a harness process can end leaves no node behind: a harness (test-fixtures/
// harness-child.ts, a real 3-node local cluster) gets Ctrl-C as a terminal sends it (to its
// process group), SIGINT twice past an interrupt handler that never finishes, SIGTERM, an uncaught
// error, and SIGKILL (with a paused node); then no node pid may be alive.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { isAlive } from "../run/faultline-process.js";

const RUN_TS = fileURLToPath(new URL("../../bin/run-ts.js", import.meta.url));
const HARNESS = fileURLToPath(new URL("./test-fixtures/harness-child.ts", import.meta.url));

const dirs: string[] = [];
const shells: ChildProcess[] = [];
const nodePids: number[] = [];
afterAll(() => {
  // Only if a test failed half-way: the whole job-control session of each harness, and any node
  // that outlived its harness.
  for (const shell of shells) if (shell.exitCode === null) process.kill(-shell.pid!, "SIGKILL");
  for (const pid of nodePids.filter(isAlive)) process.kill(pid, "SIGKILL");
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function eventually(predicate: () => boolean, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface Harness {
  /** The harness's pid, also its process group (a shell job). */
  pid: number;
  pids: number[];
  /** Its run directory: the nodes' logs are in nodes/<id>.log. */
  dir: string;
  /** The harness's exit status as its shell saw it (128 + N for a death by signal N). */
  exit: Promise<number>;
  output: () => string;
}

/**
 * Starts the harness as a job of a job-control shell, as a terminal would: the harness leads its
 * own process group, and its parent (the shell) is in the same session. Without job control (a
 * script's or CI's `cmd &`), the harness stays in the shell's process group instead. Waits for
 * its nodes.
 */
async function startHarness(mode: string, jobControl = true): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), "faultline-harness-exit-"));
  dirs.push(dir);
  const script = `${jobControl ? "set -m; " : ""}"$@" & echo "job $!"; wait $!; echo "exit $?"`;
  const shell = spawn(
    "bash",
    ["-c", script, "bash", process.execPath, RUN_TS, HARNESS, dir, mode],
    {
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    },
  );
  shells.push(shell);
  let output = "";
  shell.stdout!.on("data", (chunk) => {
    output += chunk;
  });
  shell.stderr!.on("data", (chunk) => {
    output += chunk;
  });
  const shellExit = new Promise<void>((resolve) => shell.on("exit", () => resolve()));
  await Promise.race([
    eventually(() => output.includes("ready {"), "the harness's cluster", 60_000),
    shellExit.then(() => {
      throw new Error(`the harness exited before its cluster was ready:\n${output}`);
    }),
  ]);
  const line = (prefix: string) => output.split("\n").find((l) => l.startsWith(prefix))!;
  const pid = Number(line("job ").slice("job ".length));
  const pids = Object.values(
    JSON.parse(line("ready ").slice("ready ".length)) as Record<string, number>,
  );
  nodePids.push(...pids);
  expect(pids).toHaveLength(3);
  expect(pids.every(isAlive)).toBe(true);
  const exit = shellExit.then(() => Number(line("exit ").slice("exit ".length)));
  return { pid, pids, dir, exit, output: () => output };
}

/** Every node died of the harness's SIGKILL: none stopped by itself, as a node that saw the
 * signal or, with --exit-with-parent, EOF on its stdin would (it logs "stopping"). */
async function expectKilledByHarness(harness: Harness): Promise<void> {
  // The SIGKILLs were sent before the harness exited; their delivery may take a moment.
  await eventually(() => harness.pids.every((pid) => !isAlive(pid)), "the nodes' death");
  for (const id of ["n1", "n2", "n3"]) {
    expect(readFileSync(join(harness.dir, "nodes", `${id}.log`), "utf8")).not.toContain("stopping");
  }
}

/** A terminal's Ctrl-C: SIGINT to the foreground process group (the harness and its nodes). */
function ctrlC(harness: Harness): void {
  process.kill(-harness.pid, "SIGINT");
}

describe("no node outlives the harness", () => {
  it("Ctrl-C", async () => {
    const harness = await startHarness("wait");
    ctrlC(harness);
    expect(await harness.exit).toBe(130);
    expect(harness.pids.filter(isAlive)).toEqual([]);
  });

  it("SIGINT twice to the harness alone, past an interrupt handler that never finishes", async () => {
    const harness = await startHarness("stubborn");
    process.kill(harness.pid, "SIGINT");
    await eventually(() => harness.output().includes("graceful shutdown started"), "the handler");
    // The first signal is the graceful stop's: it owns the nodes (as the docker runtime's).
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(isAlive(harness.pid)).toBe(true);
    expect(harness.pids.every(isAlive)).toBe(true);
    process.kill(harness.pid, "SIGINT");
    expect(await harness.exit).toBe(130);
    await expectKilledByHarness(harness);
  });

  it("SIGTERM to the harness alone", async () => {
    const harness = await startHarness("wait");
    process.kill(harness.pid, "SIGTERM");
    expect(await harness.exit).toBe(143);
    await expectKilledByHarness(harness);
  });

  it("an uncaught error", async () => {
    const harness = await startHarness("throw");
    process.kill(harness.pid, "SIGUSR2");
    expect(await harness.exit).toBe(255);
    expect(harness.output()).toContain("internal error (an uncaught error): the harness crashed");
    await expectKilledByHarness(harness);
  });

  for (const jobControl of [true, false]) {
    const how = jobControl ? "a job of its own" : "no job control (`cmd &` in a script)";
    it(`SIGKILL of the harness alone, with a paused node: ${how}`, async () => {
      const harness = await startHarness("pause", jobControl);
      const paused = harness.pids[0]!;
      // (SIGSTOP takes a moment to stop every thread of a busy process.)
      await eventually(() => processState(paused) === "T", "the paused node's stop");
      process.kill(harness.pid, "SIGKILL");
      expect(await harness.exit).toBe(137);
      // The kernel kills every node as its parent dies (setpriv --pdeathsig), a stopped one too:
      // neither the stdin watch (--exit-with-parent) nor an orphaned group's SIGHUP + SIGCONT
      // (only when the harness leads its group) reaches a stopped node.
      await eventually(() => harness.pids.every((pid) => !isAlive(pid)), "the nodes' exit");
    });
  }
});

/** The state letter of /proc/<pid>/stat ("T": stopped). */
function processState(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat[stat.lastIndexOf(")") + 2]!;
}
