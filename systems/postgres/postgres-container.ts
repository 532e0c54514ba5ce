// A PostgreSQL node in a container of the postgres image: where it lives inside (its data under
// /data, port 5432 on every interface) and its launch as one sh script — the setup steps once
// (a marker beside the data folder says they ran), then `exec` of the server, so the server is
// the container's main process and a kill or pause of the container reaches it.
import type { NodeId } from "../../workloads/kv-client.js";
import type { NodeLaunch, NodePlace, SetupStep } from "./postgres-launch.js";

export const CONTAINER_PORT = 5432;

/** The node's place inside its container (TCP only: nothing else shares the container). */
export function containerPlace(node: NodeId): NodePlace {
  return { dataDir: `/data/${node}`, listen: { host: "*", port: CONTAINER_PORT } };
}

/** The container's command: `["sh", "-c", script]`. */
export function containerCommand(launch: NodeLaunch): string[] {
  return ["sh", "-c", containerScript(launch)];
}

export function containerScript(launch: NodeLaunch): string {
  const marker = `/data/.setup-done-${launch.id}`;
  const setup = [
    ...launch.directories.map((dir) => `mkdir -p -m 0700 ${quote(dir)}`),
    ...launch.setup.map(stepLine),
    `: > ${quote(marker)}`,
  ];
  const server = launch.server;
  return [
    "set -e",
    "umask 077",
    `if [ ! -e ${quote(marker)} ]; then`,
    ...setup.map((line) => `  ${line}`),
    "fi",
    exportLine(server.env),
    `exec ${[server.file, ...server.args].map(quote).join(" ")}`,
    "",
  ].join("\n");
}

function stepLine(step: SetupStep): string {
  switch (step.kind) {
    case "run":
      return `${exportLine(step.command.env)}; ${[step.command.file, ...step.command.args].map(quote).join(" ")}`;
    case "write-file":
      return `printf '%s' ${quote(step.content)} > ${quote(step.path)}`;
    case "empty-dir":
      return `rm -rf ${quote(step.path)} && mkdir -m 0700 ${quote(step.path)}`;
  }
}

/** The command's whole environment, as the image has no `env` program. */
function exportLine(env: Record<string, string>): string {
  return `export ${Object.entries(env)
    .map(([k, v]) => `${k}=${quote(v)}`)
    .join(" ")}`;
}

/** One sh word: single quotes, each ' written as '\''. */
function quote(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`;
}
