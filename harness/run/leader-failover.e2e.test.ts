// End to end, the leader build's findings (issue 10), each from its example on real nodes: with
// asynchronous replication (acks: one), killing the leader loses acknowledged writes; with acks:
// quorum it loses none and a new leader is elected after each kill; and a leader that reads
// through itself (read-index) under acks: quorum is linearizable under partitions. (Follower
// reads under a session claim are in checkers-fire.e2e.test.ts.)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { Op } from "../../checkers/history.js";
import { faultline, firstRunShowing, readStoredRun, type StoredRun } from "./faultline-process.js";

const EXAMPLES = fileURLToPath(new URL("../../examples/", import.meta.url));
const store = mkdtempSync(join(tmpdir(), "faultline-leader-"));
afterAll(() => rmSync(store, { recursive: true, force: true }));

const TIMEOUT_MS = 120_000;
const args = (example: string, seconds: number) => [
  join(EXAMPLES, `${example}.yaml`),
  ...["--time-limit", String(seconds), "--store", join(store, example)],
];

/** Each ok kill: when it ended, the leader it hit, and the first acknowledged add after it. */
function kills(run: StoredRun): { atNs: number; leader: string; firstAckNs?: number }[] {
  const ops = run.history;
  return ops
    .filter((op) => op.process === "nemesis" && op.f === "kill" && op.type === "ok")
    .map((kill) => {
      const { leader } = kill.value as { leader: string };
      const ack = ops.find((op: Op) => op.time > kill.time && op.type === "ok" && op.f === "add");
      return { atNs: kill.time, leader, ...(ack && { firstAckNs: ack.time }) };
    });
}

describe("the leader build fails over", () => {
  it(
    "acks one: killing the leader loses acknowledged writes (in one of a few seeds)",
    async () => {
      const run = await firstRunShowing(
        args("leader-acks-one-kill-loses-writes", 8),
        [1, 2, 3, 4, 5],
        (r) => r.results["lost-writes"]?.valid === false,
        "lost writes",
      );
      const lost = run.results["lost-writes"]!;
      expect(lost.anomalies).toContain("lost");
      // A lost item was acknowledged before a kill of the leader, and no final read has it.
      expect(kills(run).length).toBeGreaterThan(0);
      expect(lost.counts).toMatchObject({ lost: expect.any(Number) });
    },
    TIMEOUT_MS,
  );

  it(
    "acks quorum: nothing is lost, and a new leader takes writes after each kill",
    async () => {
      const out = await faultline([
        "run",
        ...args("leader-quorum-kill-keeps-writes", 12),
        "--seed",
        "1",
      ]);
      expect(out.code, out.stdout + out.stderr).toBe(0);
      const run = readStoredRun(out);
      const hit = kills(run);
      expect(hit.length).toBeGreaterThan(0);
      const clientsEndNs = Math.max(
        ...run.history.filter((op) => op.f === "add").map((op) => op.time),
      );
      // Writes were acknowledged again after each kill of the leader (but one too close to the
      // end to show it: an election, and perhaps a partition's heal, on a busy machine): another
      // node was elected and took them.
      const shown = hit.filter((k) => k.atNs < clientsEndNs - 5e9);
      expect(shown.length, JSON.stringify(hit)).toBeGreaterThan(0);
      for (const kill of shown) {
        expect(
          kill.firstAckNs,
          `an acknowledged add after the kill at ${kill.atNs} ns`,
        ).toBeDefined();
      }
    },
    TIMEOUT_MS,
  );

  it(
    "acks quorum with reads through the leader is linearizable under partitions",
    async () => {
      const out = await faultline([
        "run",
        ...args("register-leader-quorum-linearizable", 8),
        ...["--seed", "1", "--nemesis-interval", "1.5"],
      ]);
      const run = readStoredRun(out);
      expect(run.results.linearizable?.valid, JSON.stringify(run.results.linearizable)).toBe(true);
      const partitions = run.history.filter((op) => op.f === "partition" && op.type === "ok");
      expect(partitions.length).toBeGreaterThan(0);
    },
    TIMEOUT_MS,
  );
});
