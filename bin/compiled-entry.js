// Runs a TypeScript entry point as compiled JavaScript: esbuild bundles it (dependencies stay
// external, dynamic imports become lazily loaded chunks) into a cache keyed by a hash of every
// file the last build read, the checkout's path and esbuild's version. A start hashes those files
// and imports the bundle; any edit changes the hash and rebuilds first, so no checkout runs stale
// code and `npm ci` stays the only set-up step. Plain JavaScript: it runs before anything compiles.
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** Files whose change changes the build itself, besides the sources it reads. */
const BUILD_INPUTS = ["tsconfig.json", "node_modules/esbuild/package.json"];
/** This file is an input too: a change to how it builds rebuilds. */
const SELF = fileURLToPath(import.meta.url);
const FORMAT = 1;
/** Builds older than this are removed by the next build (a process still running one of them
 * may load a chunk of it later, so the newest are never removed). */
const STALE_AFTER_MS = 24 * 3600 * 1000;

function cacheRoot(root) {
  const inModules = join(root, "node_modules", ".cache", "faultline");
  try {
    mkdirSync(inModules, { recursive: true });
    return inModules;
  } catch {
    // A read-only checkout still starts: the cache moves to the temp folder, one per checkout.
    const id = createHash("sha256").update(root).digest("hex").slice(0, 12);
    const inTmp = join(tmpdir(), `faultline-cache-${id}`);
    mkdirSync(inTmp, { recursive: true });
    return inTmp;
  }
}

/** The hash of the checkout's path and these files' names and contents; undefined when one is
 * gone (a deleted source: the build is stale). */
function keyOf(root, inputs) {
  const hash = createHash("sha256").update(`${FORMAT}\0${root}\0`).update(readFileSync(SELF));
  for (const input of inputs) {
    let content;
    try {
      content = readFileSync(join(root, input));
    } catch {
      return undefined;
    }
    hash.update(input).update("\0").update(content).update("\0");
  }
  return hash.digest("hex").slice(0, 24);
}

function readManifest(path) {
  try {
    const manifest = JSON.parse(readFileSync(path, "utf8"));
    return Array.isArray(manifest.inputs) && typeof manifest.key === "string"
      ? manifest
      : undefined;
  } catch {
    return undefined;
  }
}

/** Every `import.meta.url` becomes the source file's own URL, so files found beside a module
 * (report.html, bin/faultline.js) are found from the bundle as from the sources. */
function sourceUrls(esbuild) {
  return {
    name: "source-urls",
    setup(build) {
      build.onLoad({ filter: /\.[cm]?ts$/ }, async (args) => {
        const source = readFileSync(args.path, "utf8");
        const { code } = await esbuild.transform(source, {
          loader: "ts",
          format: "esm",
          target: "node20",
          sourcefile: args.path,
          sourcemap: "inline",
          define: { "import.meta.url": JSON.stringify(pathToFileURL(args.path).href) },
        });
        return { contents: code, loader: "js" };
      });
    },
  };
}

async function build(root, entry, cache, name) {
  const esbuild = await import("esbuild");
  const scratch = join(cache, `${name}.${process.pid}.${Date.now()}.tmp`);
  const result = await esbuild.build({
    entryPoints: { [name]: join(root, entry) },
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    outdir: scratch,
    chunkNames: "chunks/[name]-[hash]",
    sourcemap: "linked",
    metafile: true,
    logLevel: "silent",
    plugins: [sourceUrls(esbuild)],
  });
  const sources = Object.keys(result.metafile.inputs)
    .map((input) => relative(root, resolve(process.cwd(), input)))
    .filter((input) => !input.startsWith(".."));
  const present = BUILD_INPUTS.filter((input) => existsSync(join(root, input)));
  const inputs = [...new Set([...present, ...sources])].sort();
  const key = keyOf(root, inputs);
  if (key === undefined) throw new Error("a source file vanished during the build");
  const dir = join(cache, `${name}-${key}`);
  try {
    renameSync(scratch, dir);
  } catch {
    rmSync(scratch, { recursive: true, force: true }); // Another process built the same key.
  }
  pruneStale(cache, name, dir);
  const manifest = join(cache, `${name}.json`);
  const temporary = `${manifest}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify({ key, inputs }));
  renameSync(temporary, manifest);
  return join(dir, `${name}.js`);
}

function pruneStale(cache, name, keep) {
  for (const entry of readdirSync(cache)) {
    const path = join(cache, entry);
    if (!entry.startsWith(`${name}-`) || path === keep) continue;
    try {
      if (Date.now() - statSync(path).mtimeMs > STALE_AFTER_MS) rmSync(path, { recursive: true });
    } catch {
      // Another build removed it first.
    }
  }
}

/** The compiled form of `entry` (a path from `root`, the checkout), built first when stale. */
export async function compiledEntry(entry, root = ROOT) {
  const name = entry.replace(/\.[cm]?ts$/, "").replaceAll(/[^\w.-]+/g, "_");
  const cache = cacheRoot(root);
  const manifest = readManifest(join(cache, `${name}.json`));
  const key = manifest && keyOf(root, manifest.inputs);
  if (manifest !== undefined && key === manifest.key) {
    return join(cache, `${name}-${key}`, `${name}.js`);
  }
  return build(root, entry, cache, name);
}

/** Imports `entry` compiled. FAULTLINE_DEBUG maps stack traces back to the sources. */
export async function importCompiled(entry) {
  let path;
  try {
    path = await compiledEntry(entry);
  } catch (err) {
    const detail = err?.errors?.length
      ? err.errors
          .map((e) => `${e.location ? `${e.location.file}:${e.location.line}: ` : ""}${e.text}`)
          .join("\n")
      : err instanceof Error
        ? err.message
        : String(err);
    console.error(`faultline: internal error: cannot compile ${entry}:\n${detail}`);
    process.exit(255);
  }
  if (process.env.FAULTLINE_DEBUG) process.setSourceMapsEnabled(true);
  await import(pathToFileURL(path).href);
}

// `node bin/compiled-entry.js harness/cli.ts` builds the cache ahead (npm's prepare step runs it
// once after `npm ci`, so parallel first starts do not all build).
if (process.argv[1] === SELF) {
  await compiledEntry(process.argv[2] ?? "harness/cli.ts").catch((err) => {
    console.error(`faultline: cannot compile ${process.argv[2]}: ${err?.message ?? err}`);
    process.exit(255);
  });
}
