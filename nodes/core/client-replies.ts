// Answers to clients, in one place with their meaning for the harness: 400, 409 and 503 are
// definite (nothing was applied: recorded as `fail`), 504 is indeterminate (the write may have
// been applied somewhere: recorded as `info`).
import type { Effect, Json } from "./replica.js";

export function ok(
  req: number,
  body: { values: Json[]; context: string } | { context: string },
): Effect {
  return { kind: "reply", req, status: 200, body };
}

export function badRequest(req: number, detail: string): Effect {
  return { kind: "reply", req, status: 400, body: { error: "bad-request", detail } };
}

export function staleContext(req: number, values: Json[], context: string): Effect {
  return { kind: "reply", req, status: 409, body: { error: "stale-context", values, context } };
}

/** Definite: the request was applied nowhere. */
export function unavailable(req: number, detail: string): Effect {
  return { kind: "reply", req, status: 503, body: { error: "unavailable", detail } };
}

/** Indeterminate: the write may have been applied. */
export function timeout(req: number, detail: string): Effect {
  return { kind: "reply", req, status: 504, body: { error: "timeout", detail } };
}

/** Checks a quorum size (w or r) from a request or the config; returns an answer if it is bad. */
export function checkQuorum(
  req: number,
  name: "w" | "r",
  n: number,
  nodeCount: number,
): Effect | undefined {
  if (!Number.isSafeInteger(n) || n < 1)
    return badRequest(req, `${name} must be a positive integer, got ${n}`);
  if (n > nodeCount)
    return unavailable(req, `${name}=${n} but the cluster has ${nodeCount} node(s)`);
  return undefined;
}
