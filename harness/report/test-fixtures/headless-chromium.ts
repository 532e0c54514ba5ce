// For the report's browser tests: Debian's chromium (never a downloaded browser) driven by
// playwright-core, headless, with a fresh profile and nothing that reaches the network. Without
// /usr/bin/chromium the suites skip LOUDLY, except when FAULTLINE_REQUIRE_BROWSER=1 (CI), where
// a missing browser fails the test file instead of hiding behind a skip.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

const FLAGS = [
  ...["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"],
  ...["--disable-background-networking", "--disable-component-update", "--disable-sync"],
];

export interface BrowserGate {
  available: boolean;
  /** The suite's title; when skipped, it says why. */
  title: string;
}

export function browserGate(suite: string): BrowserGate {
  if (existsSync(CHROMIUM)) return { available: true, title: suite };
  const reason = `${CHROMIUM} is absent (apt-get install -y chromium)`;
  if (process.env.FAULTLINE_REQUIRE_BROWSER === "1") {
    throw new Error(`${suite}: FAULTLINE_REQUIRE_BROWSER=1 but ${reason}`);
  }
  console.warn(
    `\n!!! ${suite}: SKIPPED — ${reason}\n` +
      "!!! (set FAULTLINE_REQUIRE_BROWSER=1 to make this a failure, as CI does)\n",
  );
  return { available: false, title: `${suite} — SKIPPED: ${reason}` };
}

/** A started chromium with a fresh profile, removed when it closes. */
export async function launchChromium(): Promise<BrowserContext & AsyncDisposable> {
  const { chromium } = await import("playwright-core");
  const profile = mkdtempSync(join(tmpdir(), "faultline-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    offline: true,
  });
  return Object.assign(context, {
    async [Symbol.asyncDispose]() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  });
}
