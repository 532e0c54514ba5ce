// The PostgreSQL node image, built on demand and offline by scripts/build-postgres-image.sh
// from this machine's server programs. Its tag is a hash of the script, the Dockerfile and the
// server's exact version, so a changed recipe or an upgraded server builds a new image and an
// unchanged one is found at once. The caller brings its connection to the engine.
import { spawn } from "node:child_process";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type Dockerode from "dockerode";
import { findPostgresBinaries, type PostgresBinaries, programPath } from "./postgres-binaries.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SCRIPT = join(ROOT, "scripts/build-postgres-image.sh");
const DOCKERFILE = join(ROOT, "systems/postgres/Dockerfile");
const BUILD_TIMEOUT_MS = 300_000;

export const POSTGRES_IMAGE = "localhost/faultline-postgres";

/** The image name for this machine's server and the current recipe (not built yet, maybe). */
export function postgresImageName(binaries: PostgresBinaries = findPostgresBinaries()): string {
  const version = spawnSync(programPath(binaries, "postgres"), ["--version"], {
    encoding: "utf8",
  }).stdout.trim();
  const h = createHash("sha256");
  for (const part of [readFileSync(SCRIPT, "utf8"), readFileSync(DOCKERFILE, "utf8"), version])
    h.update(part).update("\0");
  h.update(process.arch);
  return `${POSTGRES_IMAGE}:${h.digest("hex").slice(0, 12)}`;
}

/** The image, built first when missing. Returns its name. */
export async function ensurePostgresImage(
  docker: Dockerode,
  log: (line: string) => void = () => {},
): Promise<string> {
  const name = postgresImageName();
  if (await imageExists(docker, name)) return name;
  const tag = name.slice(POSTGRES_IMAGE.length + 1);
  log(`building ${name} (offline: this machine's PostgreSQL server)`);
  const { code, output } = await runScript(tag);
  if (code !== 0) throw new Error(`building ${name} failed (exit ${code}): ${output.trim()}`);
  if (!(await imageExists(docker, name))) throw new Error(`building ${name} left no image`);
  log(output.trim());
  return name;
}

function runScript(tag: string): Promise<{ code: number | string; output: string }> {
  return new Promise((resolve) => {
    const child = spawn("bash", [SCRIPT, tag], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    for (const stream of [child.stdout, child.stderr]) stream.on("data", (c) => (output += c));
    const timer = setTimeout(() => child.kill("SIGKILL"), BUILD_TIMEOUT_MS);
    child.once("error", (err) => (output += err.message));
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? signal ?? "unknown", output });
    });
  });
}

async function imageExists(docker: Dockerode, name: string): Promise<boolean> {
  try {
    await docker.getImage(name).inspect();
    return true;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return false;
    throw err;
  }
}
