// Real `faultline node` processes for the node's end-to-end tests and benchmark (the harness has
// its own runtimes; nodes/ does not import them). Nodes start on port 0 with --exit-with-parent,
// so they die with the test process even when it is SIGKILLed; a cluster learns its peers
// through POST /admin/peers. Every process is ended by its pid.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { NodeId } from "../core/replica.js";
import { type NodeOptions, nodeArgs, nodeDefaults } from "../node-options.js";
import { request } from "./test-http-client.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** `faultline node …` (the CLI) or the standalone node-main.ts. */
export type NodeEntry = "cli" | "main";

export interface SpawnedNode {
  readonly id: NodeId;
  readonly url: string;
  readonly port: number;
  readonly options: NodeOptions;
  readonly child: ChildProcess;
  /** Everything the node wrote to stderr so far. */
  stderr(): string;
  /** SIGKILL, resolved once the process is gone. */
  kill9(): Promise<void>;
  /** SIGTERM, resolved with the exit code once the process is gone. */
  stop(): Promise<number | null>;
}

export function entryArgs(entry: NodeEntry): string[] {
  return entry === "cli"
    ? [`${ROOT}bin/faultline.js`, "node"]
    : [`${ROOT}bin/run-ts.js`, `${ROOT}nodes/server/node-main.ts`];
}

export async function spawnNode(
  options: NodeOptions,
  entry: NodeEntry = "cli",
): Promise<SpawnedNode> {
  const child = spawn(
    process.execPath,
    [...entryArgs(entry), ...nodeArgs(options), "--exit-with-parent"],
    {
      cwd: ROOT,
      stdio: ["pipe", "ignore", "pipe"],
    },
  );
  let stderr = "";
  child.stderr!.setEncoding("utf8");
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(`did not print "listening" within 20 s`), 20_000);
    const fail = (why: string): void => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(`node ${options.id} ${why}; stderr:\n${stderr}`));
    };
    child.stderr!.on("data", (chunk: string) => {
      stderr += chunk;
      const match = new RegExp(`^listening ${options.id} (http://\\S+)$`, "m").exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once("exit", (code) => fail(`exited with code ${code} before listening`));
  });
  const kill = async (signal: NodeJS.Signals): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  return {
    id: options.id,
    url,
    port: Number(new URL(url).port),
    options,
    child,
    stderr: () => stderr,
    kill9: async () => void (await kill("SIGKILL")),
    stop: () => kill("SIGTERM"),
  };
}

export interface ClusterSpec {
  ids: readonly NodeId[];
  dataRoot: string;
  node: Partial<Omit<NodeOptions, "id" | "listen" | "peers" | "dataDir">> &
    Pick<NodeOptions, "build" | "strategy">;
  entry?: NodeEntry;
}

/** What GET /health answers. */
export interface NodeHealth {
  node: NodeId;
  role: string;
  term?: number;
  leader?: NodeId | null;
}

export async function health(node: SpawnedNode): Promise<NodeHealth | undefined> {
  const answer = await request(node.url, "GET", "/health", { timeoutMs: 1000 }).catch(
    () => undefined,
  );
  return answer?.status === 200 ? (answer.json as NodeHealth) : undefined;
}

/**
 * Leader build: waits until one of `nodes` leads (in a term newer than `afterTerm`) and every
 * other one of them follows it; returns the leader.
 */
export async function awaitLeader(
  nodes: readonly SpawnedNode[],
  { timeoutMs = 10_000, afterTerm = 0, pollMs = 20 } = {},
): Promise<SpawnedNode> {
  const deadline = Date.now() + timeoutMs;
  let last: (NodeHealth | undefined)[] = [];
  while (Date.now() < deadline) {
    last = await Promise.all(nodes.map(health));
    const leader = last.find((h) => h?.role === "leader" && (h.term ?? 0) > afterTerm);
    if (
      leader !== undefined &&
      last.every((h) => h?.leader === leader.node && h.term === leader.term)
    )
      return nodes.find((n) => n.id === leader.node)!;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  throw new Error(`no leader within ${timeoutMs} ms: ${JSON.stringify(last)}`);
}

/** Starts every node on a free port, then tells each its peers (and waits for a leader). */
export async function spawnCluster(spec: ClusterSpec): Promise<SpawnedNode[]> {
  const nodes = await Promise.all(
    spec.ids.map((id) => spawnNode(clusterNodeOptions(spec, id, 0, {}), spec.entry)),
  );
  const peers = Object.fromEntries(nodes.map((n) => [n.id, n.url]));
  await Promise.all(
    nodes.map(async (n) => {
      const answer = await request(n.url, "POST", "/admin/peers", {
        body: JSON.stringify({ peers }),
      });
      if (answer.status !== 200)
        throw new Error(`${n.id}: POST /admin/peers → ${answer.status} ${answer.text}`);
    }),
  );
  if (spec.node.build === "leader") await awaitLeader(nodes);
  return nodes;
}

/** Restarts a stopped or killed cluster member on its old port and data, peers given as flags. */
export function restartNode(
  spec: ClusterSpec,
  old: SpawnedNode,
  cluster: readonly SpawnedNode[],
): Promise<SpawnedNode> {
  const peers = Object.fromEntries(
    cluster.filter((n) => n.id !== old.id).map((n) => [n.id, n.url]),
  );
  return spawnNode(clusterNodeOptions(spec, old.id, old.port, peers), spec.entry);
}

function clusterNodeOptions(
  spec: ClusterSpec,
  id: NodeId,
  port: number,
  peers: Record<NodeId, string>,
): NodeOptions {
  return {
    ...nodeDefaults,
    ...spec.node,
    id,
    listen: { host: "127.0.0.1", port },
    peers,
    dataDir: `${spec.dataRoot}/${id}`,
  };
}

/** Stops every node still running (SIGKILL: tests do not need a clean stop). */
export async function killAll(nodes: Iterable<SpawnedNode>): Promise<void> {
  await Promise.all([...nodes].map((n) => n.kill9()));
}

/** Retries `check` until it passes or `timeoutMs` passes (then its last failure is thrown). */
export async function eventually<T>(timeoutMs: number, check: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
