// stale-reads and convergence (the checkers R3 and R1 read) on generated histories of a correct
// store, cart and register, at 100k and 400k ops, in this process: CPU seconds per check and how
// they grow (the superseded-read sweep and the lww overlap sweep should stay near linear). Carts
// hold up to about 1000 items, as the cart workload's key rotation keeps them (itemsPerKey).
import type { Checker } from "../checkers/checker.js";
import { convergenceChecker } from "../checkers/convergence-checker.js";
import { simulateHistory } from "../checkers/simulated-history.js";
import { staleReadsChecker } from "../checkers/stale-reads-checker.js";

const SIZES = [100_000, 400_000];

function cpuSeconds(run: () => void): number {
  const start = process.cpuUsage();
  run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

export default async function (): Promise<void> {
  console.log("checker                 workload   ops       cpu s   valid");
  const cases: [string, Checker, Record<string, unknown>][] = [
    ["stale-reads", staleReadsChecker, { consistency: "linearizable" }],
    ["stale-reads (lww)", staleReadsChecker, { consistency: "linearizable", strategy: "lww" }],
    ["convergence", convergenceChecker, {}],
  ];
  for (const workload of ["cart", "register"] as const) {
    const seconds = new Map<string, number[]>();
    for (const opCount of SIZES) {
      const keyCount = workload === "cart" ? Math.ceil(opCount / 1400) : 100;
      const history = simulateHistory({ seed: 1, opCount, workload, keyCount, nemesisEvery: 200 });
      for (const [name, checker, options] of cases) {
        let valid: unknown;
        const s = cpuSeconds(() => {
          valid = checker.check(history, options).valid;
        });
        seconds.set(name, [...(seconds.get(name) ?? []), s]);
        console.log(
          `${name.padEnd(23)} ${workload.padEnd(10)} ${String(opCount).padEnd(9)} ${s.toFixed(2).padStart(6)}   ${valid}`,
        );
      }
    }
    for (const [name, [small, large]] of seconds) {
      console.log(
        `${name} (${workload}): 4× the ops → ${(large! / small!).toFixed(1)}× the CPU time`,
      );
    }
  }
}
