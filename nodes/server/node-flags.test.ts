// The node's flags: whatever nodeArgs() produces parses back to the same options (the runtimes
// and the node never drift apart), and every bad value is refused naming the flag and value.
import { Command } from "commander";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BUILDS, STRATEGIES } from "../core/replica.js";
import { type NodeOptions, nodeArgs, nodeDefaults } from "../node-options.js";
import { defineNodeFlags, NodeFlagError, parseNodeFlags } from "./node-flags.js";

function parse(args: string[]) {
  const cmd = defineNodeFlags(new Command("node")).exitOverride();
  cmd.parse(args, { from: "user" });
  return parseNodeFlags(cmd.opts());
}

const base = [
  "--id",
  "n1",
  "--listen",
  "127.0.0.1:7001",
  "--build",
  "leaderless",
  "--strategy",
  "siblings",
  "--data-dir",
  "/tmp/d",
];

const id = fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/);
const nodeOptions: fc.Arbitrary<NodeOptions> = fc
  .record({
    id,
    listen: fc.record({
      host: fc.constantFrom("127.0.0.1", "localhost", "::1"),
      port: fc.integer({ min: 0, max: 65535 }),
    }),
    build: fc.constantFrom(...BUILDS),
    strategy: fc.constantFrom(...STRATEGIES),
    peerIds: fc.uniqueArray(id, { maxLength: 4 }),
    dataDir: fc.constantFrom("data/n1", "/tmp/x y", "d"),
    fsync: fc.constantFrom("always", "never"),
    acks: fc.constantFrom("one", "quorum", "all"),
    electionTimeoutMs: fc.integer({ min: 10, max: 60_000 }),
    w: fc.integer({ min: 1, max: 5 }),
    r: fc.integer({ min: 1, max: 5 }),
    readRepair: fc.boolean(),
    antiEntropyIntervalMs: fc.integer({ min: 0, max: 60_000 }),
    requestTimeoutMs: fc.integer({ min: 1, max: 60_000 }),
    seed: fc.integer(),
    withLeader: fc.boolean(),
    alone: fc.boolean(),
  })
  .map(({ peerIds, withLeader, alone, ...o }) => {
    const peers = Object.fromEntries(
      peerIds.filter((p) => p !== o.id).map((p, i) => [p, `http://127.0.0.1:${7100 + i}`]),
    );
    // Each build's own flags only: the other build's options keep their defaults.
    const { acks, electionTimeoutMs, w, r, ...rest } = o;
    const own =
      o.build === "leader"
        ? { acks, electionTimeoutMs, w: nodeDefaults.w, r: nodeDefaults.r }
        : { acks: nodeDefaults.acks, w, r };
    return {
      ...rest,
      ...own,
      peers,
      ...(alone && Object.keys(peers).length === 0 ? { alone: true } : {}),
      ...(withLeader ? { leader: o.id } : {}),
    } as NodeOptions;
  });

describe("node flags", () => {
  it("parse back exactly what nodeArgs() produced", () => {
    fc.assert(
      fc.property(nodeOptions, (o) => {
        expect(parse(nodeArgs(o))).toEqual({ ...o, exitWithParent: false });
      }),
    );
  });

  it("take the defaults of nodeDefaults and --exit-with-parent", () => {
    const o = parse([...base, "--exit-with-parent"]);
    expect(o).toMatchObject({
      fsync: "always",
      w: 2,
      r: 2,
      readRepair: true,
      peers: {},
    });
    expect(o.exitWithParent).toBe(true);
    const leader = parse([...base.slice(0, 5), "leader", ...base.slice(6)]);
    expect(leader).toMatchObject({ acks: "quorum", electionTimeoutMs: 500 });
    expect(leader.alone).toBeUndefined();
  });

  it("take --peers none as a cluster of one, and no --peers as peers to come", () => {
    expect(parse([...base, "--peers", "none"])).toMatchObject({ peers: {}, alone: true });
    expect(parse(base).alone).toBeUndefined();
  });

  it.each([
    [["--id", "n 1"], '--id "n 1"'],
    [["--listen", "7001"], '--listen "7001"'],
    [["--listen", "h:70000"], "a port 0–65535"],
    [["--build", "raft"], "leader | leaderless"],
    [["--strategy", "crdt"], "lww | reject | siblings"],
    [["--fsync", "sometimes"], "always | never"],
    [["--w", "0"], '--w "0" is not valid: expected an integer from 1 to 100'],
    [["--r", "two"], '--r "two"'],
    [["--build", "leader", "--acks", "most"], "one | quorum | all"],
    [["--build", "leader", "--election-timeout-ms", "5"], "an integer from 10 to 600000"],
    [["--build", "leader", "--w", "2"], "--w is a leaderless quorum"],
    [["--build", "leader", "--r", "1"], "--r is a leaderless quorum"],
    [["--acks", "all"], "--acks applies to the leader build only"],
    [["--election-timeout-ms", "100"], "--election-timeout-ms applies to the leader build only"],
    [["--read-repair", "yes"], "on | off"],
    [["--anti-entropy-ms", "-5"], "--anti-entropy-ms"],
    [["--request-timeout-ms", "1.5"], "--request-timeout-ms"],
    [["--seed", "x"], "--seed"],
    [["--peers", "n2"], "ID=URL entries"],
    [["--peers", "n1=http://h:1"], "other than this node"],
    [["--peers", "n2=http://h:1,n2=http://h:2"], "listed twice"],
    [["--peers", "n2=https://h:1"], "an http:// URL"],
    [["--peers", "n2=http://h:1", "--leader", "n9"], "this node or one of its peers"],
  ])("refuse %j naming %s", (extra, message) => {
    expect(() => parse([...base, ...extra])).toThrow(NodeFlagError);
    expect(() => parse([...base, ...extra])).toThrow(message);
  });
});
