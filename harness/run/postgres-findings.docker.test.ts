// The PostgreSQL findings on the docker runtime, as a user runs them: the examples with
// `--runtime docker` (one container per node from the offline PostgreSQL node image, links cut
// with iptables inside them). The failover fences the primary by isolating it (iptables), so the
// old primary keeps acknowledging commits no standby receives: async loses them, remote-apply
// never acknowledges them. The rejoin rewinds the old primary in a start of its own container.
// A read committed cart loses items; no container outlives a run, a Ctrl-C'd one included.
import { chmodSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { connectDocker, RUN_LABEL } from "../runtime/docker-engine.js";
import { dockerGate } from "../runtime/docker-test-gate.js";
import { latestLink } from "../store/run-store.js";
import {
  ctrlCWhen,
  type FinishedProcess,
  faultline,
  okOpsIn,
  readStoredRun,
} from "./faultline-process.js";

const gate = await dockerGate("PostgreSQL findings on the docker runtime");
const EXAMPLES = fileURLToPath(new URL("../../examples/", import.meta.url));
// Made by the runs themselves, so skipped or filtered-out tests leave nothing behind.
const store = join(tmpdir(), `faultline-pg-docker-${process.pid}`);
afterAll(() => rmSync(store, { recursive: true, force: true }));

/** The run's containers (by the run label, which starts with the test name). */
async function containersOf(name: string): Promise<string[]> {
  const docker = (await connectDocker()).container.dockerode;
  const all = await docker.listContainers({ all: true, filters: { label: [RUN_LABEL] } });
  return all.filter((c) => c.Labels[RUN_LABEL]?.startsWith(name)).map((c) => c.Names[0] ?? c.Id);
}

/** examples/EXAMPLE.yaml on docker under its own name, with FLAGS. */
function dockerRun(
  example: string,
  name: string,
  flags: string[],
  onStdout?: Parameters<typeof faultline>[1],
) {
  mkdirSync(store, { recursive: true, mode: 0o755 });
  chmodSync(store, 0o755);
  const args = ["run", join(EXAMPLES, `${example}.yaml`), "--runtime", "docker", "--name", name];
  return faultline([...args, "--seed", "7", "--store", join(store, name), ...flags], onStdout);
}

async function expectNoContainers(name: string, out: FinishedProcess): Promise<void> {
  expect(await containersOf(name), out.stderr).toEqual([]);
}

const RUN_TIMEOUT_MS = 300_000;
const FAILOVER = ["--time-limit", "12", "--nemesis-interval", "3", "--failover-fence", "isolate"];

describe.skipIf(!gate.available)(gate.title, () => {
  it(
    "async + failover (the primary isolated) loses acknowledged writes: INVALID, exit 1",
    async () => {
      const name = "pg-docker-async-failover";
      const out = await dockerRun("postgres-async-failover-loses-writes", name, FAILOVER);
      expect(out.stdout).toMatch(/lost-writes\s+INVALID/);
      expect(out.code).toBe(1);
      const run = readStoredRun(out);
      const counts = (run.results["lost-writes"]?.counts ?? {}) as Record<string, number>;
      expect(counts.lost).toBeGreaterThan(0);
      const rejoins = run.history.filter((op) => op.f === "rejoin" && op.type === "ok");
      expect(rejoins.length).toBeGreaterThanOrEqual(1);
      expect(JSON.stringify(rejoins[0]!.value)).toMatch(/"step":"streaming"/);
      await expectNoContainers(name, out);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    "remote-apply + the same failover loses none: valid, exit 0",
    async () => {
      const name = "pg-docker-remote-apply-failover";
      const out = await dockerRun("postgres-remote-apply-failover-keeps-writes", name, FAILOVER);
      expect(out.stdout).toMatch(/lost-writes\s+valid/);
      expect(out.code).toBe(0);
      const run = readStoredRun(out);
      expect(run.history.some((op) => op.f === "failover" && op.type === "ok")).toBe(true);
      await expectNoContainers(name, out);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    "a read committed cart loses items with no fault: INVALID, exit 1",
    async () => {
      const name = "pg-docker-read-committed";
      const out = await dockerRun("postgres-cart-read-committed-loses-items", name, [
        "--time-limit",
        "6",
      ]);
      expect(out.stdout).toMatch(/lost-writes\s+INVALID/);
      expect(out.code).toBe(1);
      await expectNoContainers(name, out);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    "a Ctrl-C mid-run leaves no container behind",
    async () => {
      const name = "pg-docker-interrupt";
      const dir = join(store, name);
      const out = await dockerRun(
        "postgres-reads-any-stale-reads",
        name,
        ["--time-limit", "60"],
        ctrlCWhen(() => okOpsIn(latestLink(dir)) > 20),
      );
      expect(out.code).toBe(130);
      expect(out.stdout).toContain("interrupted");
      await expectNoContainers(name, out);
    },
    RUN_TIMEOUT_MS,
  );
});
