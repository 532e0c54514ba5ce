// `faultline clean`: removes what docker runs left behind when their harness died without cleaning
// up (SIGKILL, a crash, a reboot): every container and network labelled by faultline, and with
// --images the node and base images too. Prints what it removed; exit 1 when Docker is unavailable.
import type { Command } from "commander";

export function registerCleanCommand(program: Command): void {
  program
    .command("clean")
    .summary("remove leftover containers and networks of docker runs")
    .description(
      "Removes every Docker container and network labelled by faultline (leftovers of docker runs " +
        "whose harness was killed). Do not run it while a docker run is in progress: that run's " +
        "containers go too. --images also removes the faultline node and base images (rebuilt on " +
        "demand by the next docker run).",
    )
    .option("--run <name>", "only this run's (its name is the label faultline.run)")
    .option("--images", "also remove the localhost/faultline-node and -base images")
    .action(async (flags: { run?: string; images?: boolean }) => {
      const { removeLeftovers } = await import("../runtime/docker-cleanup.js");
      const { DockerUnavailableError } = await import("../runtime/docker-engine.js");
      try {
        const removed = await removeLeftovers({
          images: flags.images === true,
          ...(flags.run !== undefined && { run: flags.run }),
        });
        const line = (what: string, names: string[]): string =>
          `removed ${names.length} ${what}${names.length === 1 ? "" : "s"}` +
          (names.length > 0 ? `: ${names.join(", ")}` : "");
        console.log(line("container", removed.containers));
        console.log(line("network", removed.networks));
        if (flags.images) console.log(line("image", removed.images));
      } catch (err) {
        if (!(err instanceof DockerUnavailableError)) throw err;
        console.error(`faultline clean: ${err.message}`);
        process.exitCode = 1;
      }
    });
}
