// A primary and two streaming standbys, one suite per replication mode, on real servers: the
// settings each mode runs with, a write reaching both standbys, remote-apply's promise (the
// write is visible on a standby as the commit returns), and what a cut of every standby's link
// does to a commit (async commits anyway; sync and remote-apply wait, so the write ends as info).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withServer } from "./postgres-admin.js";
import { REPLICATION_MODES, type ReplicationMode } from "./postgres-options.js";
import { SpawnedPostgres } from "./spawned-postgres.js";
import { eventually, localValues } from "./test-support.js";

const EXPECTED: Record<ReplicationMode, { commit: string; syncState: string }> = {
  async: { commit: "on", syncState: "async" },
  sync: { commit: "on", syncState: "quorum" },
  "remote-apply": { commit: "remote_apply", syncState: "quorum" },
};

for (const mode of REPLICATION_MODES) {
  describe(`replication: ${mode}`, () => {
    let cluster: SpawnedPostgres;
    beforeAll(async () => {
      cluster = await SpawnedPostgres.start({ system: { standbys: 2, replication: mode } });
    });
    afterAll(() => cluster?.close());

    it("runs with the mode's settings and both standbys streaming", async () => {
      const state = await withServer(cluster.address("n1"), async (sql) => {
        const [commit] = await sql<
          { v: string }[]
        >`select current_setting('synchronous_commit') as v`;
        const [names] = await sql<
          { v: string }[]
        >`select current_setting('synchronous_standby_names') as v`;
        const standbys = await sql<
          { name: string; state: string; sync: string }[]
        >`select application_name as name, state, sync_state as sync
            from pg_stat_replication order by application_name`;
        return { commit: commit!.v, names: names!.v, standbys };
      });
      expect(state.commit).toBe(EXPECTED[mode].commit);
      expect(state.names).toBe(mode === "async" ? "" : 'ANY 1 ("n1", "n2", "n3")');
      expect(state.standbys).toEqual([
        { name: "n2", state: "streaming", sync: EXPECTED[mode].syncState },
        { name: "n3", state: "streaming", sync: EXPECTED[mode].syncState },
      ]);
    });

    it("a write on the primary becomes visible on both standbys", async () => {
      expect(await cluster.client("n1").write("visible", 41, undefined)).toEqual({ ok: true });
      for (const standby of ["n2", "n3"]) {
        await eventually(`${standby} holds visible = 41`, async () => {
          const values = await localValues(cluster, standby, "visible");
          return values.length === 1 && values[0] === 41;
        });
      }
    });

    if (mode === "remote-apply") {
      it("a write is visible on a standby as soon as its commit returns", async () => {
        const client = cluster.client("n1");
        for (let i = 0; i < 20; i++) {
          expect(await client.write("applied", i, undefined)).toEqual({ ok: true });
          // ANY 1: at least one of the two standbys has applied it before the commit returned.
          const seen = await Promise.all(
            ["n2", "n3"].map((n) => localValues(cluster, n, "applied")),
          );
          expect(seen.some((values) => values[0] === i)).toBe(true);
        }
      });
    }

    it(
      mode === "async"
        ? "commits with every standby cut off"
        : "waits for a standby: with every standby cut off a commit does not return (info)",
      async () => {
        // Async commits need no standby, so any timeout is only a busy machine's; the session is
        // open before the cut, so the sync modes' 1.5 s run out on the commit alone.
        const client = cluster.client("n1", { timeoutMs: mode === "async" ? 10_000 : 1_500 });
        expect(await client.read("cut")).toMatchObject({ ok: true });
        cluster.cut("n2", "n1");
        cluster.cut("n3", "n1");
        try {
          await eventually("the primary sees no standby", async () => {
            const rows = await withServer(
              cluster.address("n1"),
              (sql) => sql`select 1 from pg_stat_replication`,
            );
            return rows.length === 0;
          });
          const write = await client.write("cut", 1, undefined);
          if (mode === "async") expect(write).toEqual({ ok: true });
          else expect(write).toMatchObject({ ok: false, outcome: "info", error: "client-timeout" });
        } finally {
          cluster.heal();
        }
        // Once a standby is back, commits return again, and the cut-off write was committed.
        expect(await cluster.client("n1").write("after", 2, undefined)).toEqual({ ok: true });
        await eventually("n2 holds the write made during the cut", async () => {
          const values = await localValues(cluster, "n2", "cut");
          return values[0] === 1;
        });
      },
    );
  });
}
