// A harness process for the docker exit-path tests: starts a one-node docker cluster named by its
// first argument (run directory: the second), prints "started", and waits with no interrupt
// handler, so a Ctrl-C or SIGTERM runs the exit hooks (the runtime's removal) and exits.
//   usage: node bin/run-ts.js harness/runtime/docker-harness-child.ts RUN-NAME RUN-DIR
import { dockerRuntime } from "./docker-runtime.js";
import { clusterSpec } from "./test-fixtures/cluster-spec.js";

const [name, runDir] = process.argv.slice(2);
if (name === undefined || runDir === undefined) {
  console.error("usage: docker-harness-child.ts RUN-NAME RUN-DIR");
  process.exit(254);
}
const cluster = await dockerRuntime.start(
  clusterSpec(name, runDir, { name: "faultline", nodes: 1 }),
);
const { host, port } = cluster.address("n1");
console.log(`started http://${host}:${port}`);
setInterval(() => {}, 60_000);
