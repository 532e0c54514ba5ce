import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { containerCommand, containerPlace, containerScript } from "./postgres-container.js";
import type { NodeLaunch } from "./postgres-launch.js";

const launch: NodeLaunch = {
  id: "n1",
  role: "primary",
  dataDir: "/data/n1",
  directories: ["/data/n1"],
  after: [],
  setup: [
    {
      kind: "run",
      name: "initdb",
      command: { file: "/bin/initdb", args: ["-D", "/data/n1"], env: { TZ: "UTC" } },
      timeoutMs: 1_000,
    },
    { kind: "write-file", name: "hba", path: "/data/n1/pg_hba.conf", content: "it's\n$HOME `x`" },
    { kind: "empty-dir", name: "empty", path: "/data/n1 old" },
  ],
  server: {
    file: "/bin/postgres",
    args: ["-c", 'synchronous_standby_names=ANY 1 ("n2")'],
    env: { TZ: "UTC" },
  },
};

describe("a node's container script", () => {
  it("runs the setup once (a marker beside the data), then execs the server", () => {
    const script = containerScript(launch);
    expect(script).toBe(
      [
        "set -e",
        "umask 077",
        "if [ ! -e '/data/.setup-done-n1' ]; then",
        "  mkdir -p -m 0700 '/data/n1'",
        "  export TZ='UTC'; '/bin/initdb' '-D' '/data/n1'",
        "  printf '%s' 'it'\\''s\n$HOME `x`' > '/data/n1/pg_hba.conf'",
        "  rm -rf '/data/n1 old' && mkdir -m 0700 '/data/n1 old'",
        "  : > '/data/.setup-done-n1'",
        "fi",
        "export TZ='UTC'",
        `exec '/bin/postgres' '-c' 'synchronous_standby_names=ANY 1 ("n2")'`,
        "",
      ].join("\n"),
    );
    expect(containerCommand(launch)).toEqual(["sh", "-c", script]);
  });

  it("quotes so that sh hands every word to the server unchanged", () => {
    const tricky = ["it's", "$HOME", "`x`", 'a "b"', "\\n", "ANY 1 (n2)"];
    const script = containerScript({
      ...launch,
      // The marker exists: the setup is skipped, the "server" prints its arguments.
      id: "x",
      setup: [],
      server: { file: "printf", args: ["%s|", ...tricky], env: { LC_ALL: "C" } },
    }).replace("/data/.setup-done-x", "/dev/null");
    const run = spawnSync("sh", ["-c", script], { encoding: "utf8" });
    expect(run.stdout).toBe(`${tricky.join("|")}|`);
  });

  it("places the node's data under /data and listens on every interface", () => {
    expect(containerPlace("n2")).toEqual({
      dataDir: "/data/n2",
      listen: { host: "*", port: 5432 },
    });
  });
});
