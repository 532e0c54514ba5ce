// The iptables commands that cut directed links between containers: pure, so they are tested
// without Docker. A link [from, to] carries `from`'s requests to `to`'s node port (and their
// answers); it is cut on both ends — `from` drops its OUTPUT to `to`, `to` drops its INPUT from
// `from` — so the cut holds even while one end's rules are being rebuilt (after a restart).
import type { NodeId } from "../../systems/system.js";
import type { Link } from "./runtime.js";

export type LinkFault = "blackhole" | "reset";

/** The commands (argv, run inside `node`'s container) that cut `links` at `node`'s end. */
export function cutCommands(
  node: NodeId,
  links: readonly Link[],
  ips: ReadonlyMap<NodeId, string>,
  fault: LinkFault,
  /** The port the nodes serve on inside their containers. */
  port: number,
): string[][] {
  const ip = (n: NodeId): string => {
    const found = ips.get(n);
    if (found === undefined) throw new Error(`no container address for node ${n}`);
    return found;
  };
  const outTo = unique(links.filter(([from]) => from === node).map(([, to]) => ip(to)));
  const inFrom = unique(links.filter(([, to]) => to === node).map(([from]) => ip(from)));
  // Black-hole: packets vanish and connections hang. Reset: the peer sees a refused connection.
  const action =
    fault === "reset" ? ["-j", "REJECT", "--reject-with", "tcp-reset"] : ["-j", "DROP"];
  const rule = (chain: string, dir: "-d" | "-s", addrs: string[]): string[] =>
    ["iptables", "-w", "-A", chain, dir, addrs.join(",")]
      .concat(["-p", "tcp", "--dport", String(port)])
      .concat(action);
  const commands: string[][] = [];
  if (outTo.length > 0) commands.push(rule("OUTPUT", "-d", outTo));
  if (inFrom.length > 0) commands.push(rule("INPUT", "-s", inFrom));
  return commands;
}

/** Removes every cut at a node's end. */
export const HEAL_COMMAND: readonly string[] = ["iptables", "-w", "-F"];

/** Links as a set: adds `more` to `cut`, returns those that were not cut yet. */
export function addLinks(cut: Link[], more: readonly Link[]): Link[] {
  const added: Link[] = [];
  for (const link of more) {
    if (link[0] === link[1]) continue;
    if (cut.some(([a, b]) => a === link[0] && b === link[1])) continue;
    cut.push(link);
    added.push(link);
  }
  return added;
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)].sort();
}
