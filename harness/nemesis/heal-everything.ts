// The final heal before the final reads, recorded as one op f "heal-all": each fault kind the
// test uses heals what is still in effect, in the registry's order (resume paused nodes, restart
// dead ones, heal every link, reset clocks). It attempts every kind even if one fails; any failure
// makes the completion an info naming each failed kind.
import { FAULT_KINDS, faultKind } from "./nemeses.js";
import type { NemesisContext } from "./nemesis.js";

export async function healEverything(ctx: NemesisContext, kinds: readonly string[]): Promise<void> {
  ctx.recorder.invoke("heal-all", null);
  const errors: string[] = [];
  for (const kind of FAULT_KINDS.filter((k) => kinds.includes(k))) {
    try {
      await faultKind(kind).heal(ctx);
    } catch (err) {
      errors.push(`${kind}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (errors.length === 0) ctx.recorder.complete("ok", "heal-all", null);
  else ctx.recorder.complete("info", "heal-all", null, errors.join("; "));
}
