import { describe, expect, it } from "vitest";
import { faultline } from "./run/faultline-process.js";

// run's and explore's flags (one per test key, from every system's and fault's schema) load
// only when one of them is about to parse its arguments or show its help.
describe("faultline's command line", () => {
  it("shows run's and explore's test-key flags in their help, however it is asked for", async () => {
    for (const args of [
      ["run", "--help"],
      ["help", "run"],
      ["explore", "--help"],
      ["help", "explore"],
    ]) {
      const { code, stdout } = await faultline(args);
      expect(code, args.join(" ")).toBe(0);
      for (const flag of ["--strategy <strategy>", "--standbys <n>", "--kill-target <target>"]) {
        expect(stdout, `${args.join(" ")} lists ${flag}`).toContain(flag);
      }
    }
  });

  it("takes those flags on run, and names a bad one", async () => {
    const unknown = await faultline(["run", "--no-such-flag"]);
    expect(unknown.code).toBe(254);
    expect(unknown.stderr).toContain("unknown option '--no-such-flag'");
    const bad = await faultline(["run", "--nodes", "x"]);
    expect(bad.code).toBe(254);
    expect(bad.stderr).toContain('--nodes: system.nodes = "x": expected a number');
  });

  it("lists every command in its own help without the test-key flags", async () => {
    const { code, stdout } = await faultline(["--help"]);
    expect(code).toBe(0);
    for (const command of ["run", "explore", "check", "report", "serve", "node", "suite"]) {
      expect(stdout).toMatch(new RegExp(`^  ${command}\\b`, "m"));
    }
    expect(stdout).not.toContain("--strategy");
  });
});
