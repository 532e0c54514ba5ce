import { mkdtempSync, rmSync } from "node:fs";
import { testConfigOf } from "./harness/config/test-file.js";
import { runTrial } from "./harness/explore/sim-trial.js";
const store = mkdtempSync("/dev/shm/trial-");
const n = Number(process.argv[2] ?? 1);
for (let i = 0; i < n; i++) {
  const config = testConfigOf({ name: "trial-count", seed: 100 + i, store, timeLimit: "10s",
    system: { name: "faultline", build: "leaderless", strategy: "siblings" }, runtime: "sim", workload: { name: process.env.WL ?? "cart", keys: 3 },
    clients: { concurrency: 5, rate: 140 }, nemesis: { kinds: ["partition"], interval: "2s", faultDuration: "1s" } });
  await runTrial(config, { store, interrupt: new AbortController().signal });
}
rmSync(store, { recursive: true, force: true });
