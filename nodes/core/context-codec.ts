// Contexts are opaque strings to clients: base64url of compact JSON `[tag, body]`. The tag names
// the kind of context (a build/strategy), so a context from another store or a typo is caught
// here and answered with 400 bad-request and a detail, never an exception out of the core.
import type { Json } from "./replica.js";

export type Decoded<T> = { ok: true; value: T } | { ok: false; detail: string };

/** Longer contexts are refused: a real one is a few dozen bytes per node. */
export const CONTEXT_LENGTH_MAX = 64 * 1024;

/** Contexts encoded lately, both ways (JSON text ↔ base64url): a key's context is encoded for
 * every read of it, and a client sends back the context it read, so each is looked up instead of
 * run through base64 again. Both are pure functions of the text; the maps are emptied when full. */
const base64Of = new Map<string, string>();
const jsonOf = new Map<string, string>();
const MEMO_MAX = 4096;

export function encodeContext(tag: string, body: Json): string {
  const json = JSON.stringify([tag, body]);
  let text = base64Of.get(json);
  if (text === undefined) {
    text = Buffer.from(json, "utf8").toString("base64url");
    if (base64Of.size >= MEMO_MAX) {
      base64Of.clear();
      jsonOf.clear();
    }
    base64Of.set(json, text);
    jsonOf.set(text, json);
  }
  return text;
}

/** The JSON text of a base64url context (undefined when it is no base64url string). */
function jsonText(text: string): string | undefined {
  const known = jsonOf.get(text);
  if (known !== undefined) return known;
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  return Buffer.from(text, "base64url").toString("utf8");
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
  const decoded = jsonText(text);
  if (decoded === undefined) {
    return { ok: false, detail: "context is not a base64url string (use the context of a read)" };
  }
  let json: unknown;
  try {
    json = JSON.parse(decoded);
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
