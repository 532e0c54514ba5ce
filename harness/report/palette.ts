// The report's fixed colours for op outcomes and op types (f), the same in every plot and table:
// outcomes are green / red / orange / grey (the timeline's bars), and each f keeps one colour of
// a palette that avoids those hues (the throughput lines, the latency points). Known fs always get
// the same colour; others take the next free one in order of appearance. Fault colours live with
// the fault kinds (fault-kinds.ts).

export const OUTCOMES = ["ok", "fail", "info", "pending"] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const OUTCOME_COLORS: Record<Outcome, string> = {
  ok: "#2da44e",
  fail: "#d1242f",
  info: "#e16f24",
  pending: "#8c959f",
};

/** Distinct on screen and for the common colour blindnesses; no green, red or orange. */
const F_PALETTE = [
  "#3a6ea5",
  "#8f5bb5",
  "#1b9aaa",
  "#8a6a3b",
  "#d4559b",
  "#5c6bc0",
  "#6d8b1f",
  "#b8860b",
  "#455a64",
  "#00897b",
];

const KNOWN_FS = ["read", "write", "cas", "add", "final-read", "append", "update"];

/** A colour for each f, in the order given; past the palette's end colours repeat. */
export function fColors(fs: readonly string[]): Record<string, string> {
  const colors: Record<string, string> = {};
  const taken = new Set<number>();
  for (const f of fs) {
    const known = KNOWN_FS.indexOf(f);
    if (known >= 0 && known < F_PALETTE.length) {
      colors[f] = F_PALETTE[known]!;
      taken.add(known);
    }
  }
  let next = 0;
  for (const f of fs) {
    if (colors[f] !== undefined) continue;
    while (taken.has(next % F_PALETTE.length) && taken.size < F_PALETTE.length) next++;
    taken.add(next % F_PALETTE.length);
    colors[f] = F_PALETTE[next % F_PALETTE.length]!;
    next++;
  }
  return colors;
}
