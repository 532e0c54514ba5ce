// The key-value model of Porcupine's kv histories: a map from key to string, initially "" for
// every key (or `--initial`); put replaces, append concatenates, get returns the string.
// Partitioned by key, so each part is one string register.
import type { Op } from "../history.js";
import type { Model } from "./model.js";

type Input = { f: "get" } | { f: "put"; value: string } | { f: "append"; value: string };

function text(value: unknown, where: Op | string): string {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  const at = typeof where === "string" ? where : `op ${where.index}`;
  throw new Error(`${at}: a kv value must be a string, got ${JSON.stringify(value)}`);
}

export const kvModel: Model<string, Input, string> = {
  name: "kv",
  fs: new Set(["get", "put", "append"]),
  init: (initial) => (initial === undefined || initial === null ? "" : text(initial, "--initial")),
  prepare(invoke, completion, dialect) {
    switch (invoke.f) {
      case "get": {
        if (completion === undefined) return undefined;
        const v = completion.value;
        if (v === null || v === undefined) {
          return dialect === "knossos" ? undefined : { input: { f: "get" }, output: "" };
        }
        return { input: { f: "get" }, output: text(v, invoke) };
      }
      case "put":
      case "append": {
        const output = completion === undefined ? undefined : "";
        return { input: { f: invoke.f, value: text(invoke.value, invoke) }, output };
      }
      default:
        throw new Error(`op ${invoke.index}: the kv model has no '${invoke.f}'`);
    }
  },
  step(state, input, output) {
    switch (input.f) {
      case "get":
        return output === state ? state : undefined;
      case "put":
        return input.value;
      case "append":
        return state + input.value;
    }
  },
  readOnly: (input) => input.f === "get",
  resets: (input) => input.f === "put",
  // Appends only extend the string: a get must see the state as a prefix.
  mayLeadTo: (state, _input, output) => output === undefined || output.startsWith(state),
  key: (state) => state,
  describe: (state) => JSON.stringify(state),
  describeCall(call, f) {
    const i = call.input;
    if (i.f === "get") return `get → ${JSON.stringify(call.output)}`;
    return `${f} ${JSON.stringify(i.value)}${call.output === undefined ? " (unknown outcome)" : ""}`;
  },
  partitionOf: (op) => op.key ?? "",
};
