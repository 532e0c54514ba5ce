// Stall faults: SIGSTOP some nodes (f "pause") — a seeded random minority, the leader, or
// followers — so they hold their connections and answer nothing, like a long GC pause; then
// SIGCONT them (f "resume"). The final heal resumes every paused node.
import { targetedFault } from "./node-targets.js";

export const pauseNemesis = targetedFault({
  kind: "pause",
  summary: "SIGSTOP nodes (a random minority, the leader, or followers), SIGCONT them later",
  report: {
    label: "pause",
    colour: "#8a46b0",
    ops: { start: "pause", stop: "resume" },
    ended: "resumed",
  },
  flags: [],
  hitState: "paused",
  hit: (cluster, node) => cluster.pause(node),
  undo: (cluster, node) => cluster.resume(node),
});
