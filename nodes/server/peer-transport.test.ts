// Peer messages: batched per event-loop turn, in order; an unreachable peer is logged once (and
// again when it recovers), its messages dropped, a refusal with its reason; a peer that never
// answers times out and its queue stays bounded.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { MESSAGES_PATH, PeerTransport } from "./peer-transport.js";

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** A peer that records each post's messages; `answer: false` accepts posts but never answers,
 * `refuse` answers every post 403 with that detail. */
async function fakePeer(answer = true, refuse?: string) {
  const posts: { from: string; msgs: { type: string; n: number }[] }[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      expect(req.url).toBe(MESSAGES_PATH);
      posts.push(JSON.parse(body));
      if (refuse !== undefined)
        res.writeHead(403).end(JSON.stringify({ error: "bad-request", detail: refuse }));
      else if (answer) res.writeHead(202).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(() => server.close());
  closers.push(() => server.closeAllConnections());
  return { posts, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function transport(peers: Record<string, string>, lines: string[], extra = {}) {
  // A post timeout no stall of a busy machine reaches, but in the test about it.
  const t = new PeerTransport("n1", peers, {
    timeoutMs: 5_000,
    log: (l) => lines.push(l),
    ...extra,
  });
  closers.push(() => t.close());
  return t;
}

async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("peer transport", () => {
  it("sends the messages of one turn in one post, in order", async () => {
    const peer = await fakePeer();
    const t = transport({ n2: peer.url }, []);
    for (let n = 0; n < 100; n++) t.send("n2", { type: "put", n });
    await until(() => peer.posts.flatMap((p) => p.msgs).length === 100);
    expect(peer.posts).toHaveLength(1);
    expect(peer.posts[0]!.from).toBe("n1");
    expect(peer.posts[0]!.msgs.map((m) => m.n)).toEqual([...Array(100).keys()]);
  });

  it("drops messages to an unreachable peer, logging once, and logs its return", async () => {
    const peer = await fakePeer();
    const port = Number(new URL(peer.url).port);
    await new Promise<void>((resolve) => peer.server.close(() => resolve()));
    const lines: string[] = [];
    const t = transport({ n2: peer.url }, lines);
    for (let i = 0; i < 5; i++) {
      t.send("n2", { type: "lost", n: i });
      await new Promise((r) => setTimeout(r, 20));
    }
    await until(() => lines.length > 0);
    expect(lines).toEqual([expect.stringMatching(/^peer n2 unreachable \(ECONNREFUSED\)/)]);
    await new Promise<void>((resolve) => peer.server.listen(port, "127.0.0.1", resolve));
    t.send("n2", { type: "found", n: 9 });
    await until(() => peer.posts.length > 0);
    expect(peer.posts.flatMap((p) => p.msgs)).toEqual([{ type: "found", n: 9 }]);
    await until(() => lines.length === 2);
    expect(lines[1]).toBe("peer n2 reachable again");
  });

  it("logs why a peer refused its messages", async () => {
    const peer = await fakePeer(true, '"from": n1 is not a peer of n2 (its peers: none yet)');
    const lines: string[] = [];
    transport({ n2: peer.url }, lines).send("n2", { type: "put", n: 1 });
    await until(() => lines.length > 0);
    expect(lines).toEqual([
      'peer n2 unreachable (HTTP 403: "from": n1 is not a peer of n2 (its peers: none yet)); ' +
        "messages to it are dropped until it answers",
    ]);
  });

  it("times out posts to a peer that never answers and bounds its queue", async () => {
    const peer = await fakePeer(false);
    const lines: string[] = [];
    const t = transport({ n2: peer.url }, lines, {
      timeoutMs: 300,
      postsInFlightMax: 1,
      queuedMax: 10,
      batchMax: 1,
    });
    for (let n = 0; n < 50; n++) t.send("n2", { type: "put", n });
    await until(() => lines.length > 0);
    expect(lines[0]).toMatch(/no answer in 300 ms/);
    // One post got out; ten waited; the rest were dropped — whatever the peer does later.
    await new Promise((r) => setTimeout(r, 100));
    const sent = peer.posts.flatMap((p) => p.msgs.map((m) => m.n));
    expect(sent[0]).toBe(0);
    expect(sent.every((n) => n <= 10)).toBe(true);
  });
});
