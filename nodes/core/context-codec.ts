// Contexts are opaque strings to clients: base64url of compact JSON `[tag, body]`. The tag names
// the kind of context (a build/strategy), so a context from another store or a typo is caught
// here and answered with 400 bad-request and a detail, never an exception out of the core.
import type { Json } from "./replica.js";

export type Decoded<T> = { ok: true; value: T } | { ok: false; detail: string };

/** Longer contexts are refused: a real one is a few dozen bytes per node. */
export const CONTEXT_LENGTH_MAX = 64 * 1024;

export function encodeContext(tag: string, body: Json): string {
  return Buffer.from(JSON.stringify([tag, body]), "utf8").toString("base64url");
}

/** Decodes `text` made by `encodeContext(tag, …)`; `parse` checks the body and throws on bad input. */
export function decodeContext<T>(
  text: string,
  tag: string,
  parse: (body: unknown) => T,
): Decoded<T> {
  if (text.length > CONTEXT_LENGTH_MAX) {
    return {
      ok: false,
      detail: `context is ${text.length} characters, more than ${CONTEXT_LENGTH_MAX}`,
    };
  }
  if (!/^[A-Za-z0-9_-]*$/.test(text)) {
    return { ok: false, detail: "context is not a base64url string (use the context of a read)" };
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    return { ok: false, detail: "context does not decode to JSON (use the context of a read)" };
  }
  if (!Array.isArray(json) || json.length !== 2 || typeof json[0] !== "string") {
    return { ok: false, detail: "context is not a faultline context (use the context of a read)" };
  }
  if (json[0] !== tag) {
    return { ok: false, detail: `context of kind "${json[0]}" where this node expects "${tag}"` };
  }
  try {
    return { ok: true, value: parse(json[1]) };
  } catch (error) {
    return { ok: false, detail: `bad context: ${(error as Error).message}` };
  }
}
