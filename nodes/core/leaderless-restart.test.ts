// The leaderless build across a restart that loses the log's tail, boot record included (fsync
// never + kill -9): the start count repeats, yet a late answer to a request of the previous start
// never completes a request of the new one (request ids carry the start's wall time).
import { describe, expect, it } from "vitest";
import { type Json, type Message, STRATEGIES, type Strategy } from "./replica.js";
import { SimNetwork } from "./sim-network.js";

/** A client request as the simulator takes it. */
type Request = Parameters<SimNetwork["submit"]>[1];

/** A cluster where peers' answers to n1 take `answerMs` (1 until a test slows them). */
function cluster(strategy: Strategy) {
  const answers = { answerMs: 1, atMs: [] as number[] };
  const s: SimNetwork = new SimNetwork({
    build: "leaderless",
    strategy,
    checkReplay: true,
    config: { w: 2, r: 2, antiEntropyIntervalMs: 0 },
    latencyMs: (_from, to, msg: Message) => {
      if (to !== "n1" || (msg.type !== "put-ack" && msg.type !== "get-reply")) return 1;
      answers.atMs.push(s.nowMs + answers.answerMs);
      return answers.answerMs;
    },
  });
  return { s, answers };
}

function boots(s: SimNetwork): number[] {
  const log: Json[] = s.logs.get("n1")!;
  return log.filter((r) => (r as { t?: string }).t === "boot").map((r) => (r as { n: number }).n);
}

/**
 * n1 sends `old`, the first request of its current start; its peers answer in 50ms. n1 restarts
 * meanwhile, losing every record of that start (its boot record too), and sends `next`, whose own
 * answers come after its timeout. Runs until the old answers have reached n1; returns next's id.
 */
function lateAnswers(
  { s, answers }: ReturnType<typeof cluster>,
  old: Request,
  next: Request,
  startCount: number,
): number {
  const before = s.logs.get("n1")!.length;
  answers.answerMs = 50;
  answers.atMs.length = 0;
  const oldReq = s.submit("n1", old);
  expect(boots(s)).toHaveLength(startCount);
  s.run(2); // the peers have the request and answer it slowly
  expect(answers.atMs).toHaveLength(2);
  expect(s.reply(oldReq)).toBeUndefined();
  s.restart("n1", s.logs.get("n1")!.length - before);
  answers.answerMs = 1_000;
  const req = s.submit("n1", next);
  // The start count repeats: the new start persisted the same boot record again.
  expect(boots(s)).toHaveLength(startCount);
  expect(Math.min(...answers.atMs.slice(0, 2))).toBeGreaterThan(s.nowMs);
  s.run(Math.max(...answers.atMs.slice(0, 2)) + 1 - s.nowMs);
  return req;
}

describe.each(STRATEGIES)("leaderless %s: a restart that lost its boot record", (strategy) => {
  it("a late put-ack of the previous start does not acknowledge a new write", () => {
    const c = cluster(strategy);
    // n1's first step persists boot 1 and the key: the restart loses both.
    const req = lateAnswers(
      c,
      { kind: "put", key: "k", value: "old" },
      { kind: "put", key: "k", value: "new" },
      1,
    );
    expect(c.s.reply(req)).toBeUndefined();
    c.s.run(300);
    expect(c.s.reply(req)?.status).toBe(504);
  });

  it("a late get-reply of the previous start does not answer a new read", () => {
    const c = cluster(strategy);
    expect(c.s.put("n2", "x", "x-value").status).toBe(200);
    c.s.run(20);
    expect(c.s.dump("n1").x?.values).toEqual(["x-value"]);
    c.s.restart("n1"); // start 2 begins with n1's next step: the read below
    const req = lateAnswers(c, { kind: "get", key: "x" }, { kind: "get", key: "y" }, 2);
    // Taking x's state as y's would answer the read of y with x's value.
    expect(c.s.reply(req)).toBeUndefined();
    c.s.run(300);
    expect(c.s.reply(req)).toMatchObject({ status: 503 });
  });
});
