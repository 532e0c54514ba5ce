// The commit a suite or run measured, for summaries and trends: `git rev-parse HEAD` and whether
// the work tree had changes, in the folder faultline runs from; a CI checkout without .git can
// name it in GITHUB_SHA. Never throws: no git, no commit.
import { execFileSync } from "node:child_process";
import type { GitState } from "./suite-summary.js";

export function gitState(
  cwd: string = process.cwd(),
  env: Readonly<Record<string, string | undefined>> = process.env,
): GitState {
  const git = (args: string[]) =>
    execFileSync("git", args, {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  try {
    return { commit: git(["rev-parse", "HEAD"]), dirty: git(["status", "--porcelain"]) !== "" };
  } catch {
    return env.GITHUB_SHA ? { commit: env.GITHUB_SHA } : {};
  }
}
