// A free port of 127.0.0.1 for a server that needs its port before it starts (a node, a
// PostgreSQL server, a link proxy's target): picked below Linux's ephemeral range (32768 …),
// because a port the kernel hands out for bind(0) may be taken by any outgoing connection before
// the server binds it.
import { createServer } from "node:net";

const HOST = "127.0.0.1";
const PORT_MIN = 20_000;
const PORT_SPAN = 12_000;
/** Ports handed out lately, not offered again so soon (two servers starting at once). */
const recentPorts = new Set<number>();

/** A port of 127.0.0.1 that was free a moment ago (a server that finds it taken gets another). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = PORT_MIN + Math.floor(Math.random() * PORT_SPAN);
    if (recentPorts.has(port) || !(await canBind(port))) continue;
    recentPorts.add(port);
    if (recentPorts.size > 256) recentPorts.delete(recentPorts.values().next().value!);
    return port;
  }
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}
