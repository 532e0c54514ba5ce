#!/usr/bin/env node
// The `faultline` command: harness/cli.ts compiled by esbuild into a cache keyed by the sources'
// hash (compiled-entry.js), so a start costs about a bare Node start and never runs stale code.
import { importCompiled } from "./compiled-entry.js";

await importCompiled("harness/cli.ts");
