// The iptables rules of a cut: each directed link is cut at both of its ends, on the node port
// only (the port the system's docker launch serves on, so the reverse link keeps working), one
// rule per chain and node.
import { describe, expect, it } from "vitest";
import { addLinks, cutCommands } from "./docker-link-rules.js";
import type { Link } from "./runtime.js";

const NODE_PORT = 7000;

const ips = new Map([
  ["n1", "10.0.0.1"],
  ["n2", "10.0.0.2"],
  ["n3", "10.0.0.3"],
]);
const port = ["-p", "tcp", "--dport", String(NODE_PORT)];

describe("cutCommands", () => {
  it("cuts n1→n2 at n1's OUTPUT and at n2's INPUT, nowhere else", () => {
    const links: Link[] = [["n1", "n2"]];
    expect(cutCommands("n1", links, ips, "blackhole", NODE_PORT)).toEqual([
      ["iptables", "-w", "-A", "OUTPUT", "-d", "10.0.0.2", ...port, "-j", "DROP"],
    ]);
    expect(cutCommands("n2", links, ips, "blackhole", NODE_PORT)).toEqual([
      ["iptables", "-w", "-A", "INPUT", "-s", "10.0.0.1", ...port, "-j", "DROP"],
    ]);
    expect(cutCommands("n3", links, ips, "blackhole", NODE_PORT)).toEqual([]);
  });

  it("isolating a node takes one rule per chain, with every peer's address", () => {
    const links: Link[] = [
      ["n1", "n2"],
      ["n2", "n1"],
      ["n1", "n3"],
      ["n3", "n1"],
    ];
    expect(cutCommands("n1", links, ips, "blackhole", NODE_PORT)).toEqual([
      ["iptables", "-w", "-A", "OUTPUT", "-d", "10.0.0.2,10.0.0.3", ...port, "-j", "DROP"],
      ["iptables", "-w", "-A", "INPUT", "-s", "10.0.0.2,10.0.0.3", ...port, "-j", "DROP"],
    ]);
  });

  it("reset answers with a TCP reset instead of dropping", () => {
    expect(cutCommands("n1", [["n1", "n2"]], ips, "reset", NODE_PORT)[0]).toEqual(
      ["iptables", "-w", "-A", "OUTPUT", "-d", "10.0.0.2", ...port].concat([
        "-j",
        "REJECT",
        "--reject-with",
        "tcp-reset",
      ]),
    );
  });

  it("cuts on whatever port the system's nodes serve on", () => {
    expect(cutCommands("n2", [["n1", "n2"]], ips, "blackhole", 5432)).toEqual([
      [
        "iptables",
        "-w",
        "-A",
        "INPUT",
        "-s",
        "10.0.0.1",
        "-p",
        "tcp",
        "--dport",
        "5432",
        "-j",
        "DROP",
      ],
    ]);
  });

  it("names a node without an address", () => {
    expect(() => cutCommands("n1", [["n1", "n9"]], ips, "blackhole", NODE_PORT)).toThrow(
      "no container address for node n9",
    );
  });
});

describe("addLinks", () => {
  it("adds each directed link once, ignores self-links, returns the new ones", () => {
    const cut: Link[] = [["n1", "n2"]];
    const added = addLinks(cut, [
      ["n1", "n2"],
      ["n2", "n1"],
      ["n3", "n3"],
      ["n2", "n1"],
    ]);
    expect(added).toEqual([["n2", "n1"]]);
    expect(cut).toEqual([
      ["n1", "n2"],
      ["n2", "n1"],
    ]);
  });
});
