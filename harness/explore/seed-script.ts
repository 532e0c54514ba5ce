// A run spelled out as a script (harness/run/test-script.ts): each op every client thread invoked
// — its plan drawn again from the seed's op stream, its unique number, its invoke time read from
// the history — and the fault schedule the seed planned. Run with its script on the sim, the test
// does what the seeded run did, to the nanosecond: the shrinker's starting point. A test that has
// a script already keeps it.
import type { History } from "../../checkers/history.js";
import { nodeIdsOf, type TestConfig, workloadOf } from "../config/test-config.js";
import { planFaults } from "../nemesis/fault-schedule.js";
import { opStream } from "../run/op-stream.js";
import type { ScriptFault, ScriptOp, TestScript } from "../run/test-script.js";

const NS_PER_MS = 1e6;

/** The invokes of each client thread, in order (final reads excluded). */
function threadInvokes(history: History, concurrency: number): History[] {
  const threads: History[number][][] = Array.from({ length: concurrency }, () => []);
  for (const op of history) {
    if (op.type !== "invoke" || typeof op.process !== "number" || op.f === "final-read") continue;
    threads[op.process % concurrency]!.push(op);
  }
  return threads;
}

/** The ops the seed gave each thread, timed as the history says they ran. */
function seededOps(config: TestConfig, history: History): ScriptOp[][] {
  const nodes = nodeIdsOf(config);
  const workload = workloadOf(config).create(config.workload);
  const concurrency = config.clients.concurrency;
  return threadInvokes(history, concurrency).map((invokes, t) => {
    const plans = opStream(workload.plan(nodes.length), config.seed, t);
    return invokes.map((invoke, seq) => {
      const plan = plans.next().value;
      const node = nodes[plan.nodeIndex % nodes.length]!;
      if (plan.f !== invoke.f || node !== invoke.node) {
        throw new Error(
          `the history is not this test's (seed ${config.seed}): op ${invoke.index} is ${invoke.f} on ${invoke.node}, the seed planned ${plan.f} on ${node}`,
        );
      }
      const value = seq * concurrency + t + 1;
      return { atMs: invoke.time / NS_PER_MS, f: plan.f, key: plan.key, node, value };
    });
  });
}

function seededFaults(config: TestConfig): ScriptFault[] {
  const events = planFaults(config.nemesis, nodeIdsOf(config), config.seed, config.timeLimit);
  return events.map(({ atMs, durationMs, kind, fault }) => ({ atMs, durationMs, kind, fault }));
}

/** The script of a run of `config` whose history this is. */
export function scriptOf(config: TestConfig, history: History): Required<TestScript> {
  return {
    ops: config.script?.ops?.map((thread) => [...thread]) ?? seededOps(config, history),
    faults: config.script?.faults?.map((event) => ({ ...event })) ?? seededFaults(config),
  };
}
