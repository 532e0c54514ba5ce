// The container image of a faultline node: the offline base (node + iptables + ip) plus the node
// program as one esbuild bundle of nodes/server/node-main.ts (the image has no node_modules),
// built by the docker runtime's image builder and tagged by a hash of its content.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { ImageBuilder } from "../system.js";

const ROOT = new URL("../../", import.meta.url);
const file = (path: string) => fileURLToPath(new URL(path, ROOT));

/** The image's tag for the current source, built first when missing. */
export async function faultlineNodeImage(builder: ImageBuilder): Promise<string> {
  const [base, dockerfile, tools, bundle] = await Promise.all([
    builder.base(),
    readFile(file("nodes/Dockerfile"), "utf8"),
    readFile(file("scripts/ensure-image-tools.mjs"), "utf8"),
    bundleNodeProgram(file("nodes/server/node-main.ts")),
  ]);
  return builder.build({
    name: "faultline-node",
    base,
    files: { Dockerfile: dockerfile, "ensure-image-tools.mjs": tools, "node-main.mjs": bundle },
  });
}

/** One self-contained ES module. */
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
  const output = result.outputFiles[0];
  if (!output) throw new Error(`bundling ${entry} produced no output`);
  return output.text;
}
