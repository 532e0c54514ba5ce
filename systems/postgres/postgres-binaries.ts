// Finds the PostgreSQL server programs on this machine: `pg_config --bindir` when that folder
// holds the server (libpq-dev's pg_config may point at client tools only), else the highest
// version under /usr/lib/postgresql/*/bin (Debian's layout). None → an error naming the package.
import { spawnSync } from "node:child_process";
import { accessSync, constants, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The programs a cluster needs: the server, a new cluster, a standby's copy, a rewind. */
export const POSTGRES_PROGRAMS = ["postgres", "initdb", "pg_basebackup", "pg_rewind"] as const;
export type PostgresProgram = (typeof POSTGRES_PROGRAMS)[number];

export interface PostgresBinaries {
  /** The folder holding every program of POSTGRES_PROGRAMS. */
  binDir: string;
  /** The major version (15), from the folder's `postgres --version`. */
  version: number;
}

/** The Debian package with the server programs: what the user installs. */
export const POSTGRES_PACKAGE = "postgresql";

/** No server programs here: like a bad config, the user's to fix (the harness exits 254). */
export class PostgresNotInstalledError extends Error {
  override readonly name = "PostgresNotInstalledError";
}

export interface BinarySearch {
  /** The pg_config to ask (default "pg_config" on the PATH; null: do not ask). */
  pgConfig?: string | null;
  /** Where Debian installs the versions (default /usr/lib/postgresql). */
  versionsRoot?: string;
}

export function programPath(binaries: PostgresBinaries, program: PostgresProgram): string {
  return join(binaries.binDir, program);
}

/** The server programs, or PostgresNotInstalledError saying where it looked and what to install. */
export function findPostgresBinaries(search: BinarySearch = {}): PostgresBinaries {
  const root = search.versionsRoot ?? "/usr/lib/postgresql";
  const fromConfig = search.pgConfig === null ? undefined : pgConfigBinDir(search.pgConfig);
  const candidates = [
    ...(fromConfig === undefined ? [] : [fromConfig]),
    ...versionDirs(root).map((v) => join(root, v, "bin")),
  ];
  for (const binDir of candidates) {
    if (!POSTGRES_PROGRAMS.every((p) => isExecutable(join(binDir, p)))) continue;
    const version = serverVersion(binDir);
    if (version !== undefined) return { binDir, version };
  }
  const looked = [
    search.pgConfig === null ? undefined : "`pg_config --bindir`",
    `${root}/*/bin`,
  ].filter((x) => x !== undefined);
  throw new PostgresNotInstalledError(
    `PostgreSQL server programs not found (${POSTGRES_PROGRAMS.join(", ")}; looked in ` +
      `${looked.join(" and ")}): install the Debian package ${POSTGRES_PACKAGE} ` +
      `(apt-get install -y ${POSTGRES_PACKAGE})`,
  );
}

function pgConfigBinDir(pgConfig = "pg_config"): string | undefined {
  const result = spawnSync(pgConfig, ["--bindir"], { encoding: "utf8", timeout: 5_000 });
  const dir = result.status === 0 ? result.stdout.trim() : "";
  return dir === "" ? undefined : dir;
}

/** Numeric version folders, highest first ("16", "15", "9.6"). */
function versionDirs(root: string): string[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  return names
    .filter((name) => /^\d+(\.\d+)?$/.test(name))
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** "postgres (PostgreSQL) 15.18 (Debian …)" → 15; undefined when it does not run. */
function serverVersion(binDir: string): number | undefined {
  const result = spawnSync(join(binDir, "postgres"), ["--version"], {
    encoding: "utf8",
    timeout: 5_000,
  });
  const match = /\(PostgreSQL\)\s+(\d+)/.exec(result.stdout ?? "");
  return match ? Number(match[1]) : undefined;
}

/** The user the server runs as when the harness is root (initdb and postgres refuse root):
 * the `postgres` account the Debian package makes. Undefined when not root. */
export function localOwner(passwd = "/etc/passwd"): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  let text = "";
  try {
    text = readFileSync(passwd, "utf8");
  } catch {
    // No passwd file: the error below says what is missing.
  }
  for (const line of text.split("\n")) {
    const [name, , uid, gid] = line.split(":");
    if (name === POSTGRES_ACCOUNT && uid !== undefined && gid !== undefined)
      return { uid: Number(uid), gid: Number(gid) };
  }
  throw new PostgresNotInstalledError(
    `running as root, and PostgreSQL refuses to run as root: no "${POSTGRES_ACCOUNT}" user in ` +
      `${passwd} to run it as (the Debian package ${POSTGRES_PACKAGE} makes it: ` +
      `apt-get install -y ${POSTGRES_PACKAGE})`,
  );
}

/** util-linux's setpriv, which drops to the owner and sets the parent-death signal. */
export function findSetpriv(candidates = ["/usr/bin/setpriv", "/bin/setpriv"]): string {
  const found = candidates.find(isExecutable);
  if (found !== undefined) return found;
  throw new PostgresNotInstalledError(
    `setpriv not found (${candidates.join(", ")}): install the Debian package util-linux`,
  );
}

const POSTGRES_ACCOUNT = "postgres";
