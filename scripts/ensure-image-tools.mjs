// Runs inside `docker build` (nodes/Dockerfile): makes sure the image has `iptables` and `ip`, which
// the docker runtime uses to cut links. The offline base has both; a Debian-based base such as
// node:20-slim gets them from apt. Fails the build, naming what is missing, otherwise.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

const dirs = (process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin").split(":");
const has = (tool) => dirs.some((d) => existsSync(`${d}/${tool}`));
const missing = () => ["iptables", "ip"].filter((t) => !has(t));

if (missing().length > 0) {
  if (!existsSync("/usr/bin/apt-get")) {
    console.error(`faultline image: the base lacks ${missing().join(", ")} and has no apt-get`);
    process.exit(1);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
  execFileSync(
    "apt-get",
    ["install", "-y", "-qq", "--no-install-recommends", "iptables", "iproute2"],
    { stdio: "inherit", env },
  );
  execFileSync("rm", ["-rf", "/var/lib/apt/lists"], { stdio: "inherit" });
}
if (missing().length > 0) {
  console.error(`faultline image: ${missing().join(", ")} still missing after apt-get`);
  process.exit(1);
}
console.log("faultline image: iptables and ip present");
