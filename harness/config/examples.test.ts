import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadTestConfig } from "./load-test-config.js";

const dir = new URL("../../examples/", import.meta.url).pathname;
const examples = readdirSync(dir).filter((f) => f.endsWith(".yaml"));

describe("the example tests", () => {
  it("exist", () => expect(examples.length).toBeGreaterThanOrEqual(5));

  for (const file of examples) {
    it(`${file} is valid, named after its file, and says what it shows`, () => {
      const text = readFileSync(join(dir, file), "utf8");
      expect(text).toMatch(/^# Shows: /);
      const config = loadTestConfig({ file: { path: join(dir, file), text }, env: {} });
      expect(config.name).toBe(file.replace(/\.yaml$/, ""));
    });
  }
});
