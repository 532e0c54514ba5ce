// The flags of `faultline node` (exactly those `nodeArgs()` produces, plus --exit-with-parent),
// declared and validated in one place for both entries: the harness CLI (node-command.ts) and
// the standalone node-main.ts. Bad values throw NodeFlagError naming the flag, value and what is
// allowed; the entries turn it into exit code 254. A flag of one build (--w/--r: leaderless;
// --acks/--election-timeout-ms: leader) is refused by the other rather than silently ignored.
import type { Command } from "commander";
import { BUILDS, type NodeId, STRATEGIES } from "../core/replica.js";
import { type NodeOptions, nodeDefaults } from "../node-options.js";

export interface NodeCommandOptions extends NodeOptions {
  /** Exit cleanly when stdin reaches EOF (the parent died or closed the pipe). */
  exitWithParent: boolean;
}

export class NodeFlagError extends Error {
  override readonly name = "NodeFlagError";
  readonly exitCode = 254;
}

/** A node id: what --id, --peers and POST /admin/peers accept. */
export const NODE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Declares the node flags on `cmd` (all as strings: parseNodeFlags validates them). */
export function defineNodeFlags(cmd: Command): Command {
  const d = nodeDefaults;
  return cmd
    .requiredOption("--id <id>", "this node's id (letters, digits, _ . -), e.g. n1")
    .requiredOption("--listen <host:port>", "address to serve HTTP on (port 0: any free port)")
    .requiredOption("--build <build>", `topology: ${BUILDS.join(" | ")}`)
    .requiredOption("--strategy <strategy>", `concurrent writes: ${STRATEGIES.join(" | ")}`)
    .requiredOption("--data-dir <dir>", "directory of the durable log (created if missing)")
    .option(
      "--peers <list>",
      "the other nodes: n2=http://127.0.0.1:7002,n3=http://… | none (a cluster of one); " +
        "without it the node waits for POST /admin/peers",
      "",
    )
    .option("--fsync <mode>", "always: sync the log before answering | never: do not", d.fsync)
    .option("--w <n>", `leaderless: default write quorum (default ${d.w})`)
    .option("--r <n>", `leaderless: default read quorum, 1 = local only (default ${d.r})`)
    .option(
      "--leader <id>",
      "leader build: the node that stands for election first on a fresh start",
    )
    .option(
      "--acks <acks>",
      `leader build: ack a write after the leader's log (one: async) | a majority (quorum) | every node (all) (default ${d.acks})`,
    )
    .option(
      "--election-timeout-ms <ms>",
      `leader build: election timeout, randomized up to twice it; also the leader's lease (default ${d.electionTimeoutMs})`,
    )
    .option(
      "--read-repair <on|off>",
      "leaderless: repair stale replicas seen by reads",
      d.readRepair ? "on" : "off",
    )
    .option(
      "--anti-entropy-ms <ms>",
      "leaderless: anti-entropy interval, 0 = off",
      String(d.antiEntropyIntervalMs),
    )
    .option(
      "--request-timeout-ms <ms>",
      "how long a request waits for peers",
      String(d.requestTimeoutMs),
    )
    .option("--seed <n>", "seed of the replica's random choices", String(d.seed))
    .option("--exit-with-parent", "exit cleanly when stdin reaches EOF", false);
}

/** Validates the raw flag values commander collected (`cmd.opts()`) into node options. */
export function parseNodeFlags(raw: Record<string, unknown>): NodeCommandOptions {
  const id = str(raw, "id", "--id");
  if (!NODE_ID.test(id))
    fail("--id", id, "1–64 letters, digits, _ . - (starting with a letter or digit)");
  const build = oneOf("--build", str(raw, "build", "--build"), BUILDS);
  const peersText = str(raw, "peers", "--peers");
  const alone = peersText.trim() === "none";
  const peers = alone ? {} : parsePeers(peersText, id);
  const leader = raw.leader === undefined ? undefined : str(raw, "leader", "--leader");
  if (leader !== undefined) {
    if (!NODE_ID.test(leader)) fail("--leader", leader, "a node id");
    const known = [id, ...Object.keys(peers)];
    if (Object.keys(peers).length > 0 && !known.includes(leader)) {
      fail("--leader", leader, `this node or one of its peers (${known.join(", ")})`);
    }
  }
  const dataDir = str(raw, "dataDir", "--data-dir");
  if (dataDir === "") fail("--data-dir", dataDir, "a directory path");
  return {
    id,
    listen: parseListen(str(raw, "listen", "--listen")),
    build,
    strategy: oneOf("--strategy", str(raw, "strategy", "--strategy"), STRATEGIES),
    peers,
    ...(alone ? { alone } : {}),
    dataDir,
    fsync: oneOf("--fsync", str(raw, "fsync", "--fsync"), ["always", "never"] as const),
    ...(leader === undefined ? {} : { leader }),
    ...buildFlags(raw, build),
    readRepair:
      oneOf("--read-repair", str(raw, "readRepair", "--read-repair"), ["on", "off"] as const) ===
      "on",
    antiEntropyIntervalMs: int(
      "--anti-entropy-ms",
      str(raw, "antiEntropyMs", "--anti-entropy-ms"),
      0,
      3_600_000,
    ),
    requestTimeoutMs: int(
      "--request-timeout-ms",
      str(raw, "requestTimeoutMs", "--request-timeout-ms"),
      1,
      600_000,
    ),
    seed: int(
      "--seed",
      str(raw, "seed", "--seed"),
      Number.MIN_SAFE_INTEGER,
      Number.MAX_SAFE_INTEGER,
    ),
    exitWithParent: raw.exitWithParent === true,
  };
}

/** Flags of one build only: the other build refuses them (they would be silently ignored). */
const LEADER_ONLY = [
  ["acks", "--acks"],
  ["electionTimeoutMs", "--election-timeout-ms"],
] as const;
const LEADERLESS_ONLY = [
  ["w", "--w"],
  ["r", "--r"],
] as const;

function buildFlags(
  raw: Record<string, unknown>,
  build: NodeOptions["build"],
): Pick<NodeOptions, "acks" | "electionTimeoutMs" | "w" | "r"> {
  for (const [key, flag] of build === "leader" ? LEADERLESS_ONLY : LEADER_ONLY) {
    if (raw[key] === undefined) continue;
    const why =
      build === "leader"
        ? "is a leaderless quorum: the leader build acknowledges writes by --acks one|quorum|all"
        : "applies to the leader build only: leaderless writes wait for the quorum --w";
    throw new NodeFlagError(`${flag} ${why}`);
  }
  const d = nodeDefaults;
  const value = (key: string, flag: string, fallback: string | number): string =>
    raw[key] === undefined ? String(fallback) : str(raw, key, flag);
  if (build === "leaderless") {
    return {
      acks: d.acks,
      w: int("--w", value("w", "--w", d.w), 1, 100),
      r: int("--r", value("r", "--r", d.r), 1, 100),
    };
  }
  const acks = value("acks", "--acks", d.acks);
  const electionMs = value("electionTimeoutMs", "--election-timeout-ms", d.electionTimeoutMs);
  return {
    acks: oneOf("--acks", acks, ["one", "quorum", "all"] as const),
    electionTimeoutMs: int("--election-timeout-ms", electionMs, 10, 600_000),
    w: d.w,
    r: d.r,
  };
}

/** "n2=http://127.0.0.1:7002,n3=…" → { n2: "http://127.0.0.1:7002", … } (base URLs, no trailing /). */
function parsePeers(text: string, self: NodeId): Record<NodeId, string> {
  const peers: Record<NodeId, string> = {};
  if (text.trim() === "") return peers;
  for (const entry of text.split(",")) {
    const eq = entry.indexOf("=");
    const id = entry.slice(0, eq).trim();
    const url = entry.slice(eq + 1).trim();
    if (eq < 0 || !NODE_ID.test(id))
      fail("--peers", entry, "ID=URL entries separated by commas, e.g. n2=http://127.0.0.1:7002");
    if (id === self) fail("--peers", entry, `peers other than this node (${self})`);
    if (id in peers) fail("--peers", entry, `each peer once (${id} is listed twice)`);
    const base = parsePeerUrl(url);
    if (base === undefined)
      fail("--peers", entry, "an http:// URL with host and port, e.g. http://127.0.0.1:7002");
    peers[id] = base;
  }
  return peers;
}

/** An http base URL ("http://host:port", optional path prefix) without its trailing slash. */
export function parsePeerUrl(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" || url.hostname === "" || url.search !== "" || url.hash !== "")
    return undefined;
  if (url.username !== "" || url.password !== "") return undefined;
  return url.href.replace(/\/+$/, "");
}

function parseListen(text: string): NodeOptions["listen"] {
  const colon = text.lastIndexOf(":");
  const host = text.slice(0, colon).replace(/^\[(.*)\]$/, "$1");
  const portText = text.slice(colon + 1);
  if (colon <= 0 || host === "" || !/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
    fail("--listen", text, "HOST:PORT with a port 0–65535, e.g. 127.0.0.1:7001");
  }
  return { host, port: Number(portText) };
}

function str(raw: Record<string, unknown>, key: string, flag: string): string {
  const value = raw[key];
  if (typeof value !== "string") fail(flag, String(value), "a value");
  return value;
}

function oneOf<const T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) fail(flag, value, allowed.join(" | "));
  return value as T;
}

function int(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    fail(flag, value, `an integer from ${min} to ${max}`);
  }
  return n;
}

function fail(flag: string, value: string, allowed: string): never {
  throw new NodeFlagError(`${flag} ${JSON.stringify(value)} is not valid: expected ${allowed}`);
}
