// The node's clocks as the replica core sees them: a monotonic clock for timeouts and intervals,
// and a wall clock shifted by the admin offset (POST /admin/clock), which the clock-skew fault
// sets so that LWW timestamps from this node run ahead or behind.
import { performance } from "node:perf_hooks";
import type { Clock } from "../core/replica.js";

export class NodeClock {
  offsetMs = 0;

  now(): Clock {
    return { monoMs: performance.now(), wallMs: Date.now() + this.offsetMs };
  }
}
