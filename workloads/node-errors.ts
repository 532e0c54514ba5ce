// The one table that says what a node error means for the op that met it: definite (the op did
// not happen → recorded as `fail`) or indeterminate (it may have happened → `info`). Workloads and
// the harness classify through `classifyNodeError` only, so the two never disagree.

export type ErrorOutcome = "fail" | "info";

/** Every error a client can meet: HTTP answers by status, transport errors by name. */
export const NODE_ERRORS = {
  // The node answered: DESIGN.md "Node HTTP API" says which answers are definite.
  "http-400": { outcome: "fail", why: "bad request: the node refused it before doing anything" },
  "http-409": { outcome: "fail", why: "stale context (reject): the write was not applied" },
  "http-503": { outcome: "fail", why: "unavailable: the write was applied nowhere" },
  "http-504": { outcome: "info", why: "timeout inside the cluster: the write may be applied" },
  // The transport failed.
  "connection-refused": { outcome: "fail", why: "nothing listened: the request was never sent" },
  "client-timeout": { outcome: "info", why: "no answer in time: the node may have applied it" },
  "connection-reset": { outcome: "info", why: "the connection broke after the request was sent" },
  interrupted: { outcome: "info", why: "the run stopped while the request was in flight" },
  // Anything else (a 500, a garbled answer) may have happened: be conservative.
  unknown: { outcome: "info", why: "an unexpected answer: the op may have happened" },
} as const satisfies Record<string, { outcome: ErrorOutcome; why: string }>;

export type NodeErrorKind = keyof typeof NODE_ERRORS;

/** The table's entry for an HTTP status other than 200. */
export function httpErrorKind(status: number): NodeErrorKind {
  const kind = `http-${status}`;
  return kind in NODE_ERRORS ? (kind as NodeErrorKind) : "unknown";
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
