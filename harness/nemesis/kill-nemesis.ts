// Crash faults: SIGKILL some nodes (f "kill", value [ids], or {nodes, leader} when the leader
// was asked) — a seeded random minority, the leader, or followers — and later start them again
// on their own data (f "restart"). Only the nodes this fault killed and that are still down are
// restarted; the final heal restarts every node that is down, whoever killed it.
import { targetedFault } from "./node-targets.js";

export const killNemesis = targetedFault({
  kind: "kill",
  summary: "SIGKILL nodes (a random minority, the leader, or followers), restart them later",
  report: {
    label: "kill",
    colour: "#3d4147",
    ops: { start: "kill", stop: "restart" },
    ended: "restarted",
  },
  flags: [
    {
      flags: "--kill-target <target>",
      description: "which nodes a kill hits: random | leader | followers",
      path: ["target"],
      kind: "string",
    },
  ],
  hitState: "down",
  hit: (cluster, node) => cluster.kill(node),
  undo: (cluster, node) => cluster.restart(node),
});
