// The registry of nemeses, one per fault kind: runNemesis composes them, and a new fault kind
// is one entry here plus its name in FAULT_KINDS.
import { clockNemesis } from "./clock-nemesis.js";
import { killNemesis } from "./kill-nemesis.js";
import type { FaultKind, Nemesis } from "./nemesis.js";
import { partitionNemesis } from "./partition-nemesis.js";
import { pauseNemesis } from "./pause-nemesis.js";

export const nemeses = {
  partition: partitionNemesis,
  kill: killNemesis,
  pause: pauseNemesis,
  clock: clockNemesis,
} satisfies Record<FaultKind, Nemesis>;
