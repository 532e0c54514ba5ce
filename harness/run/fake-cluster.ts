// Fakes of a runtime and the nemesis for runner tests. The cluster's nodes are fake HTTP nodes
// (workloads/fake-node.ts) sharing one store, so they always agree; its faults change nothing but
// are logged in `calls`. The nemesis records one partition and its heal, and the final heal-all.
import { startFakeNode } from "../../workloads/fake-node.js";
import type { Cluster, ClusterSpec, Runtime } from "../runtime/runtime.js";
import type { NemesisApi } from "./run-test.js";

export interface FakeRuntime extends Runtime {
  readonly calls: string[];
  readonly specs: ClusterSpec[];
  /** True while a started cluster has not been stopped. */
  running(): boolean;
}

/** With `reject`, the nodes refuse stale writes (409); without, the last write wins. */
export function fakeRuntime(options: { reject?: boolean } = {}): FakeRuntime {
  const calls: string[] = [];
  const specs: ClusterSpec[] = [];
  let live = 0;
  return {
    name: "fake",
    calls,
    specs,
    running: () => live > 0,
    async start(spec) {
      specs.push(spec);
      const store = new Map<string, { value: unknown; version: number }>();
      const nodes = await Promise.all(
        spec.nodeIds.map(() => startFakeNode({ store, reject: options.reject ?? false })),
      );
      live++;
      let stopped = false;
      const stop = async () => {
        if (stopped) return;
        stopped = true;
        live--;
        calls.push("stop");
        await Promise.all(nodes.map((n) => n.close()));
      };
      const cluster: Cluster = {
        nodes: spec.nodeIds,
        url: (node) => nodes[spec.nodeIds.indexOf(node)]!.url,
        kill: async (node) => void calls.push(`kill ${node}`),
        restart: async (node) => void calls.push(`restart ${node}`),
        pause: async (node) => void calls.push(`pause ${node}`),
        resume: async (node) => void calls.push(`resume ${node}`),
        cutLinks: async (links) => void calls.push(`cut ${links.length}`),
        healLinks: async () => void calls.push("heal"),
        setClockOffset: async (node, offsetMs) => void calls.push(`clock ${node} ${offsetMs}`),
        stop,
        [Symbol.asyncDispose]: stop,
      };
      return cluster;
    },
  };
}

export const fakeNemesis: NemesisApi = {
  planFaults: (config) =>
    config.kinds.length === 0
      ? []
      : [
          {
            atMs: 50,
            durationMs: 1_000,
            fault: { kind: "partition", shape: "halves", cuts: [["n1", "n2"]] },
          },
        ],
  async runNemesis(_schedule, cluster, recorder, signal, onFault) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (signal.aborted) return;
    recorder.invoke("partition", { shape: "halves", cuts: [["n1", "n2"]] });
    await cluster.cutLinks([["n1", "n2"]]);
    recorder.complete("ok", "partition", { shape: "halves", cuts: [["n1", "n2"]] });
    onFault?.("partition halves");
    await new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      signal.addEventListener("abort", () => resolve(), { once: true });
    });
    onFault?.(undefined);
    recorder.invoke("heal", null);
    await cluster.healLinks();
    recorder.complete("ok", "heal", null);
  },
  async healEverything(cluster, recorder) {
    recorder.invoke("heal-all", null);
    await cluster.healLinks();
    recorder.complete("ok", "heal-all", null);
  },
};
