#!/usr/bin/env node
// The `faultline` command. Runs the TypeScript sources through tsx's loader: `npm ci` is the
// whole set-up, and a checkout never runs a stale build.
import { register } from "tsx/esm/api";

register();
await import("../harness/cli.ts");
