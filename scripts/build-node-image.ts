// Builds the node image for the current source (and the offline base image first when missing),
// as the docker runtime would on demand; prints the image name. Run by scripts/docker-setup.sh.
//   usage: node bin/run-ts.js scripts/build-node-image.ts
import { DockerUnavailableError } from "../harness/runtime/docker-engine.js";
import { dockerImageBuilder } from "../harness/runtime/docker-image.js";
import { faultlineNodeImage } from "../systems/faultline/faultline-image.js";

try {
  const started = Date.now();
  const builder = dockerImageBuilder((line) => console.log(`build-node-image: ${line}`));
  const name = await faultlineNodeImage(builder);
  console.log(`build-node-image: ${name} ready (${((Date.now() - started) / 1000).toFixed(1)} s)`);
} catch (err) {
  const message = err instanceof Error ? err.message : String(err);
  console.error(`build-node-image: error: ${message}`);
  process.exit(err instanceof DockerUnavailableError ? 1 : 255);
}
