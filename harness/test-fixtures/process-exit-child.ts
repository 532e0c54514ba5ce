// A process for the process-exit tests: an entry point like the CLI (uncaught errors exit 255),
// registers two exit hooks (unregistering the second), prints "ready" and its count of SIGINT
// listeners, then ends as its mode says. Each hook prints "hook N" when it runs. Modes:
//   exit       — exits normally
//   throw      — throws an uncaught error
//   timer      — throws from a timer callback
//   reject     — leaves a rejected promise unhandled
//   wait       — waits with no interrupt handler
//   interrupt  — waits with an interrupt handler that prints "interrupted SIGNAL" and never stops
// With a second argument "signal-exit", it first loads testcontainers, which installs the
// signal-exit package's listeners (as the docker runtime does).
// usage: bin/run-ts.js harness/test-fixtures/process-exit-child.ts MODE [signal-exit]
import { addExitHook, exitOnUncaughtError, setInterruptHandler } from "../process-exit.js";

const [mode, withSignalExit] = process.argv.slice(2);
if (withSignalExit === "signal-exit") await import("testcontainers");
exitOnUncaughtError();
addExitHook(() => console.log("hook 1"));
addExitHook(() => console.log("hook 2"))();
if (mode === "interrupt") setInterruptHandler((signal) => console.log(`interrupted ${signal}`));
console.log(`ready ${process.listenerCount("SIGINT")}`);
if (mode === "exit") process.exit(0);
if (mode === "throw") throw new Error("the process crashed");
if (mode === "timer") setTimeout(() => JSON.parse("{the timer crashed"), 10);
if (mode === "reject") setTimeout(() => void Promise.reject(new Error("the promise crashed")), 10);
setInterval(() => {}, 1000);
