#!/usr/bin/env node
// Runs a TypeScript entry point from source (tsx's loader), so a fresh clone needs no build step.
import { register } from "tsx/esm/api";

register();
const [entry, ...rest] = process.argv.slice(2);
if (!entry) {
  console.error("usage: run-ts.js FILE.ts [args...]");
  process.exit(254);
}
process.argv = [process.argv[0], entry, ...rest];
const { pathToFileURL } = await import("node:url");
const { resolve } = await import("node:path");
await import(pathToFileURL(resolve(entry)).href);
