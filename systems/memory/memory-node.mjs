// The memory system's node: a plain-JS HTTP process (it starts in tens of milliseconds) that holds
// its keys in memory only, so a kill loses every one of them. A write is applied here with a
// Lamport stamp [counter, node] and pushed to every peer in the background through the address
// the harness gave (a link proxy: partitions cut it); a peer keeps the higher stamp (last write
// wins). `ifStamp` makes a write conditional on this node's current stamp (409 otherwise).
//   node memory-node.mjs --id n1 --port 7001 [--peers n2=127.0.0.1:7002,…] [--exit-with-parent]
import { createServer, request } from "node:http";

const argv = process.argv.slice(2);
const flag = (name) => {
  const at = argv.indexOf(name);
  return at === -1 ? undefined : argv[at + 1];
};
const id = flag("--id");
const port = Number(flag("--port"));
const peers = (flag("--peers") ?? "")
  .split(",")
  .filter(Boolean)
  .map((entry) => entry.split("=")[1]);
if (!id || !Number.isInteger(port)) {
  console.error("usage: memory-node.mjs --id ID --port PORT [--peers ID=HOST:PORT,…]");
  process.exit(254);
}
if (argv.includes("--exit-with-parent")) {
  process.stdin.on("end", () => process.exit(0));
  process.stdin.resume();
}

/** key → { value, stamp: [counter, node] } */
const keys = new Map();
let counter = 0;
const newer = (a, b) => b === undefined || a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);
const sameStamp = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function push(key, entry) {
  const body = JSON.stringify({ key, ...entry });
  for (const address of peers) {
    const [host, peerPort] = address.split(":");
    const req = request({ host, port: Number(peerPort), path: "/replicate", method: "POST" });
    req.setTimeout(1000, () => req.destroy());
    req.on("error", () => {});
    req.on("response", (res) => res.resume());
    req.end(body);
  }
}

function send(res, status, body) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString("utf8") || "null"));
      } catch {
        resolve(undefined);
      }
    });
  });
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? "/", "http://node");
  const key = url.pathname.startsWith("/kv/") ? decodeURIComponent(url.pathname.slice(4)) : "";
  if (req.method === "GET" && url.pathname === "/health") return send(res, 200, { node: id });
  if (req.method === "GET" && url.pathname === "/dump")
    return send(res, 200, { node: id, keys: Object.fromEntries(keys) });
  if (req.method === "GET" && key !== "") {
    const entry = keys.get(key);
    return send(res, 200, { value: entry?.value ?? null, stamp: entry?.stamp ?? null });
  }
  const body = await readBody(req);
  if (typeof body !== "object" || body === null) return send(res, 400, { error: "bad-request" });
  if (req.method === "PUT" && key !== "") {
    const current = keys.get(key);
    if ("ifStamp" in body && !sameStamp(body.ifStamp, current?.stamp))
      return send(res, 409, { error: "stale-stamp", stamp: current?.stamp ?? null });
    counter = Math.max(counter, current?.stamp[0] ?? 0) + 1;
    const entry = { value: body.value, stamp: [counter, id] };
    keys.set(key, entry);
    push(key, entry);
    return send(res, 200, { stamp: entry.stamp });
  }
  if (req.method === "POST" && url.pathname === "/replicate") {
    const { key: pushed, value, stamp } = body;
    counter = Math.max(counter, Array.isArray(stamp) ? stamp[0] : 0);
    if (typeof pushed === "string" && Array.isArray(stamp) && newer(stamp, keys.get(pushed)?.stamp))
      keys.set(pushed, { value, stamp });
    return send(res, 202, {});
  }
  return send(res, 404, { error: "no-route" });
});
server.listen(port, "127.0.0.1", () => console.error(`listening ${id} 127.0.0.1:${port}`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
