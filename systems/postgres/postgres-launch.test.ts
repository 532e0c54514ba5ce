import { describe, expect, it } from "vitest";
import {
  baseBackupSteps,
  conninfo,
  type PostgresLaunchInput,
  postgresLaunchPlan,
  rewindSteps,
  type SetupStep,
  clusterSettings,
} from "./postgres-launch.js";
import {
  type PostgresOptions,
  postgresOptionsSchema,
  REPLICATION_MODES,
} from "./postgres-options.js";

const BIN = "/usr/lib/postgresql/15/bin";

function input(
  system: Partial<PostgresOptions> = {},
  setpriv?: PostgresLaunchInput["setpriv"],
): PostgresLaunchInput {
  const options = postgresOptionsSchema.parse({ name: "postgres", ...system });
  const nodes = Array.from({ length: options.standbys + 1 }, (_, i) => `n${i + 1}`);
  return {
    options,
    binaries: { binDir: BIN, version: 15 },
    nodes,
    place: (id) => ({
      dataDir: `/run/data/${id}`,
      socketDir: `/run/sockets/${id}`,
      listen: { host: "127.0.0.1", port: 5000 + Number(id.slice(1)) },
    }),
    // Link proxies: the port names the direction.
    peer: (from, to) => ({
      host: "127.0.0.1",
      port: 6000 + 10 * Number(from.slice(1)) + Number(to.slice(1)),
    }),
    trustedNetwork: "127.0.0.1/32",
    setpriv,
  };
}

const argsOf = (step: SetupStep | undefined) => (step?.kind === "run" ? step.command.args : []);

describe("the launch plan", () => {
  it("starts the primary from initdb and each standby from a base backup of it", () => {
    const plan = postgresLaunchPlan(input({ standbys: 2 }));
    expect(plan.map((n) => [n.id, n.role, n.after])).toEqual([
      ["n1", "primary", []],
      ["n2", "standby", ["n1"]],
      ["n3", "standby", ["n1"]],
    ]);
    expect(plan[0]!.directories).toEqual(["/run/data/n1", "/run/sockets/n1"]);
    expect(plan[0]!.setup.map((s) => s.name)).toEqual(["initdb", "postgresql.conf", "pg_hba.conf"]);
    expect(argsOf(plan[0]!.setup[0])).toEqual(
      expect.arrayContaining(["-D", "/run/data/n1", "-U", "postgres", "--auth=trust"]),
    );
    const conf = plan[0]!.setup[1]!;
    expect(conf).toMatchObject({ kind: "write-file", path: "/run/data/n1/postgresql.conf" });
    // In the file, not on the command line: pg_rewind's single-user recovery reads only the file.
    expect(conf.kind === "write-file" && conf.content).toMatch(/^wal_log_hints = 'on'$/m);
    // A killed server's dynamic shared memory goes with its data folder, not into /dev/shm.
    expect(conf.kind === "write-file" && conf.content).toMatch(
      /^dynamic_shared_memory_type = 'mmap'$/m,
    );
    const hba = plan[0]!.setup[2]!;
    expect(hba).toMatchObject({ kind: "write-file", path: "/run/data/n1/pg_hba.conf" });
    expect(hba.kind === "write-file" && hba.content).toMatch(
      /host replication all 127\.0\.0\.1\/32 trust/,
    );
    // The standby reaches the primary through the link n2 → n1, named n2 for sync replication.
    const backup = argsOf(plan[1]!.setup[0]);
    expect(backup).toEqual(
      expect.arrayContaining([
        "-D",
        "/run/data/n2",
        "--write-recovery-conf",
        "--wal-method=stream",
      ]),
    );
    expect(backup[backup.indexOf("-d") + 1]).toBe(
      conninfo({ host: "127.0.0.1", port: 6021 }, "n2"),
    );
    expect(conninfo({ host: "127.0.0.1", port: 6021 }, "n2")).toMatch(
      /^host=127\.0\.0\.1 port=6021 user=postgres dbname=postgres application_name=n2 /,
    );
  });

  it("runs every server in the foreground with its own port, sockets and name", () => {
    const plan = postgresLaunchPlan(input({ standbys: 1 }));
    const server = plan[1]!.server;
    expect(server.file).toBe(`${BIN}/postgres`);
    expect(server.args.slice(0, 2)).toEqual(["-D", "/run/data/n2"]);
    const settings = Object.fromEntries(
      server.args.filter((_, i) => server.args[i - 1] === "-c").map((kv) => kv.split(/=(.*)/s)),
    );
    expect(settings).toEqual({
      port: "5002",
      listen_addresses: "127.0.0.1",
      unix_socket_directories: "/run/sockets/n2",
      cluster_name: "n2",
    });
    expect(server.env).toEqual({ PATH: `${BIN}:/usr/bin:/bin`, LC_ALL: "C", TZ: "UTC" });
  });

  it("listens on TCP only when the socket's path would not fit (107 bytes)", () => {
    const deep = `/store/${"a-long-test-name-".repeat(6)}/2026-01-01T00-00-00/sockets/n1`;
    const base = input({ standbys: 0 });
    const place = base.place("n1");
    const plan = postgresLaunchPlan({ ...base, place: () => ({ ...place, socketDir: deep }) });
    expect(plan[0]!.server.args).toContain("unix_socket_directories=");
    expect(plan[0]!.directories).toEqual(["/run/data/n1"]);
  });

  it.each(REPLICATION_MODES)("replication %s sets what a commit waits for", (replication) => {
    const settings = clusterSettings(input({ standbys: 2, replication }));
    expect([settings.synchronous_standby_names, settings.synchronous_commit]).toEqual(
      {
        async: ["", "on"],
        sync: ['ANY 1 ("n1", "n2", "n3")', "on"],
        "remote-apply": ['ANY 1 ("n1", "n2", "n3")', "remote_apply"],
      }[replication],
    );
  });

  it("runs commands through setpriv as the owner: a tool killed with its parent, a server shut down", () => {
    const owner = { uid: 101, gid: 104 };
    const plan = postgresLaunchPlan(input({ standbys: 0 }, { path: "/usr/bin/setpriv", owner }));
    expect(plan[0]!.server.file).toBe("/usr/bin/setpriv");
    expect(plan[0]!.server.args.slice(0, 7)).toEqual([
      "--reuid=101",
      "--regid=104",
      "--clear-groups",
      "--pdeathsig",
      "SIGQUIT",
      "--",
      `${BIN}/postgres`,
    ]);
    const initdb = plan[0]!.setup[0]!;
    expect(initdb.kind === "run" && initdb.command.args.slice(3, 7)).toEqual([
      "--pdeathsig",
      "SIGKILL",
      "--",
      `${BIN}/initdb`,
    ]);
    const own = postgresLaunchPlan(input({ standbys: 0 }, { path: "/usr/bin/setpriv" }));
    expect(own[0]!.server.args.slice(0, 4)).toEqual([
      "--pdeathsig",
      "SIGQUIT",
      "--",
      `${BIN}/postgres`,
    ]);
  });

  it("refuses a node list that does not match the standbys", () => {
    const wrong = { ...input({ standbys: 2 }), nodes: ["n1", "n2"] };
    expect(() => postgresLaunchPlan(wrong)).toThrow(/standbys: 2 runs 3 nodes, got 2/);
  });
});

describe("bringing a node back as a standby", () => {
  it("rewinds its data from the new primary, through its own link to it", () => {
    const [rewind] = rewindSteps(input({ standbys: 2 }), "n1", "n2");
    expect(rewind).toMatchObject({ kind: "run", name: "pg_rewind" });
    expect(argsOf(rewind)).toEqual([
      "--target-pgdata",
      "/run/data/n1",
      `--source-server=${conninfo({ host: "127.0.0.1", port: 6012 }, "n1")}`,
      "--write-recovery-conf",
      "--no-sync",
    ]);
  });

  it("or empties its data folder and copies the new primary afresh", () => {
    const steps = baseBackupSteps(input({ standbys: 2 }), "n1", "n2");
    expect(steps.map((s) => [s.kind, s.name])).toEqual([
      ["empty-dir", "remove the old data"],
      ["run", "pg_basebackup"],
    ]);
    expect(steps[0]).toMatchObject({ path: "/run/data/n1" });
    expect(argsOf(steps[1])).toContain(conninfo({ host: "127.0.0.1", port: 6012 }, "n1"));
  });
});
