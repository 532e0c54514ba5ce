// Every fault kind the report knows, in ONE table keyed by the nemesis op `f` that starts it:
// the step that ends it, the words and the colour the page uses for it. A kind missing here
// (a new nemesis) still shows, with its own f as label and the neutral colour. The page reads
// these through the report's data, so report.js and report.css hold no table of their own.

export interface FaultKind {
  /** What the page calls it. */
  label: string;
  /** The nemesis f that ends it; heal-all ends every kind. */
  stop?: string;
  /** "healed at 4.2 s", "restarted at 7.9 s": the verb of its end. */
  ended: string;
  /** Fixed colour (lane, key, swatch); its shade behind the plots is this, faint. */
  color: string;
}

export const FAULT_KINDS = {
  partition: { label: "partition", stop: "heal", ended: "healed", color: "#3b6fd8" },
  kill: { label: "kill", stop: "restart", ended: "restarted", color: "#3d4147" },
  pause: { label: "pause", stop: "resume", ended: "resumed", color: "#8a46b0" },
  clock: { label: "clock skew", stop: "clock-reset", ended: "reset", color: "#b08600" },
} satisfies Record<string, FaultKind>;

/** The final heal, which ends every fault: drawn as a dashed line. */
export const HEAL_ALL = "heal-all";
export const HEAL_ALL_LABEL = "final heal";

const NEUTRAL = "#6e7781";

export function faultKind(f: string): FaultKind {
  return (
    (FAULT_KINDS as Record<string, FaultKind>)[f] ?? { label: f, ended: "ended", color: NEUTRAL }
  );
}

/** The kind a stop step ends ("heal" → "partition"), if any. */
export function kindStoppedBy(f: string): string | undefined {
  for (const [kind, style] of Object.entries(FAULT_KINDS) as [string, FaultKind][]) {
    if (style.stop === f) return kind;
  }
  return undefined;
}

/** Whether `f` starts a fault (a known kind, or a step of an unknown kind that has a stop). */
export function startsFault(f: string): boolean {
  return f in FAULT_KINDS;
}
