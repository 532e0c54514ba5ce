// Builds images offline for the systems' docker launches (the ImageBuilder of systems/system.ts):
// a system gives its build context's files, the builder tags the image by a hash of those files
// and of the base, and builds it only when that tag is missing. The base is the offline one
// (scripts/build-base-image.sh: this machine's node, iptables and ip) or $FAULTLINE_DOCKER_BASE.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type Dockerode from "dockerode";
import type { ImageBuilder } from "../../systems/system.js";
import { connectDocker, DOCKER_FIX, DockerUnavailableError } from "./docker-engine.js";

const BASE_SCRIPT = fileURLToPath(new URL("../../scripts/build-base-image.sh", import.meta.url));

/** The builder of the engine `connectDocker` reaches; `log` gets progress lines. */
export function dockerImageBuilder(log: (line: string) => void = () => {}): ImageBuilder {
  return {
    base: async () => process.env.FAULTLINE_DOCKER_BASE ?? (await ensureBaseImage(log)),
    async build({ name, files, base }) {
      const docker = (await connectDocker()).container.dockerode;
      const baseId = await imageId(docker, base);
      const names = Object.keys(files).sort();
      const hash = sha256([...names.flatMap((f) => [f, files[f]!]), base, baseId ?? ""]).slice(
        0,
        12,
      );
      const tag = `localhost/${name}:${hash}`;
      if ((await imageId(docker, tag)) !== undefined) return tag;
      log(`building ${tag} FROM ${base}`);
      await buildImage(docker, tag, base, files);
      log(`built ${tag}`);
      return tag;
    },
  };
}

async function buildImage(
  docker: Dockerode,
  tag: string,
  base: string,
  files: Record<string, string>,
): Promise<void> {
  const context = await mkdtemp(join(tmpdir(), "faultline-image-"));
  try {
    for (const [file, text] of Object.entries(files)) await writeFile(join(context, file), text);
    const stream = await docker.buildImage(
      { context, src: Object.keys(files) },
      {
        t: tag,
        buildargs: { BASE: base },
        rm: true,
        forcerm: true,
        labels: { faultline: "image" },
      },
    );
    const output = await new Promise<BuildLine[]>((resolve, reject) =>
      docker.modem.followProgress(stream, (err, lines: BuildLine[]) =>
        err ? reject(err) : resolve(lines),
      ),
    );
    const failed = output.find((l) => l.error !== undefined);
    if (failed) {
      const tail = output
        .map((l) => l.stream ?? "")
        .join("")
        .trim()
        .split("\n")
        .slice(-8)
        .join("\n");
      throw new Error(`building ${tag} FROM ${base} failed: ${failed.error}\n${tail}`);
    }
  } finally {
    await rm(context, { recursive: true, force: true });
  }
  if ((await imageId(docker, tag)) === undefined) throw new Error(`building ${tag} left no image`);
}

interface BuildLine {
  stream?: string;
  error?: string;
}

/** The offline base image for this machine's node, made by the script when missing. */
async function ensureBaseImage(log: (line: string) => void = () => {}): Promise<string> {
  const docker = (await connectDocker()).container.dockerode;
  const script = await readFile(BASE_SCRIPT, "utf8");
  const tag = sha256([script, process.version, process.arch]).slice(0, 12);
  const name = `localhost/faultline-base:${tag}`;
  if ((await imageId(docker, name)) !== undefined) return name;
  log(`building ${name} (offline: this machine's node, iptables and ip)`);
  const result = spawnSync("bash", [BASE_SCRIPT, tag], { encoding: "utf8" });
  if (result.status !== 0) {
    const why = (result.stderr || result.error?.message || "").trim();
    throw new DockerUnavailableError(
      `cannot build the offline base image ${name}: ${why || `exit ${result.status}`}; ` +
        `${DOCKER_FIX}, or, where a registry is reachable, set FAULTLINE_DOCKER_BASE=node:20-slim`,
    );
  }
  log(result.stdout.trim());
  return name;
}

async function imageId(docker: Dockerode, name: string): Promise<string | undefined> {
  try {
    return (await docker.getImage(name).inspect()).Id;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
}

function sha256(parts: string[]): string {
  const h = createHash("sha256");
  for (const p of parts) h.update(p).update("\0");
  return h.digest("hex");
}
