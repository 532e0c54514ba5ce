// The compiled CLI cache on a throwaway checkout: the first start builds, the next reuses the same
// build, an edit or a deleted import rebuilds, and import.meta.url still names the source file.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { compiledEntry } from "./compiled-entry.js";

const ESBUILD = fileURLToPath(new URL("../node_modules/esbuild", import.meta.url));
const root = mkdtempSync(join(tmpdir(), "faultline-compiled-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function write(path: string, text: string): void {
  mkdirSync(join(root, path, ".."), { recursive: true });
  writeFileSync(join(root, path), text);
}

/** Imports the built entry afresh and returns what it exports. */
async function run(): Promise<{ path: string; exports: Record<string, unknown> }> {
  const path = await compiledEntry("src/main.ts", root);
  return { path, exports: await import(`${pathToFileURL(path).href}?${Date.now()}`) };
}

describe("compiledEntry", () => {
  mkdirSync(join(root, "node_modules"), { recursive: true });
  symlinkSync(ESBUILD, join(root, "node_modules", "esbuild"));
  write("src/greeting.ts", `export const greeting: string = "hello";\n`);
  write(
    "src/main.ts",
    `import { greeting } from "./greeting.js";\n` +
      `export const word = greeting;\n` +
      `export const here = import.meta.url;\n` +
      `export const later = () => import("./lazy.js");\n`,
  );
  write("src/lazy.ts", `export const lazy = 42;\n`);

  it("builds once, reuses the build, and keeps each module's own URL", async () => {
    const first = await run();
    expect(first.exports.word).toBe("hello");
    expect(first.exports.here).toBe(pathToFileURL(join(root, "src/main.ts")).href);
    const lazy = await (first.exports.later as () => Promise<{ lazy: number }>)();
    expect(lazy.lazy).toBe(42);
    const second = await run();
    expect(second.path).toBe(first.path);
  });

  it("rebuilds when a source changes, and again when it changes back", async () => {
    const before = await run();
    write("src/greeting.ts", `export const greeting: string = "changed";\n`);
    const after = await run();
    expect(after.path).not.toBe(before.path);
    expect(after.exports.word).toBe("changed");
    write("src/greeting.ts", `export const greeting: string = "hello";\n`);
    expect((await run()).exports.word).toBe("hello");
  });

  it("rebuilds when a lazily imported file changes", async () => {
    const before = await run();
    write("src/lazy.ts", `export const lazy = 43;\n`);
    const after = await run();
    expect(after.path).not.toBe(before.path);
    const lazy = await (after.exports.later as () => Promise<{ lazy: number }>)();
    expect(lazy.lazy).toBe(43);
  });

  it("names the file and line of a source that does not compile", async () => {
    write("src/greeting.ts", `export const greeting: string = ;\n`);
    await expect(compiledEntry("src/main.ts", root)).rejects.toMatchObject({
      errors: [expect.objectContaining({ location: expect.objectContaining({ line: 1 }) })],
    });
    write("src/greeting.ts", `export const greeting: string = "hello";\n`);
  });
});
