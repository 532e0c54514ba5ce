// `npm run bench`: runs every bench/*.bench.ts in turn (or those whose name contains an
// argument: `npm run bench -- linearizable`). Each prints its own numbers; none is a test. Each
// runs compiled, as the `faultline` command does (bin/compiled-entry.js), not through tsx's
// loader, whose helper names every closure a hot path creates and so costs what a user never pays.
// (The checkers' and the report's children still run their bench file from source, with tsx.)
import { readdirSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { compiledEntry } from "../bin/compiled-entry.js";

const dir = fileURLToPath(new URL(".", import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

for (const file of files) {
  console.log(`\n## ${file.replace(/\.bench\.ts$/, "")}`);
  const compiled = await compiledEntry(`bench/${file}`);
  const mod = (await import(pathToFileURL(compiled).href)) as { default: () => Promise<void> };
  await mod.default();
}
