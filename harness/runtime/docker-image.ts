// Builds the node image on demand: bundles nodes/server/node-main.ts into one file (esbuild), and
// builds nodes/Dockerfile FROM the base (the offline one, made by scripts/build-base-image.sh when
// missing, or $FAULTLINE_DOCKER_BASE). Tags are content hashes, so a changed source rebuilds.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type Dockerode from "dockerode";
import { connectDocker, DOCKER_FIX, DockerUnavailableError } from "./docker-engine.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BASE_SCRIPT = join(ROOT, "scripts/build-base-image.sh");
const TOOLS_SCRIPT = join(ROOT, "scripts/ensure-image-tools.mjs");
const DOCKERFILE = join(ROOT, "nodes/Dockerfile");
const NODE_MAIN = join(ROOT, "nodes/server/node-main.ts");

export interface NodeImageOptions {
  /** The base image; default $FAULTLINE_DOCKER_BASE, else the offline base. */
  base?: string;
  /** The node program's entry (default nodes/server/node-main.ts). */
  entry?: string;
  /** Progress lines ("building …"); default silent. */
  log?: (line: string) => void;
}

/** The node image for the current source, built first when missing. Returns its name. */
export async function ensureNodeImage(options: NodeImageOptions = {}): Promise<string> {
  const log = options.log ?? (() => {});
  const docker = (await connectDocker()).container.dockerode;
  const base = options.base ?? process.env.FAULTLINE_DOCKER_BASE ?? (await ensureBaseImage(log));
  const bundle = await bundleNodeProgram(options.entry ?? NODE_MAIN);
  const dockerfile = await readFile(DOCKERFILE, "utf8");
  const tools = await readFile(TOOLS_SCRIPT, "utf8");
  const baseId = await imageId(docker, base);
  const hash = sha256([dockerfile, tools, bundle, base, baseId ?? ""]).slice(0, 12);
  const name = `localhost/faultline-node:${hash}`;
  if ((await imageId(docker, name)) !== undefined) return name;

  log(`building ${name} FROM ${base}`);
  const context = await mkdtemp(join(tmpdir(), "faultline-image-"));
  try {
    await writeFile(join(context, "Dockerfile"), dockerfile);
    await writeFile(join(context, "ensure-image-tools.mjs"), tools);
    await writeFile(join(context, "node-main.mjs"), bundle);
    const stream = await docker.buildImage(
      { context, src: ["Dockerfile", "ensure-image-tools.mjs", "node-main.mjs"] },
      {
        t: name,
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
      throw new Error(`building ${name} FROM ${base} failed: ${failed.error}\n${tail}`);
    }
  } finally {
    await rm(context, { recursive: true, force: true });
  }
  if ((await imageId(docker, name)) === undefined)
    throw new Error(`building ${name} left no image`);
  log(`built ${name}`);
  return name;
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

/** One self-contained ES module: the image has no node_modules. */
async function bundleNodeProgram(entry: string): Promise<string> {
  const esbuild = await import("esbuild");
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    write: false,
    legalComments: "none",
    logLevel: "silent",
    // Bundled CommonJS packages call require() for Node's builtins.
    banner: {
      js: 'import { createRequire as __faultlineRequire } from "node:module"; const require = __faultlineRequire(import.meta.url);',
    },
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error(`bundling ${entry} produced no output`);
  return file.text;
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
