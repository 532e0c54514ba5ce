// The one table that says what a node error means for the op that met it: definite (the op did
// not happen → recorded as `fail`) or indeterminate (it may have happened → `info`). Workloads and
// the harness classify through `classifyNodeError` only, so the two never disagree.

export type ErrorOutcome = "fail" | "info";

/** Every error a client can meet: HTTP answers by status, transport errors by name. */
export const NODE_ERRORS = {
  // The node answered: the README's node API says which answers are definite. Every 4xx but
  // 408 is refused before the request reaches the replica, so nothing was applied.
  "http-400": { outcome: "fail", why: "bad request: the node refused it before doing anything" },
  "http-404": { outcome: "fail", why: "no such route: the node did nothing" },
  "http-405": { outcome: "fail", why: "method not allowed: the node did nothing" },
  "http-408": { outcome: "info", why: "request timeout: unsure how far the request got" },
  "http-409": { outcome: "fail", why: "stale context (reject): the write was not applied" },
  "http-413": { outcome: "fail", why: "body too large: refused before it was read" },
  "http-4xx": { outcome: "fail", why: "another client error: refused, nothing was applied" },
  "http-500": { outcome: "info", why: "the node's core threw: the op may have been applied" },
  "http-503": { outcome: "fail", why: "unavailable: the write was applied nowhere" },
  "http-504": { outcome: "info", why: "timeout inside the cluster: the write may be applied" },
  // The transport failed.
  "connection-refused": { outcome: "fail", why: "nothing listened: the request was never sent" },
  "client-timeout": { outcome: "info", why: "no answer in time: the node may have applied it" },
  "connection-reset": { outcome: "info", why: "the connection broke after the request was sent" },
  interrupted: { outcome: "info", why: "the run stopped while the request was in flight" },
  // Anything else (another 5xx, a garbled answer) may have happened: be conservative.
  unknown: { outcome: "info", why: "an unexpected answer: the op may have happened" },
} as const satisfies Record<string, { outcome: ErrorOutcome; why: string }>;

export type NodeErrorKind = keyof typeof NODE_ERRORS;

/** The table's entry for an HTTP status other than 200. */
export function httpErrorKind(status: number): NodeErrorKind {
  const kind = `http-${status}`;
  if (kind in NODE_ERRORS) return kind as NodeErrorKind;
  return status >= 400 && status < 500 ? "http-4xx" : "unknown";
}

/** The table's entry for a transport error (a Node.js system error code or our own names). */
export function transportErrorKind(code: string | undefined): NodeErrorKind {
  switch (code) {
    case "ECONNREFUSED":
      return "connection-refused";
    case "ECONNRESET":
    case "EPIPE":
    case "ECONNABORTED":
      return "connection-reset";
    case "client-timeout":
    case "interrupted":
      return code;
    default:
      return "unknown";
  }
}

export function classifyNodeError(kind: NodeErrorKind): ErrorOutcome {
  return NODE_ERRORS[kind].outcome;
}
