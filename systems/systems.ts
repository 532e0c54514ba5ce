// The registry of systems under test: the config's `system:` section, the CLI and the docs read
// this one map. A new system is one folder under systems/ and one line here.
import { faultline } from "./faultline/faultline-system.js";
import { memory } from "./memory/memory-system.js";
import { postgres } from "./postgres/postgres-system.js";
import type { AnySystem } from "./system.js";

export const systems = { faultline, memory, postgres } satisfies Record<string, AnySystem>;

export type SystemName = keyof typeof systems;
