// What validating peer messages and client contexts costs the leaderless core (siblings): µs per
// message for the shell's checkMessage and for step, on replica traffic as a 3-node cluster makes
// it (a put of a key's state; a "states" batch of anti-entropy with 100 keys), and µs per client
// write carrying a read's context. In-process, no I/O: the core's own CPU only.
import { performance } from "node:perf_hooks";
import { createReplica } from "../nodes/core/create-replica.js";
import type { Json, Message, Replica, ReplyBody } from "../nodes/core/replica.js";

const ROUNDS = Number(process.env.BENCH_LEADERLESS_ROUNDS ?? 20_000);
const CLOCK = { monoMs: 1, wallMs: 1_700_000_000_000 };

function replica(): Replica {
  const r = createReplica(
    {
      id: "n1",
      nodes: ["n1", "n2", "n3"],
      build: "leaderless",
      strategy: "siblings",
      acks: "one",
      w: 1,
      r: 1,
      readRepair: true,
      antiEntropyIntervalMs: 0,
      requestTimeoutMs: 1000,
      seed: 1,
    },
    [],
  );
  r.step({ kind: "tick" }, CLOCK);
  return r;
}

/** A key's state as n2 and n3 write it: two siblings of starts of known nodes. */
function state(i: number): Json {
  return [
    ["n2.1.mabc", i + 1, [{ cart: [i, i + 1] }]],
    ["n3.2.mabd", i + 2, [{ cart: [i] }]],
  ];
}

function microsPer(rounds: number, run: (i: number) => void): number {
  for (let i = 0; i < Math.min(1000, rounds); i++) run(i);
  const start = performance.now();
  for (let i = 0; i < rounds; i++) run(i);
  return ((performance.now() - start) * 1000) / rounds;
}

export default async function benchLeaderlessMessages(): Promise<void> {
  const put = (i: number): Message => ({
    type: "put",
    id: `n2.1.mabc/${i}`,
    key: `k${i % 100}`,
    state: state(i),
  });
  // A fresh batch each time, as each arrives parsed from its own request body.
  const states = (): Message => ({
    type: "states",
    states: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, state(i)])),
  });
  const rows: [string, number][] = [];
  const r = replica();
  // As the HTTP shell does: check a message, then step it (a core without checkMessage: step).
  const receive = (msg: Message) => {
    if (r.checkMessage?.("n2", msg) === undefined)
      r.step({ kind: "receive", from: "n2", msg }, CLOCK);
  };
  rows.push(["put: check + step", microsPer(ROUNDS, (i) => receive(put(i)))]);
  const batches = Math.max(1, Math.floor(ROUNDS / 100));
  rows.push(["states ×100 keys: check + step", microsPer(batches, () => receive(states()))]);
  let context: string | undefined;
  rows.push([
    "client put with a read's context",
    microsPer(ROUNDS, (i) => {
      const effects = r.step({ kind: "put", req: i, key: "hot", value: i, context }, CLOCK);
      const reply = effects.find((e) => e.kind === "reply");
      context =
        reply && "context" in reply.body
          ? (reply.body as ReplyBody & { context: string }).context
          : context;
    }),
  ]);
  console.log(`${ROUNDS} rounds (states: ${batches} batches); core CPU only, µs per operation`);
  for (const [what, us] of rows)
    console.log(`  ${what.padEnd(36)} ${us.toFixed(2).padStart(8)} µs`);
}
