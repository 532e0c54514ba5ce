// The registry of linearizability models: `faultline check --model NAME` and the
// `linearizable` checker's `model` option read this one map.
import { kvModel } from "./kv-model.js";
import type { AnyModel } from "./model.js";
import { casRegisterModel, registerModel } from "./register-model.js";

export const models = {
  register: registerModel,
  "cas-register": casRegisterModel,
  kv: kvModel,
} satisfies Record<string, AnyModel>;

export type ModelName = keyof typeof models;
export const MODEL_NAMES = Object.keys(models) as ModelName[];
