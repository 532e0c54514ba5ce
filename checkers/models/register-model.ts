// The register (read/write) and cas-register (read/write/cas) models, one register per key.
// A state is the canonical JSON of the value, or null when the register is absent. Reads are
// decoded per dialect: our sibling lists ([] absent, [v] v, two or more cannot be a register),
// Jepsen's plain values (nil = absent) or Knossos' (an ok read of nil matches any state).
import type { Op } from "../history.js";
import type { Dialect, Model, ModelCall } from "./model.js";

type Value = string | null;
type Input = { f: "read" } | { f: "write"; value: Value } | { f: "cas"; from: Value; to: Value };
/** A read's result; SIBLINGS marks a read that returned several siblings (never legal). */
type Output = Value;

const SIBLINGS = "\u0000siblings";

/** A write's output carries nothing but whether its outcome is known. */
function done(completion: Op | undefined): Output | undefined {
  return completion === undefined ? undefined : null;
}

export function canonical(value: unknown): Value {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

function createRegisterModel(withCas: boolean): Model<Value, Input, Output> {
  const name = withCas ? "cas-register" : "register";
  return {
    name,
    fs: new Set(withCas ? ["read", "write", "cas"] : ["read", "write"]),
    init: (initial) => canonical(initial),
    prepare(invoke, completion, dialect) {
      if (invoke.f === "cas" && !withCas) {
        throw new Error(`op ${invoke.index}: the ${name} model has no 'cas'`);
      }
      switch (invoke.f) {
        case "read": {
          if (completion === undefined) return undefined; // a read of unknown value
          return readResult(completion, dialect);
        }
        case "write":
          return {
            input: { f: "write", value: canonical(invoke.value) },
            output: done(completion),
          };
        case "cas": {
          const v = invoke.value;
          if (!Array.isArray(v) || v.length !== 2) {
            throw new Error(
              `op ${invoke.index}: a cas value must be [from, to], got ${JSON.stringify(v)}`,
            );
          }
          const input = { f: "cas", from: canonical(v[0]), to: canonical(v[1]) } as const;
          return { input, output: done(completion) };
        }
        default:
          throw new Error(`op ${invoke.index}: the ${name} model has no '${invoke.f}'`);
      }
    },
    step(state, input, output) {
      switch (input.f) {
        case "read":
          return output === state ? state : undefined;
        case "write":
          return input.value;
        case "cas":
          return state === input.from ? input.to : undefined;
      }
    },
    readOnly: (input) => input.f === "read",
    // Only reads change nothing: with no write or cas in reach, a read must see the state.
    resets: (input) => input.f !== "read",
    mayLeadTo: (state, _input, output) => output === state,
    key: (state) => (state === null ? "" : state),
    describe: (state) => (state === null ? "absent" : state),
    describeCall(call, f) {
      const i = call.input;
      const out = call.output === undefined ? " (unknown outcome)" : "";
      if (i.f === "read") {
        const got = call.output === SIBLINGS ? "several siblings" : (call.output ?? "absent");
        return `read → ${got}`;
      }
      if (i.f === "write") return `${f} ${i.value ?? "absent"}${out}`;
      return `cas ${i.from ?? "absent"} → ${i.to ?? "absent"}${out}`;
    },
    partitionOf: (op) => op.key ?? "",
    observable(calls) {
      // A value matters only if a read returned it or a cas compares against it: placing an
      // info write (or cas) of any other value leaves a state that only a later write can
      // leave, so not placing it is always at least as good.
      const seen = new Set<Value>();
      for (const { input, output } of calls) {
        if (input.f === "read" && output !== undefined) seen.add(output);
        if (input.f === "cas") seen.add(input.from);
      }
      return calls.map(({ input, output }) => {
        if (output !== undefined || input.f === "read") return true;
        return seen.has(input.f === "write" ? input.value : input.to);
      });
    },
  };
}

function readResult(completion: Op, dialect: Dialect): ModelCall<Input, Output> | undefined {
  const v = completion.value;
  if (dialect === "faultline") {
    if (!Array.isArray(v)) {
      throw new Error(
        `op ${completion.index}: a read's value must be the list of siblings, got ${JSON.stringify(v)}`,
      );
    }
    const output = v.length === 0 ? null : v.length === 1 ? canonical(v[0]) : SIBLINGS;
    return { input: { f: "read" }, output };
  }
  if (v === null || v === undefined) {
    // Knossos: nil is "value unknown", which matches any state: the read constrains nothing.
    return dialect === "knossos" ? undefined : { input: { f: "read" }, output: null };
  }
  return { input: { f: "read" }, output: canonical(v) };
}

export const registerModel = createRegisterModel(false);
export const casRegisterModel = createRegisterModel(true);
