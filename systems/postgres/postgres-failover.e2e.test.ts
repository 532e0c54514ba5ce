// The failover procedure on real servers, with the harness's part (fencing, starting and
// stopping servers, running steps) played by the spawned cluster: the most advanced standby is
// promoted and the other re-pointed at it; the fenced old primary is rewound back in as a
// standby, or copied afresh when the rewind fails. And the finding at library level: with async
// replication, writes the old primary acknowledged after its standbys were cut off are gone
// after the failover; with remote-apply and the most advanced standby, none is.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { NodeId } from "../../workloads/kv-client.js";
import { serverPosition } from "./postgres-admin.js";
import { awaitStreaming, type FailoverStep, failover, rejoin } from "./postgres-failover.js";
import { type RejoinJob, rejoinJobSteps } from "./postgres-launch.js";
import { SpawnedPostgres } from "./spawned-postgres.js";
import { eventually, localValues } from "./test-support.js";

// A failover test starts a cluster, promotes, catches up and rejoins: minutes on a busy machine.
vi.setConfig({ testTimeout: 180_000 });

let cluster: SpawnedPostgres | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

/** Starts a cluster that afterEach closes, whatever the test's outcome. */
async function startCluster(options: Parameters<typeof SpawnedPostgres.start>[0]) {
  cluster = await SpawnedPostgres.start(options);
  return cluster;
}

function failoverInput(c: SpawnedPostgres, oldPrimary: NodeId) {
  return {
    oldPrimary,
    standbys: c.nodes.filter((n) => n !== oldPrimary),
    pick: "most-advanced" as const,
    random: () => {
      throw new Error("most-advanced draws no random number");
    },
    admin: (n: NodeId) => c.address(n),
    peer: (from: NodeId, to: NodeId) => c.launch.peer(from, to),
  };
}

function rejoinInput(c: SpawnedPostgres, node: NodeId, primary: NodeId) {
  return {
    node,
    primary,
    admin: (n: NodeId) => c.address(n),
    peer: (from: NodeId, to: NodeId) => c.launch.peer(from, to),
    runtime: {
      stopServer: (n: NodeId) => c.kill(n),
      runJob: (n: NodeId, job: RejoinJob, source: NodeId) =>
        c.runSteps(n, rejoinJobSteps(c.launch, job, n, source)),
      startServer: (n: NodeId) => c.startServer(n),
    },
  };
}

/** Writes `count` keys `${prefix}0…` on the primary; returns the keys whose write was acknowledged. */
async function writeKeys(c: SpawnedPostgres, prefix: string, count: number, timeoutMs = 5_000) {
  const client = c.client(c.primary, { timeoutMs });
  const acked: string[] = [];
  for (let i = 0; i < count; i++) {
    const result = await client.write(`${prefix}${i}`, i, undefined);
    if (result.ok) acked.push(`${prefix}${i}`);
  }
  return acked;
}

async function present(c: SpawnedPostgres, node: NodeId, keys: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const key of keys) if ((await localValues(c, node, key)).length > 0) found.push(key);
  return found;
}

const holds = (c: SpawnedPostgres, node: NodeId, key: string) => async () =>
  (await localValues(c, node, key)).length > 0;

describe("failover with async replication", () => {
  it("promotes the most advanced standby, re-points the other, loses the writes acknowledged after the cut, and rewinds the old primary back in", async () => {
    const c = await startCluster({ system: { standbys: 2 } });
    const everywhere = await writeKeys(c, "all", 5);
    for (const n of ["n2", "n3"]) await eventually(`${n} holds all4`, holds(c, n, "all4"));
    // n3 falls behind; n2 gets more; then n2 is cut off too and only n1 has the last writes.
    c.cut("n3", "n1");
    const toN2 = await writeKeys(c, "n2-", 5);
    await eventually("n2 holds n2-4", holds(c, "n2", "n2-4"));
    c.cut("n2", "n1");
    const acknowledged = await writeKeys(c, "lost", 10);
    expect(acknowledged).toHaveLength(10);

    await c.kill("n1"); // the fence
    c.heal();
    const steps: FailoverStep[] = [];
    const primary = await failover(failoverInput(c, "n1"), (s) => steps.push(s));
    expect(primary).toBe("n2");
    expect(steps.map((s) => s.step)).toEqual(["survey", "pick", "promote", "repoint"]);
    expect(steps[1]).toMatchObject({ step: "pick", node: "n2", by: "most-advanced" });
    expect(steps[2]).toMatchObject({ step: "promote", node: "n2", timeline: 2 });
    expect(steps[3]).toEqual({ step: "repoint", node: "n3", primary: "n2" });
    c.primary = primary;

    // The finding: every write acknowledged after the cut is gone from the new primary.
    expect(await present(c, "n2", acknowledged)).toEqual([]);
    expect(await present(c, "n2", [...everywhere, ...toN2])).toEqual([...everywhere, ...toN2]);
    const [after] = await writeKeys(c, "after", 1);
    expect(after).toBe("after0");

    // n3 follows the new primary onto timeline 2 and catches up. Having fallen behind, it first
    // streams the rest of timeline 1 from n2, up to the fork: wait for timeline 2 itself.
    expect(await awaitStreaming(c.address("n3"), c.launch.peer("n3", "n2"), 30_000, 2)).toBe(2);
    await eventually("n3 holds after0 and n2-4", async () => {
      return (await present(c, "n3", ["after0", "n2-4"])).length === 2;
    });

    // The old primary comes back as a standby of n2, its divergent writes rewound away.
    const rejoined: FailoverStep[] = [];
    expect(await rejoin(rejoinInput(c, "n1", "n2"), (s) => rejoined.push(s))).toBe("rewind");
    expect(rejoined.map((s) => s.step)).toEqual(["stop", "rewind", "start", "streaming"]);
    expect(rejoined[3]).toEqual({ step: "streaming", node: "n1", primary: "n2", timeline: 2 });
    expect((await serverPosition(c.address("n1"))).inRecovery).toBe(true);
    await eventually("n1 holds after0", holds(c, "n1", "after0"));
    expect(await present(c, "n1", acknowledged)).toEqual([]);
  });

  it("copies the new primary afresh when the old primary's data cannot be rewound", async () => {
    const c = await startCluster({ system: { standbys: 1 } });
    await writeKeys(c, "k", 3);
    await eventually("n2 holds k2", holds(c, "n2", "k2"));
    await c.kill("n1");
    c.primary = await failover(failoverInput(c, "n1"), () => {});
    expect(c.primary).toBe("n2");
    await writeKeys(c, "new", 1);
    // A damaged data folder: pg_rewind cannot read the old primary's control file.
    rmSync(join(c.launch.place("n1").dataDir, "global", "pg_control"));

    const steps: FailoverStep[] = [];
    expect(await rejoin(rejoinInput(c, "n1", "n2"), (s) => steps.push(s))).toBe("base-backup");
    expect(steps.map((s) => s.step)).toEqual([
      "stop",
      "rewind",
      "base-backup",
      "start",
      "streaming",
    ]);
    expect(steps[1]).toMatchObject({
      step: "rewind",
      error: expect.stringMatching(/pg_rewind failed/),
    });
    await eventually("n1 holds new0", holds(c, "n1", "new0"));
    expect((await serverPosition(c.address("n1"))).inRecovery).toBe(true);
  });
});

describe("failover with remote-apply replication", () => {
  it("keeps every acknowledged write: a write no standby confirmed was never acknowledged", async () => {
    const c = await startCluster({
      system: { standbys: 2, replication: "remote-apply" },
    });
    c.cut("n3", "n1");
    const confirmedByN2 = await writeKeys(c, "a", 10);
    c.cut("n2", "n1");
    // No standby can confirm now: these commits wait and end as info, not as acknowledgements.
    const unconfirmed = await writeKeys(c, "b", 3, 800);
    expect(confirmedByN2).toHaveLength(10);
    expect(unconfirmed).toEqual([]);

    await c.kill("n1");
    c.heal();
    c.primary = await failover(failoverInput(c, "n1"), () => {});
    expect(c.primary).toBe("n2");
    expect(await present(c, "n2", confirmedByN2)).toEqual(confirmedByN2);
  });
});
