import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { UsageError } from "../cli-error.js";
import { parsePort, registerServeCommand } from "./serve-command.js";

describe("faultline serve", () => {
  it("takes a port 0 … 65535 and names the flag otherwise", () => {
    expect(parsePort("0")).toBe(0);
    expect(parsePort("8080")).toBe(8080);
    for (const bad of ["-1", "65536", "80a", "", "1.5"]) {
      expect(() => parsePort(bad)).toThrow(UsageError);
    }
    expect(() => parsePort("x")).toThrow('--port "x" must be a port number, 0 … 65535');
  });

  it("is a usage error when the store does not exist", async () => {
    const program = new Command("faultline").exitOverride();
    registerServeCommand(program);
    await expect(
      program.parseAsync([
        "node",
        "faultline",
        "serve",
        "--store",
        "/nonexistent/store",
        "--port",
        "0",
      ]),
    ).rejects.toThrow(
      new UsageError("no store directory /nonexistent/store: run a test first or pass --store DIR"),
    );
  });
});
