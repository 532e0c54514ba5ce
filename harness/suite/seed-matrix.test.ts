// The shipped suites/*.yaml load and every cell is a valid test; the seed matrix has the seed's
// rows, each measuring R1–R3 with probe reads on.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, vi } from "vitest";
import { expandCells, validateCells } from "./suite-cells.js";
import { loadSuite } from "./suite-file.js";

vi.mock("../runtime/runtimes.js", () => ({ runtimes: { local: {}, docker: {} } }));

const DIR = fileURLToPath(new URL("../../suites/", import.meta.url));
const load = (file: string) =>
  loadSuite({ path: join(DIR, file), text: readFileSync(join(DIR, file), "utf8") });

describe("the shipped suites", () => {
  for (const file of readdirSync(DIR).filter((f) => f.endsWith(".yaml"))) {
    it(`${file} loads, and every cell is a valid test named after the file`, () => {
      const suite = load(file);
      expect(suite.name).toBe(file.replace(/\.yaml$/, ""));
      expect(validateCells(suite, expandCells(suite)).size).toBeGreaterThan(0);
    });
  }

  it("the seed matrix measures R1–R3 for every build of the seed's table, probes on", () => {
    const suite = load("seed-matrix.yaml");
    const cells = expandCells(suite);
    const configs = validateCells(suite, cells);
    expect(cells.map((c) => c.label)).toEqual([
      "single node lww",
      "single node reject",
      "single node siblings",
      "leader, versioned (reject)",
      "leaderless, lww",
      "leaderless, DVV siblings",
      "leaderless, DVV siblings, r = 1",
    ]);
    for (const cell of cells) {
      expect(Object.keys(cell.expect.requirements).sort(), cell.id).toEqual(["R1", "R2", "R3"]);
      const [config] = configs.get(cell)!;
      expect(config!.clients.probeInterval, cell.id).toBeGreaterThan(0);
      expect(config!.nemesis.kinds.length, cell.id).toBeGreaterThan(0);
    }
    const leader = configs.get(cells[3]!)![0]!;
    expect(leader.system).toMatchObject({ build: "leader", strategy: "reject", nodes: 3 });
    // The one documented difference from the seed's table.
    expect(cells[5]!.expect.seedTable).toEqual({ R3: "eventual" });
  });
});
