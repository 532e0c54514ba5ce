// Decides whether the PostgreSQL *.docker.test.ts suites run (systems/ does not import the
// harness's own gate): with a Docker engine they do; without one they skip LOUDLY, the reason in
// the suite's title, except under FAULTLINE_REQUIRE_DOCKER=1 (CI), where a missing engine fails.
// It sets testcontainers up as the harness does: no Ryuk reaper, mapped ports on 127.0.0.1.
import type Dockerode from "dockerode";

export type PostgresDockerGate =
  | { available: true; title: string; docker: Dockerode }
  | { available: false; title: string };

export async function postgresDockerGate(suite: string): Promise<PostgresDockerGate> {
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";
  process.env.TESTCONTAINERS_HOST_OVERRIDE ??= "127.0.0.1";
  let reason: string;
  try {
    const { getContainerRuntimeClient } = await import("testcontainers");
    const client = await getContainerRuntimeClient();
    await client.container.dockerode.ping();
    return { available: true, title: suite, docker: client.container.dockerode };
  } catch (err) {
    reason = `no Docker engine answers (${(err instanceof Error ? err.message : String(err)).split("\n")[0]}); run scripts/docker-setup.sh`;
  }
  if (process.env.FAULTLINE_REQUIRE_DOCKER === "1") {
    throw new Error(`${suite}: FAULTLINE_REQUIRE_DOCKER=1 but ${reason}`);
  }
  console.warn(
    `\n!!! ${suite}: SKIPPED — ${reason}\n` +
      "!!! (set FAULTLINE_REQUIRE_DOCKER=1 to make this a failure, as CI does)\n",
  );
  return { available: false, title: `${suite} — SKIPPED: ${reason}` };
}
