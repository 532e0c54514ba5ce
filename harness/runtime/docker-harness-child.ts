// A harness process for the docker exit-path tests: starts a one-node docker cluster named by its
// first argument (run directory: the second), prints "started", and waits with no interrupt
// handler, so a Ctrl-C or SIGTERM runs the exit hooks (the runtime's removal) and exits.
//   usage: node bin/run-ts.js harness/runtime/docker-harness-child.ts RUN-NAME RUN-DIR
import { nodeDefaults } from "../../nodes/node-options.js";
import { dockerRuntime } from "./docker-runtime.js";

const [name, runDir] = process.argv.slice(2);
if (name === undefined || runDir === undefined) {
  console.error("usage: docker-harness-child.ts RUN-NAME RUN-DIR");
  process.exit(254);
}
const cluster = await dockerRuntime.start({
  name,
  runDir,
  nodeIds: ["n1"],
  node: { ...nodeDefaults, build: "leaderless", strategy: "lww", w: 1, r: 1 },
  linkFault: "blackhole",
});
console.log(`started ${cluster.url("n1")}`);
setInterval(() => {}, 60_000);
