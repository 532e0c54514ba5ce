// Finding the server programs: fake version folders in a temp dir (each program a small script)
// for the search order, and this machine's real installation.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  findPostgresBinaries,
  localOwner,
  POSTGRES_PROGRAMS,
  PostgresNotInstalledError,
  programPath,
} from "./postgres-binaries.js";

const root = mkdtempSync(join(tmpdir(), "faultline-pgbin-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A version folder whose `postgres --version` prints `major`; `missing` programs are left out. */
function fakeInstall(versionsRoot: string, major: string, missing: string[] = []): string {
  const bin = join(versionsRoot, major, "bin");
  mkdirSync(bin, { recursive: true });
  for (const program of POSTGRES_PROGRAMS.filter((p) => !missing.includes(p))) {
    const script =
      program === "postgres"
        ? `#!/bin/sh\necho "postgres (PostgreSQL) ${major}.2 (fake)"\n`
        : "#!/bin/sh\nexit 0\n";
    writeFileSync(join(bin, program), script);
    chmodSync(join(bin, program), 0o755);
  }
  return bin;
}

describe("findPostgresBinaries", () => {
  it("takes the highest complete version under the versions root", () => {
    const versions = join(root, "several");
    fakeInstall(versions, "13");
    const fourteen = fakeInstall(versions, "14");
    fakeInstall(versions, "16", ["pg_rewind"]);
    mkdirSync(join(versions, "not-a-version"));
    expect(findPostgresBinaries({ pgConfig: null, versionsRoot: versions })).toEqual({
      binDir: fourteen,
      version: 14,
    });
  });

  it("prefers the folder pg_config names when it holds the server", () => {
    const configured = fakeInstall(join(root, "configured"), "17");
    const pgConfig = join(root, "pg_config");
    writeFileSync(pgConfig, `#!/bin/sh\necho "${configured}"\n`);
    chmodSync(pgConfig, 0o755);
    const versions = join(root, "other");
    fakeInstall(versions, "12");
    expect(findPostgresBinaries({ pgConfig, versionsRoot: versions })).toEqual({
      binDir: configured,
      version: 17,
    });
  });

  it("names the Debian package when nothing is installed", () => {
    const search = { pgConfig: join(root, "no-such-pg_config"), versionsRoot: join(root, "empty") };
    expect(() => findPostgresBinaries(search)).toThrow(PostgresNotInstalledError);
    expect(() => findPostgresBinaries(search)).toThrow(/apt-get install -y postgresql/);
  });

  it("finds this machine's server (CI installs postgresql)", () => {
    const found = findPostgresBinaries();
    expect(found.version).toBeGreaterThanOrEqual(13);
    expect(programPath(found, "initdb")).toBe(join(found.binDir, "initdb"));
  });
});

describe("localOwner", () => {
  it("as root, the postgres account of the passwd file; its absence names the package", () => {
    if (process.getuid?.() !== 0) {
      expect(localOwner()).toBeUndefined();
      return;
    }
    const passwd = join(root, "passwd");
    writeFileSync(
      passwd,
      "root:x:0:0::/root:/bin/sh\npostgres:x:101:104::/var/lib/postgresql:/bin/sh\n",
    );
    expect(localOwner(passwd)).toEqual({ uid: 101, gid: 104 });
    writeFileSync(passwd, "root:x:0:0::/root:/bin/sh\n");
    expect(() => localOwner(passwd)).toThrow(
      /refuses to run as root.*apt-get install -y postgresql/,
    );
  });
});
