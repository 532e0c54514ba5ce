// A stand-in harness for the exit-path tests: an entry point like the CLI (an uncaught error exits
// 255), starts a 3-node local cluster (real `faultline node`s, or with SYSTEM postgres a primary
// and two standbys, each server a process group), prints `ready {"n1":pid,…}` on stdout, then
// waits to be signalled. Modes:
//   wait      — no interrupt handler (Ctrl-C / SIGTERM run the exit hooks at once)
//   stubborn  — an interrupt handler that never finishes (a second signal must end it)
//   throw     — throws an uncaught error when sent SIGUSR2 (once the test has seen its nodes alive)
//   pause     — pauses n1 first (a SIGKILLed harness must not leave a stopped node behind)
// usage: bin/run-ts.js harness/runtime/test-fixtures/harness-child.ts RUN_DIR MODE [SYSTEM]
import { exitOnUncaughtError, setInterruptHandler } from "../../process-exit.js";
import { localRuntime } from "../local-runtime.js";
import { clusterSpec } from "./cluster-spec.js";

const [runDir, mode = "wait", system = "faultline"] = process.argv.slice(2);
if (runDir === undefined)
  throw new Error(
    "usage: harness-child.ts RUN_DIR [wait|stubborn|throw|pause] [faultline|postgres]",
  );

exitOnUncaughtError();
const section =
  system === "postgres"
    ? ({ name: "postgres", standbys: 2 } as const)
    : ({ name: "faultline", nodes: 3 } as const);
const cluster = await localRuntime.start(clusterSpec("harness-child", runDir, section));
if (mode === "stubborn") {
  setInterruptHandler(() => console.log("graceful shutdown started (and never finishes)"));
}
if (mode === "pause") await cluster.pause("n1");
const pids = Object.fromEntries(cluster.nodes.map((id) => [id, cluster.pid(id)]));
console.log(`ready ${JSON.stringify(pids)}`);
if (mode === "throw") {
  process.on("SIGUSR2", () =>
    setImmediate(() => {
      throw new Error("the harness crashed");
    }),
  );
}
setInterval(() => {}, 1000);
