// How the harness process ends, decided in one place. Exit hooks (synchronous cleanup: kill the
// nodes, remove the containers, flush the history) run exactly once however it ends, SIGKILL
// aside: a normal exit or an uncaught error (both emit 'exit'), or a signal. The first SIGINT,
// SIGTERM or SIGHUP goes to the interrupt handler if one is set (a graceful stop); a second one,
// or one with no handler, runs the hooks and exits with 128 + the signal's number. An entry point
// that calls exitOnUncaughtError() turns an uncaught error or unhandled rejection into one clear
// line and exit 255 (internal error), never Node's stack trace and exit 1 (which means INVALID).
import { constants } from "node:os";
import { EXIT } from "./cli-error.js";

export type ExitSignal = "SIGINT" | "SIGTERM" | "SIGHUP";

const SIGNALS: readonly ExitSignal[] = ["SIGINT", "SIGTERM", "SIGHUP"];
const hooks = new Set<() => void>();
let interruptHandler: ((signal: ExitSignal) => void) | undefined;
let installed = false;

/** Runs `hook` (synchronous) when the process ends, unless the returned function is called first. */
export function addExitHook(hook: () => void): () => void {
  install();
  hooks.add(hook);
  return () => {
    hooks.delete(hook);
  };
}

/** Hands the next exit signal to `handler` instead of exiting; the one after it exits at once.
 * The returned function unsets it. */
export function setInterruptHandler(handler: (signal: ExitSignal) => void): () => void {
  install();
  interruptHandler = handler;
  return () => {
    if (interruptHandler === handler) interruptHandler = undefined;
  };
}

/**
 * From now on an uncaught error, or a promise rejection nobody handles (Node turns those into
 * uncaught errors), prints one line naming it, runs the exit hooks and exits 255. Only for entry
 * points (the CLI): in a test runner's worker it would take over the runner's own reporting.
 * FAULTLINE_DEBUG=1 adds the stack.
 */
export function exitOnUncaughtError(): void {
  // Not install(): a command with signal handling of its own (serve) keeps it; the hooks run on
  // 'exit' anyway once any is added.
  if (process.listeners("uncaughtException").includes(onUncaught)) return;
  process.on("uncaughtException", onUncaught);
}

function onUncaught(err: unknown, origin: NodeJS.UncaughtExceptionOrigin): void {
  const what = origin === "unhandledRejection" ? "an unhandled rejection" : "an uncaught error";
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`faultline: internal error (${what}): ${message}\n`);
  if (process.env.FAULTLINE_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? err}\n`);
  process.exit(EXIT.internal);
}

/** The conventional exit code of a process ended by `signal`: 130, 143, 129. */
export function exitCodeOf(signal: ExitSignal): number {
  return 128 + constants.signals[signal];
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on("exit", runExitHooks);
  // Our listener replaces Node's default "die on this signal", and keeps the signal-exit package
  // (loaded by testcontainers) passive: it re-raises a signal only when its listeners are alone.
  for (const signal of SIGNALS) process.on(signal, onSignal);
}

function onSignal(signal: ExitSignal): void {
  const handler = interruptHandler;
  interruptHandler = undefined;
  if (handler === undefined) {
    runExitHooks();
    process.exit(exitCodeOf(signal));
  }
  handler(signal);
}

function runExitHooks(): void {
  const pending = [...hooks];
  hooks.clear();
  for (const hook of pending) {
    try {
      hook();
    } catch (err) {
      // One failed cleanup must not keep the others from running.
      console.error(
        `faultline: cleanup at exit failed: ${err instanceof Error ? err.message : err}`,
      );
    }
  }
}
