// The exit hooks run exactly once however a process ends (normal exit, an uncaught error or
// unhandled rejection, which exit 255 in an entry point, a signal
// with no interrupt handler, a second signal past one), and the first signal goes to the
// interrupt handler; with the signal-exit package loaded (by testcontainers) too.
import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const RUN_TS = fileURLToPath(new URL("../bin/run-ts.js", import.meta.url));
const CHILD = fileURLToPath(new URL("./test-fixtures/process-exit-child.ts", import.meta.url));

/** Starts the fixture and waits until it printed "ready". */
async function start(...args: string[]) {
  const child = spawn(process.execPath, [RUN_TS, CHILD, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on("data", () => output.includes("ready") && resolve());
    void exit.then(() => (output.includes("ready") ? resolve() : reject(new Error(output))));
  });
  await ready;
  // Ours, and signal-exit's when loaded: else the signal-exit cases would prove nothing.
  expect(output).toContain(`ready ${args.includes("signal-exit") ? 2 : 1}`);
  const lines = (prefix: string) => output.split("\n").filter((l) => l.startsWith(prefix));
  return { child, exit, output: () => output, lines };
}

describe("process exit", () => {
  it("a normal exit runs each hook once, and an unregistered one never", async () => {
    const p = await start("exit");
    expect(await p.exit).toEqual({ code: 0, signal: null });
    expect(p.lines("hook")).toEqual(["hook 1"]);
  });

  it.each([
    // A top-level throw in an ES module rejects the module's evaluation (run-ts.js awaits it).
    ["throw", "an unhandled rejection): the process crashed"],
    ["timer", "an uncaught error): Expected property name"],
    ["reject", "an unhandled rejection): the promise crashed"],
  ])("%s: runs the hooks and exits 255 with one line, no stack", async (mode, line) => {
    const p = await start(mode);
    expect(await p.exit).toEqual({ code: 255, signal: null });
    expect(p.lines("hook")).toEqual(["hook 1"]);
    expect(p.output()).toContain(`faultline: internal error (${line}`);
    expect(p.output()).not.toMatch(/^\s+at /m);
  });

  it.each([
    ["SIGTERM", 143],
    ["SIGHUP", 129],
  ] as const)("%s with no interrupt handler runs the hooks and exits %d", async (signal, code) => {
    const p = await start("wait");
    p.child.kill(signal);
    expect(await p.exit).toEqual({ code, signal: null });
    expect(p.lines("hook")).toEqual(["hook 1"]);
  });

  for (const signalExit of [[], ["signal-exit"]]) {
    const loaded = signalExit.length > 0 ? ", signal-exit loaded" : "";
    it(`the first SIGINT goes to the interrupt handler, the second exits 130${loaded}`, async () => {
      const p = await start("interrupt", ...signalExit);
      p.child.kill("SIGINT");
      while (p.lines("interrupted").length === 0) await sleep(20);
      // Neither Node's default nor signal-exit's re-raise ends it while the handler works.
      await sleep(300);
      expect(p.child.exitCode).toBe(null);
      expect(p.lines("hook")).toEqual([]);
      p.child.kill("SIGINT");
      expect(await p.exit).toEqual({ code: 130, signal: null });
      expect(p.lines("interrupted")).toEqual(["interrupted SIGINT"]);
      expect(p.lines("hook")).toEqual(["hook 1"]);
    }, 20_000);
  }

  it("signal-exit stays passive: SIGINT with no handler exits 130 after the hooks", async () => {
    const p = await start("wait", "signal-exit");
    p.child.kill("SIGINT");
    expect(await p.exit).toEqual({ code: 130, signal: null });
    expect(p.lines("hook")).toEqual(["hook 1"]);
  }, 20_000);
});
