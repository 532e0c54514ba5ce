// The live progress of a run as one line: elapsed / limit, ops/s since the last line, ok / fail /
// info counts of the client ops, and the active fault; after the clients, the phase, their final
// counts and the final reads apart. Rewritten in place on a terminal, printed periodically
// otherwise (CI logs). Pure formatting plus a small ticker around it.
import { clientOpCounts, finalReadCount, type RunStatus } from "./run-status.js";

const PHASE_WORDS: Record<string, string> = {
  healing: "healing every fault",
  "final-reads": "final reads",
  checking: "checking",
  done: "done",
  interrupted: "interrupted",
};

export interface ProgressSample {
  atMs: number;
  completed: number;
}

/** The line for this status; `previous` (the last sample) gives the op rate. */
export function progressLine(
  status: RunStatus,
  nowMs: number,
  previous: ProgressSample | undefined,
): string {
  const { ok, fail, info } = status.counts;
  const completed = ok + fail + info;
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
  if (status.phase !== "running") {
    if (status.phase === "starting") return "starting the cluster…";
    const client = clientOpCounts(status);
    const finals = finalReadCount(status);
    const finalText = finals > 0 || status.phase === "final-reads" ? `  final reads ${finals}` : "";
    return (
      `${PHASE_WORDS[status.phase]}…  client ops: ok ${client.ok}  fail ${client.fail}  ` +
      `info ${client.info}${finalText}`
    );
  }
  const elapsedMs = Math.min(nowMs - (status.clientsStartedAtMs ?? nowMs), status.timeLimitMs);
  // Before the first sample, the rate is the average since the clients started.
  const since = previous ?? { atMs: status.clientsStartedAtMs ?? nowMs, completed: 0 };
  const rate =
    nowMs <= since.atMs ? 0 : ((completed - since.completed) * 1000) / (nowMs - since.atMs);
  const fault = status.activeFault === undefined ? "no fault" : status.activeFault;
  return `${seconds(elapsedMs)} / ${seconds(status.timeLimitMs)}  ${Math.round(rate)} ops/s  ok ${ok}  fail ${fail}  info ${info}  ${fault}`;
}

export interface ProgressTicker {
  stop(): void;
}

/** Renders the status every `intervalMs` to `stream`: in place on a TTY, as lines otherwise. */
export function startProgress(
  status: RunStatus,
  stream: NodeJS.WriteStream,
  intervalMs?: number,
): ProgressTicker {
  const tty = stream.isTTY === true;
  // The rate is over the last second or so (the oldest of the recent samples).
  const samples: ProgressSample[] = [];
  const tick = () => {
    const now = performance.now();
    const line = progressLine(status, now, samples[0]);
    const { ok, fail, info } = status.counts;
    samples.push({ atMs: now, completed: ok + fail + info });
    while (samples.length > 1 && now - samples[0]!.atMs > 1_000) samples.shift();
    // Some terminals (and `script`) report no width: then the line is not cut.
    const width = (stream.columns ?? 0) > 20 ? stream.columns - 1 : line.length;
    if (tty) stream.write(`\r\x1b[2K${line.slice(0, width)}`);
    else stream.write(`${line}\n`);
  };
  const timer = setInterval(tick, intervalMs ?? (tty ? 250 : 5_000));
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      if (tty) stream.write("\r\x1b[2K");
    },
  };
}
