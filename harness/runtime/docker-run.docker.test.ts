// `faultline run --runtime docker` as a user runs it (a child process, real node containers): one
// short run per build with the verdict the strategy deserves, one container per node while it runs
// and none afterwards, and a Ctrl-C mid-run that leaves no container behind.
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  cartRunFlags,
  ctrlCWhen,
  type FinishedProcess,
  faultline,
  type OnStdout,
  okOpsIn,
  type RunStrategy,
  runDirOf,
  STRATEGY_RUNS,
} from "../run/faultline-process.js";
import { connectDocker, RUN_LABEL } from "./docker-engine.js";
import { dockerGate } from "./docker-test-gate.js";

const gate = await dockerGate("faultline run --runtime docker");
// Made by the runs themselves, so skipped or filtered-out tests leave nothing behind.
const store = join(tmpdir(), `faultline-docker-run-${process.pid}`);
afterAll(() => rmSync(store, { recursive: true, force: true }));

/** Containers whose run label starts with `prefix` (the test name; the run adds a timestamp). */
async function containersOf(prefix: string): Promise<string[]> {
  const docker = (await connectDocker()).container.dockerode;
  const all = await docker.listContainers({ all: true, filters: { label: [RUN_LABEL] } });
  return all.filter((c) => c.Labels[RUN_LABEL]?.startsWith(prefix)).map((c) => c.Names[0] ?? c.Id);
}

interface DockerRun extends FinishedProcess {
  /** The most containers of the run seen at once while it ran. */
  containersSeen: number;
}

/** `faultline run --runtime docker` named NAME, counting its containers while it runs; with
 * `interruptWhen`, a Ctrl-C once it holds for the containers seen so far. */
async function dockerRun(
  name: string,
  flags: string[],
  interruptWhen?: (containersSeen: number) => boolean,
): Promise<DockerRun> {
  let containersSeen = 0;
  const onStdout: OnStdout | undefined =
    interruptWhen && ctrlCWhen(() => interruptWhen(containersSeen));
  let running = true;
  const watch = (async () => {
    while (running) {
      containersSeen = Math.max(containersSeen, (await containersOf(name)).length);
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  const args = ["run", "--runtime", "docker", "--name", name, "--store", join(store, name)];
  const out = await faultline([...args, ...flags], onStdout);
  running = false;
  await watch;
  return { ...out, containersSeen };
}

/** What each strategy's short run (STRATEGY_RUNS) left, besides its verdict and the containers
 * it had. */
const runChecks: Record<RunStrategy, (out: DockerRun) => void> = {
  lww: (out) => {
    const results = JSON.parse(readFileSync(join(runDirOf(out), "results.json"), "utf8"));
    expect(results.results["lost-writes"].counts.lost).toBeGreaterThan(0);
    expect(out.containersSeen).toBe(3);
  },
  siblings: (out) => {
    const log = readFileSync(join(runDirOf(out), "nodes", "n3.log"), "utf8");
    expect(log).toContain("listening n3");
  },
  reject: (out) => {
    const history = readFileSync(join(runDirOf(out), "history.jsonl"), "utf8");
    expect(history).toMatch(/"process":"nemesis","type":"(ok|info)","f":"kill"/);
  },
};

describe.skipIf(!gate.available)(gate.title, () => {
  for (const { title, build, strategy, nemesis, verdict, code } of STRATEGY_RUNS) {
    it(title, async () => {
      const name = `docker-e2e-${strategy}-${process.pid}`;
      const out = await dockerRun(name, cartRunFlags(build, strategy, nemesis));
      expect(out.stdout).toMatch(verdict);
      expect(out.code).toBe(code);
      runChecks[strategy](out);
      expect(await containersOf(name)).toEqual([]);
    }, 120_000);
  }

  it("a Ctrl-C mid-run exits 130 and leaves no container", async () => {
    const name = `docker-e2e-interrupt-${process.pid}`;
    const out = await dockerRun(
      name,
      [
        ...["--build", "leaderless", "--strategy", "siblings", "--nemesis", "partition"],
        ...["--time-limit", "60"],
      ],
      // Once every container was seen and the clients are going (not after a fixed time).
      (seen) => seen === 3 && okOpsIn(join(store, name, "latest")) > 10,
    );
    expect(out.code).toBe(130);
    expect(out.stdout).toContain("interrupted");
    expect(out.containersSeen).toBe(3);
    expect(await containersOf(name)).toEqual([]);
  }, 120_000);
});
