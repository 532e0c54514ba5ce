// Every fault kind the report knows, keyed by the nemesis op `f` that starts it, read from the
// fault bundles' own report fields (harness/nemesis/nemeses.ts): the step that ends it, the words
// and the colour the page uses for it. A kind missing there (another tool's history) still
// shows, with its own f as label and the neutral colour. The page reads these through the
// report's data, so report.js and report.css hold no table of their own.
import { nemeses } from "../nemesis/nemeses.js";

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

export const FAULT_KINDS: Readonly<Record<string, FaultKind>> = Object.fromEntries(
  Object.values(nemeses).map(({ report }) => [
    report.ops.start,
    { label: report.label, stop: report.ops.stop, ended: report.ended, color: report.colour },
  ]),
);

/** The final heal, which ends every fault: drawn as a dashed line. */
export const HEAL_ALL = "heal-all";
export const HEAL_ALL_LABEL = "final heal";

const NEUTRAL = "#6e7781";

export function faultKind(f: string): FaultKind {
  return FAULT_KINDS[f] ?? { label: f, ended: "ended", color: NEUTRAL };
}

/** The kind a stop step ends ("heal" → "partition"), if any. */
export function kindStoppedBy(f: string): string | undefined {
  for (const [kind, style] of Object.entries(FAULT_KINDS)) {
    if (style.stop === f) return kind;
  }
  return undefined;
}

/** Whether `f` starts a fault (a known kind, or a step of an unknown kind that has a stop). */
export function startsFault(f: string): boolean {
  return f in FAULT_KINDS;
}
