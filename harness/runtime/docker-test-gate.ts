// Decides whether the *.docker.test.ts suites run. With a Docker engine they do; without one they
// skip LOUDLY (a warning and the reason in the suite's title), except when
// FAULTLINE_REQUIRE_DOCKER=1 (CI), where a missing engine fails the test file instead of hiding
// behind a skip.
import { dockerUnavailableReason } from "./docker-engine.js";

export interface DockerGate {
  available: boolean;
  /** The suite's title; when skipped, it says why. */
  title: string;
}

export async function dockerGate(suite: string): Promise<DockerGate> {
  const reason = await dockerUnavailableReason();
  if (reason === undefined) return { available: true, title: suite };
  if (process.env.FAULTLINE_REQUIRE_DOCKER === "1") {
    throw new Error(`${suite}: FAULTLINE_REQUIRE_DOCKER=1 but ${reason}`);
  }
  console.warn(
    `\n!!! ${suite}: SKIPPED — ${reason}\n` +
      "!!! (set FAULTLINE_REQUIRE_DOCKER=1 to make this a failure, as CI does)\n",
  );
  return { available: false, title: `${suite} — SKIPPED: ${reason}` };
}
