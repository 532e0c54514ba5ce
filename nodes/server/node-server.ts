// The HTTP shell around one replica: node:http (HTTP/1.1 keep-alive, JSON), the durable log, the
// clock and the tick timer. It feeds requests, peer messages and ticks to the pure core and
// performs its effects in order; a reply or send waits until every record persisted before it
// is durable (group-committed), so nothing acknowledged with fsync "always" is lost on SIGKILL.
import { mkdir } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type {
  Effect,
  Input,
  Message,
  Replica,
  ReplicaFactory,
  ReplyBody,
} from "../core/replica.js";
import { type NodeOptions, nodeDefaults } from "../node-options.js";
import { openAppendLog } from "./append-log.js";
import {
  BadRequest,
  parseClockBody,
  parseJsonBody,
  parseMessagesBody,
  parsePeersBody,
  parsePutBody,
  type Route,
  routeRequest,
} from "./api-request.js";
import { metaRecord, recoverMeta } from "./log-meta.js";
import { NodeClock } from "./node-clock.js";
import { PeerTransport } from "./peer-transport.js";

export interface NodeServerDeps {
  createReplica: ReplicaFactory;
  /** One event a line (the caller adds the node id and the destination). */
  log: (line: string) => void;
  /** The log failed (disk error): the node can make nothing durable any more and should exit. */
  onFatal?: (err: Error) => void;
  tickIntervalMs?: number;
  /** Largest client request body; larger ones get 413. */
  bodyBytesMax?: number;
  /** fsync "never": how long records may sit in memory before being written. */
  writeBehindMs?: number;
  /** HTTP: how long a request's headers may take to arrive (a slowloris is cut off after it). */
  headersTimeoutMs?: number;
  /** HTTP: how long a whole request (headers and body) may take to arrive. */
  httpRequestTimeoutMs?: number;
}

export interface NodeServer extends AsyncDisposable {
  /** "http://HOST:PORT" with the real port. */
  readonly url: string;
  readonly port: number;
  readonly replica: Replica;
  /** Stops serving, performs what the durable log releases, flushes and closes it. Idempotent. */
  close(): Promise<void>;
}

const BODY_BYTES_MAX = 1024 * 1024;
// A client sending its request a byte at a time (slowloris) must not hold a connection forever.
const HEADERS_TIMEOUT_MS = 10_000;
/** A 64 MiB peer batch over loopback or a LAN takes well under this. */
const HTTP_REQUEST_TIMEOUT_MS = 60_000;
// Longer than a client's idle keep-alive socket lives, so the client, not the server, closes an
// idle connection: no request is sent on a socket the server is closing.
const KEEP_ALIVE_TIMEOUT_MS = 65_000;
/** Peer batches carry anti-entropy state and may be far larger than a client request. */
const PEER_BODY_BYTES_MAX = 64 * 1024 * 1024;

/** The log file of node `id` in `dataDir`. */
export function logPath(dataDir: string, id: string): string {
  return join(dataDir, `${id}.wal`);
}

interface Pending {
  res: http.ServerResponse;
  timer: NodeJS.Timeout;
}

export async function startNodeServer(
  options: NodeOptions,
  deps: NodeServerDeps,
): Promise<NodeServer> {
  const { id } = options;
  const log = deps.log;
  await mkdir(options.dataDir, { recursive: true });
  // Replies and sends released by the log, in the order the core produced them.
  const waiting: { seq: number; perform: () => void }[] = [];
  const release = (durableSeq: number): void => {
    while (waiting.length > 0 && waiting[0]!.seq <= durableSeq) waiting.shift()!.perform();
  };
  const path = logPath(options.dataDir, id);
  const opened = await openAppendLog(path, {
    fsync: options.fsync,
    writeBehindMs: deps.writeBehindMs ?? 200,
    onDurable: release,
    onError: (err) => {
      log(`fatal: ${err.message}`);
      deps.onFatal?.(err);
    },
  });
  const wal = opened.log;
  let recovered: ReturnType<typeof recoverMeta>;
  try {
    recovered = recoverMeta(opened.records, options, { dataDir: options.dataDir, logPath: path });
  } catch (err) {
    await wal.close();
    throw err;
  }
  // A new log says first who writes it (before the core's own first record).
  if (opened.records.length === 0) wal.append(metaRecord(options));
  const torn = opened.tornTail
    ? `; dropped a torn last record (${opened.tornTail.bytes} bytes at offset ${opened.tornTail.offset})`
    : "";
  log(`recovered ${recovered.records.length} records from ${path}${torn}`);

  let nodes = [id, ...Object.keys(options.peers)].sort();
  let replica: Replica;
  try {
    replica = deps.createReplica(
      {
        id,
        nodes,
        build: options.build,
        strategy: options.strategy,
        ...(options.leader === undefined ? {} : { leader: options.leader }),
        ...(options.alone ? { alone: true } : {}),
        acks: options.acks,
        electionTimeoutMs: options.electionTimeoutMs ?? nodeDefaults.electionTimeoutMs,
        w: options.w,
        r: options.r,
        readRepair: options.readRepair,
        antiEntropyIntervalMs: options.antiEntropyIntervalMs,
        requestTimeoutMs: options.requestTimeoutMs,
        seed: options.seed,
      },
      recovered.records,
    );
  } catch (err) {
    await wal.close();
    const why = err instanceof Error ? err.message : String(err);
    // Without a meta record the log may well be another build's: say so, not just what broke.
    const hint = recovered.meta
      ? ""
      : " (the log does not say which build and strategy wrote it: if another one did, give " +
        "this node a fresh --data-dir)";
    throw new Error(`cannot recover ${path}: ${why}${hint}`, { cause: err });
  }

  const clock = new NodeClock();
  const transport = new PeerTransport(id, options.peers, {
    timeoutMs: Math.max(200, Math.min(options.requestTimeoutMs, 2000)),
    log,
  });
  const pending = new Map<number, Pending>();
  let nextReq = 1;
  // A core that never answers a request is a bug; the client still gets an (indeterminate) answer.
  const replyDeadlineMs = 2 * options.requestTimeoutMs + 1000;

  const reply = (req: number, status: number, body: ReplyBody): void => {
    const p = pending.get(req);
    if (!p) return; // already answered by the deadline, or the client is gone
    pending.delete(req);
    clearTimeout(p.timer);
    sendJson(p.res, status, body);
  };

  // Everything persisted so far must be durable before an answer or a message leaves (a read
  // must not show what a crash could take back), and they leave in order: none overtakes here
  // (peer-transport.ts, with several posts in flight, may still reorder messages on the way).
  const afterDurable = (action: () => void): void => {
    const seq = wal.appendedSeq;
    if (waiting.length === 0 && wal.durableSeq >= seq) action();
    else waiting.push({ seq, perform: action });
  };

  const perform = (effects: Effect[]): void => {
    for (const effect of effects) {
      if (effect.kind === "persist") {
        wal.append(effect.record);
        continue;
      }
      if (effect.kind === "log") {
        log(effect.line);
        continue;
      }
      const action =
        effect.kind === "reply"
          ? () => reply(effect.req, effect.status, effect.body)
          : () => transport.send(effect.to, effect.msg);
      afterDurable(action);
    }
  };

  const step = (input: Input): boolean => {
    let effects: Effect[];
    try {
      effects = replica.step(input, clock.now());
    } catch (err) {
      log(
        `core error on ${input.kind}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      );
      return false;
    }
    perform(effects);
    return true;
  };

  const clientRequest = (res: http.ServerResponse, input: (req: number) => Input): void => {
    const req = nextReq++;
    const timer = setTimeout(
      () =>
        reply(req, 504, {
          error: "timeout",
          detail: `the replica did not answer in ${replyDeadlineMs} ms`,
        }),
      replyDeadlineMs,
    );
    pending.set(req, { res, timer });
    if (!step(input(req))) {
      pending.delete(req);
      clearTimeout(timer);
      sendJson(res, 500, {
        error: "internal",
        detail: "the replica failed on this request (see the node log)",
      });
    }
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    let route: Route;
    try {
      route = routeRequest(req.method ?? "", req.url ?? "/", nodes.length);
    } catch (err) {
      req.resume();
      return sendError(res, err);
    }
    const limit =
      route.kind === "messages" ? PEER_BODY_BYTES_MAX : (deps.bodyBytesMax ?? BODY_BYTES_MAX);
    let body: Buffer;
    try {
      body = await readBody(req, limit);
    } catch (err) {
      return sendError(res, err);
    }
    try {
      switch (route.kind) {
        case "get":
          if (body.length > 0) throw new BadRequest(400, "GET /kv/{key} takes no body");
          return clientRequest(res, (r) => ({
            kind: "get",
            req: r,
            key: route.key,
            ...(route.r ? { r: route.r } : {}),
          }));
        case "put": {
          const put = parsePutBody(parseJsonBody(body));
          return clientRequest(res, (r) => ({
            kind: "put",
            req: r,
            key: route.key,
            ...put,
            ...(route.w ? { w: route.w } : {}),
          }));
        }
        case "dump": {
          // The state now, sent once everything it reflects is durable.
          const dump = { node: id, keys: replica.dump() };
          return afterDurable(() => sendJson(res, 200, dump));
        }
        case "health":
          return sendJson(res, 200, { node: id, role: replica.role(), ...replica.health?.() });
        case "clock": {
          clock.offsetMs = parseClockBody(parseJsonBody(body));
          log(`clock offset set to ${clock.offsetMs} ms`);
          return sendJson(res, 200, { node: id, offsetMs: clock.offsetMs });
        }
        case "peers": {
          const peers = parsePeersBody(parseJsonBody(body), id);
          transport.setPeers(peers);
          nodes = [id, ...Object.keys(peers)].sort();
          log(
            `peers set: ${
              Object.entries(peers)
                .map(([p, url]) => `${p}=${url}`)
                .join(",") || "(none)"
            }`,
          );
          step({ kind: "peers", nodes });
          return sendJson(res, 200, { node: id, peers });
        }
        case "messages": {
          const { from, msgs } = parseMessagesBody(parseJsonBody(body));
          checkMessages(replica, from, msgs, nodes, id);
          sendJson(res, 202, { accepted: msgs.length });
          for (const msg of msgs) step({ kind: "receive", from, msg });
          return;
        }
      }
    } catch (err) {
      return sendError(res, err);
    }
  };

  const headersTimeout = deps.headersTimeoutMs ?? HEADERS_TIMEOUT_MS;
  const requestTimeout = Math.max(
    headersTimeout,
    deps.httpRequestTimeoutMs ?? HTTP_REQUEST_TIMEOUT_MS,
  );
  const httpTimeouts = {
    headersTimeout,
    requestTimeout,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    // Node checks these timeouts only this often (30 s by default).
    connectionsCheckingInterval: Math.min(1000, Math.ceil(headersTimeout / 4)),
  };
  const server = http.createServer(httpTimeouts, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      log(
        `internal error on ${req.method} ${req.url}: ${err instanceof Error ? err.message : String(err)}`,
      );
      if (!res.headersSent) sendJson(res, 500, { error: "internal", detail: "see the node log" });
    });
  });
  // An Expect header other than 100-continue: node would answer an empty 417.
  server.on("checkExpectation", (req: http.IncomingMessage, res: http.ServerResponse) => {
    req.resume();
    const detail = `unsupported Expect header ${JSON.stringify(req.headers.expect)}`;
    sendJson(res, 417, { error: "bad-request", detail }, { connection: "close" });
  });
  // Malformed HTTP (a bad request line, oversized headers) or a request too slow to arrive: still
  // a JSON answer, then close.
  server.on("clientError", (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable || (err.code === "ECONNRESET" && !socket.readable))
      return socket.destroy();
    const slow = err.code === "ERR_HTTP_REQUEST_TIMEOUT";
    const status = slow ? 408 : err.code === "HPE_HEADER_OVERFLOW" ? 431 : 400;
    const body = JSON.stringify({
      error: "bad-request",
      detail: slow
        ? `the request did not arrive in time (headers within ${headersTimeout} ms, all of it within ${requestTimeout} ms)`
        : `malformed HTTP request (${err.code ?? err.message})`,
    });
    socket.end(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/json\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.listen.port, options.listen.host, () => {
      server.off("error", reject);
      resolve();
    });
  }).catch(async (err: unknown) => {
    transport.close();
    await wal.close();
    throw err;
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.listen.host.includes(":") ? `[${options.listen.host}]` : options.listen.host;
  const url = `http://${host}:${port}`;

  const ticker = setInterval(() => step({ kind: "tick" }), deps.tickIntervalMs ?? 25);

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      clearInterval(ticker);
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Answers waiting for the disk go out once the log is flushed; then drop every connection.
      await wal.close().catch((err: unknown) => log(`closing the log failed: ${String(err)}`));
      for (const p of pending.values()) clearTimeout(p.timer);
      server.closeAllConnections();
      transport.close();
      await stopped;
    })();
    return closing;
  };

  return { url, port, replica, close, [Symbol.asyncDispose]: close };
}

/**
 * Replica traffic is accepted only from the configured peers (403 otherwise), and only when the
 * core takes every message of the batch (400 naming the first one it does not): nothing of a
 * refused batch reaches the replica.
 */
function checkMessages(
  replica: Replica,
  from: string,
  msgs: readonly Message[],
  nodes: readonly string[],
  self: string,
): void {
  if (from === self || !nodes.includes(from)) {
    const peers = nodes.filter((n) => n !== self).join(", ") || "none yet";
    throw new BadRequest(403, `"from": ${from} is not a peer of ${self} (its peers: ${peers})`);
  }
  for (const [i, msg] of msgs.entries()) {
    const problem = replica.checkMessage?.(from, msg);
    if (problem !== undefined) {
      throw new BadRequest(400, `body: msgs[${i}] (${clip(msg.type)}): ${problem}`);
    }
  }
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) {
    req.resume();
    return Promise.reject(new BadRequest(413, `body: ${declared} bytes, at most ${limit} allowed`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners("data");
        req.resume();
        reject(new BadRequest(413, `body: more than ${limit} bytes`));
      } else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function sendError(res: http.ServerResponse, err: unknown): void {
  if (!(err instanceof BadRequest)) throw err;
  const headers: http.OutgoingHttpHeaders = {};
  if (err.allow) headers.allow = err.allow.join(", ");
  // An unread body (413) would otherwise be parsed as the next request on this connection.
  if (err.status === 413) headers.connection = "close";
  sendJson(res, err.status, { error: "bad-request", detail: err.message }, headers);
}

function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: http.OutgoingHttpHeaders = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}
