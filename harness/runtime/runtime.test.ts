// launchOf: the runtime's view of a system's launch. A system that lacks this runtime is named;
// a launch that finds the machine without what it needs (a server's programs) becomes a usage
// error (exit 254, its message naming what to install); any other failure stays what it was.
import { describe, expect, it } from "vitest";
import { memory } from "../../systems/memory/memory-system.js";
import { type AnySystem, SystemPrerequisiteError } from "../../systems/system.js";
import { UsageError } from "../cli-error.js";
import { type ClusterSpec, launchOf } from "./runtime.js";

function specWith(local: () => never): ClusterSpec {
  const system: AnySystem = { ...memory, launch: { local } };
  return {
    name: "t",
    runDir: "/nonexistent",
    system,
    options: { name: "memory" },
    seed: 1,
    nodeIds: ["n1"],
    linkFault: "blackhole",
  };
}

describe("launchOf", () => {
  it("names the runtimes a system has when it lacks this one", () => {
    const spec = specWith(() => {
      throw new Error("unused");
    });
    expect(() => launchOf(spec, "docker")).toThrow(
      /system memory has no docker launch \(it has: local\)/,
    );
  });

  it("turns a missing prerequisite into a usage error with its message", () => {
    const spec = specWith(() => {
      throw new SystemPrerequisiteError("install the Debian package postgresql");
    });
    expect(() => launchOf(spec, "local")).toThrow(UsageError);
    expect(() => launchOf(spec, "local")).toThrow("install the Debian package postgresql");
  });

  it("lets any other failure through as it is", () => {
    const spec = specWith(() => {
      throw new RangeError("a bug");
    });
    expect(() => launchOf(spec, "local")).toThrow(RangeError);
  });
});
