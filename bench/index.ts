// `npm run bench`: runs every bench/*.bench.ts in turn (or those whose name contains an
// argument: `npm run bench -- linearizable`). Each prints its own numbers; none is a test.
import { readdirSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const dir = fileURLToPath(new URL(".", import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

for (const file of files) {
  console.log(`\n## ${file.replace(/\.bench\.ts$/, "")}`);
  const mod = (await import(pathToFileURL(dir + file).href)) as { default: () => Promise<void> };
  await mod.default();
}
