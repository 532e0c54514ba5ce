// A tiny stand-in for a system's node, for the runtime's own tests: it takes `faultline node`'s
// flags (`--id ID --listen 127.0.0.1:PORT --data-dir DIR [--peers ID=URL,…]`, the port chosen by
// the runtime), logs `listening <id> URL` to stderr, answers /health (the stand-in system's ready
// probe) and /admin/clock, keeps one value per key in a file of its data directory (to show a
// restart keeps data), and GET /peer/<id> asks a peer's /health through the peer URL it was given
// (to show a cut link). Plain JS: starts fast.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";

const argv = process.argv.slice(2);
const flag = (name) => {
  const i = argv.indexOf(name);
  return i === -1 ? undefined : argv[i + 1];
};
const id = flag("--id");
const [host, port] = (flag("--listen") ?? "").split(":");
const dataDir = flag("--data-dir");
if (!id || !host || !/^\d+$/.test(port ?? "") || !dataDir) {
  console.error(
    "usage: stand-in-node.mjs --id ID --listen HOST:PORT --data-dir DIR [--peers ID=URL,…]",
  );
  process.exit(254);
}
const peers = Object.fromEntries(
  (flag("--peers") ?? "")
    .split(",")
    .filter(Boolean)
    .map((entry) => entry.split("=")),
);
let clockOffsetMs = 0;

if (argv.includes("--exit-with-parent")) {
  process.stdin.on("end", () => process.exit(0));
  process.stdin.resume();
}
process.on("SIGTERM", () => {
  console.error(`${id} SIGTERM`);
  process.exit(0);
});
mkdirSync(dataDir, { recursive: true });

function reply(res, status, body) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

async function handle(req, res, body) {
  const url = new URL(req.url, "http://x");
  const [, first, second] = url.pathname.split("/");
  if (first === "health") return reply(res, 200, { node: id, role: "peer" });
  if (first === "admin" && second === "clock" && req.method === "POST") {
    clockOffsetMs = JSON.parse(body).offsetMs;
    return reply(res, 200, { offsetMs: clockOffsetMs });
  }
  if (first === "admin" && second === "clock") return reply(res, 200, { offsetMs: clockOffsetMs });
  if (first === "kv" && req.method === "PUT") {
    writeFileSync(join(dataDir, second), body);
    return reply(res, 200, { context: "" });
  }
  if (first === "kv") {
    let values = [];
    try {
      values = [JSON.parse(readFileSync(join(dataDir, second), "utf8")).value];
    } catch {}
    return reply(res, 200, { values, context: "" });
  }
  if (first === "peer") {
    const timeoutMs = Number(url.searchParams.get("timeoutMs") ?? 5000);
    try {
      const answer = await fetch(`${peers[second]}/health`, {
        signal: AbortSignal.timeout(timeoutMs),
      });
      return reply(res, 200, await answer.json());
    } catch (err) {
      return reply(res, 504, { error: "timeout", detail: String(err?.cause ?? err) });
    }
  }
  reply(res, 404, { error: "bad-request", detail: req.url });
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => handle(req, res, Buffer.concat(chunks).toString("utf8")));
});
server.on("error", (err) => {
  console.error(`${id} ${err.code ?? ""} ${err.message}`);
  process.exit(1);
});
server.listen(Number(port), host, () => {
  console.error(`listening ${id} http://${host}:${server.address().port}`);
});
