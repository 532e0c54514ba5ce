// For tests: a real, throwaway PostgreSQL server from the installed binaries (initdb + postgres,
// /usr/lib/postgresql/<version>/bin or FAULTLINE_PG_BIN), in a temporary folder on a free port of
// 127.0.0.1, trust authentication, no other socket. PostgreSQL refuses to run as root: as root
// it runs as the `postgres` user (or `nobody`). `await using server = await startPostgres()`
// stops it (fast shutdown, then SIGKILL) and removes the folder on every path; an exit hook
// kills it if the test process dies first. `postgresBinDir()` says whether the binaries exist,
// so a test can skip with a message when they do not.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { freePort } from "../../systems/free-port.js";
import { addExitHook } from "../process-exit.js";

export interface PostgresServer extends AsyncDisposable {
  /** postgres://faultline@127.0.0.1:PORT/faultline */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** The folder with initdb and postgres, or undefined when PostgreSQL is not installed. */
export function postgresBinDir(
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  const candidates = env.FAULTLINE_PG_BIN
    ? [env.FAULTLINE_PG_BIN]
    : existsSync("/usr/lib/postgresql")
      ? readdirSync("/usr/lib/postgresql")
          .sort((a, b) => Number(b) - Number(a))
          .map((version) => join("/usr/lib/postgresql", version, "bin"))
      : [];
  return candidates.find(
    (dir) => existsSync(join(dir, "initdb")) && existsSync(join(dir, "postgres")),
  );
}

/** As root, the uid/gid PostgreSQL runs under (it refuses root). */
function unprivileged(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const user of ["postgres", "nobody"]) {
    try {
      const uid = Number(execFileSync("id", ["-u", user], { encoding: "utf8" }).trim());
      const gid = Number(execFileSync("id", ["-g", user], { encoding: "utf8" }).trim());
      return { uid, gid };
    } catch {
      // No such user: try the next.
    }
  }
  throw new Error("postgres-test-server: running as root and no postgres or nobody user exists");
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBinDir();
  if (bin === undefined) throw new Error("postgres-test-server: no PostgreSQL binaries installed");
  const root = mkdtempSync(join(tmpdir(), "faultline-pg-"));
  const data = join(root, "data");
  const user = unprivileged();
  if (user !== undefined) {
    chmodSync(root, 0o755);
    chownSync(root, user.uid, user.gid);
  }
  const as = user === undefined ? {} : { uid: user.uid, gid: user.gid };
  const cleanup = () => rmSync(root, { recursive: true, force: true });
  try {
    execFileSync(
      join(bin, "initdb"),
      ["-D", data, "-U", "faultline", "--auth=trust", "--no-sync", "-E", "UTF8"],
      { ...as, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LC_ALL: "C" } },
    );
  } catch (err) {
    cleanup();
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? String(err);
    throw new Error(`postgres-test-server: initdb failed: ${stderr}`);
  }
  const port = await freePort();
  const child = spawn(
    join(bin, "postgres"),
    [
      "-D",
      data,
      "-p",
      String(port),
      "-k",
      root,
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "fsync=off",
    ],
    { ...as, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, LC_ALL: "C" } },
  );
  let log = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  });
  const removeHook = addExitHook(() => {
    child.kill("SIGKILL");
    cleanup();
  });
  const stop = async () => {
    removeHook();
    await stopChild(child);
    cleanup();
  };
  const url = `postgres://faultline@127.0.0.1:${port}/postgres`;
  try {
    await waitReady(url, child, () => log);
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    await admin.unsafe("create database faultline");
    await admin.end();
  } catch (err) {
    await stop();
    throw err;
  }
  const server: PostgresServer = {
    url: `postgres://faultline@127.0.0.1:${port}/faultline`,
    port,
    stop,
    [Symbol.asyncDispose]: stop,
  };
  return server;
}

/** Connects until the server answers, or fails with its log when it exits or takes too long. */
async function waitReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`postgres-test-server: postgres exited (${child.exitCode}): ${log()}`);
    }
    const sql = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} });
    try {
      await sql`select 1`;
      return;
    } catch (err) {
      if (Date.now() > deadline) {
        throw new Error(`postgres-test-server: not ready after 30s (${String(err)}): ${log()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await sql.end({ timeout: 1 });
    }
  }
}

/** SIGINT is PostgreSQL's fast shutdown; SIGKILL if it has not exited in 10 s. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGINT");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}
