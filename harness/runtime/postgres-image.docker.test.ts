// The offline PostgreSQL image runs a node: built by content hash (a second ensure finds it),
// then a primary and a streaming standby in two containers on one network, each started from
// the launch plan rendered as its container's sh script, reached from the host through the
// mapped ports: a write on the primary is read on the standby. Every container is removed.
import type Dockerode from "dockerode";
import type { StartedNetwork, StartedTestContainer } from "testcontainers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NodeId } from "../../workloads/kv-client.js";
import { ensureKvTable, walReceiver } from "../../systems/postgres/postgres-admin.js";
import { findPostgresBinaries } from "../../systems/postgres/postgres-binaries.js";
import { createPostgresClient } from "../../systems/postgres/postgres-client.js";
import {
  CONTAINER_PORT,
  containerCommand,
  containerPlace,
} from "../../systems/postgres/postgres-container.js";
import { ensurePostgresImage, postgresImageName } from "../../systems/postgres/postgres-image.js";
import {
  type PostgresLaunchInput,
  postgresLaunchPlan,
} from "../../systems/postgres/postgres-launch.js";
import { postgresOptionsSchema } from "../../systems/postgres/postgres-options.js";
import { eventually } from "../../systems/postgres/test-support.js";
import { connectDocker } from "./docker-engine.js";
import { dockerGate } from "./docker-test-gate.js";

const gate = await dockerGate("postgres image");
const RUN = `faultline-pg-image-test-${process.pid}`;

describe.skipIf(!gate.available)(gate.title, () => {
  const containers: StartedTestContainer[] = [];
  let network: StartedNetwork | undefined;
  let docker: Dockerode;
  let image: string;

  beforeAll(async () => {
    if (!gate.available) return;
    docker = (await connectDocker()).container.dockerode;
    image = await ensurePostgresImage(docker);
    const { Network } = await import("testcontainers");
    network = await new Network().start();
  }, 600_000);

  afterAll(async () => {
    for (const c of containers) await c.stop({ remove: true, removeVolumes: true }).catch(() => {});
    await network?.stop().catch(() => {});
  });

  it("is tagged by the content hash, and a second ensure finds it", async () => {
    expect(image).toMatch(/^localhost\/faultline-postgres:[0-9a-f]{12}$/);
    expect(image).toBe(postgresImageName());
    expect(await ensurePostgresImage(docker)).toBe(image);
  });

  it("starts a primary and a streaming standby from the launch plan", async () => {
    const { GenericContainer, Wait } = await import("testcontainers");
    const input: PostgresLaunchInput = {
      options: postgresOptionsSchema.parse({ name: "postgres", standbys: 1 }),
      binaries: findPostgresBinaries(),
      nodes: ["n1", "n2"],
      place: containerPlace,
      // Containers reach each other by name on the network.
      peer: (_from, to) => ({ host: to, port: CONTAINER_PORT }),
      trustedNetwork: "all",
    };
    const mapped = new Map<NodeId, number>();
    for (const launch of postgresLaunchPlan(input)) {
      const started = await new GenericContainer(image)
        .withName(`${RUN}-${launch.id}`)
        .withLabels({ "faultline.run": RUN })
        .withNetwork(network!)
        .withNetworkAliases(launch.id)
        .withExposedPorts(CONTAINER_PORT)
        .withCommand(containerCommand(launch))
        .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept/))
        .withStartupTimeout(120_000)
        .start();
      containers.push(started);
      mapped.set(launch.id, started.getMappedPort(CONTAINER_PORT));
    }
    const address = (node: NodeId) => ({ host: "127.0.0.1", port: mapped.get(node)! });
    await ensureKvTable(address("n1"));

    // The standby's WAL receiver connects after the server is ready, so wait for it to stream.
    await eventually(
      "n2 streams",
      async () => (await walReceiver(address("n2")))?.status === "streaming",
    );
    const receiver = await walReceiver(address("n2"));
    expect(receiver).toMatchObject({ status: "streaming", senderHost: "n1", senderPort: 5432 });
    const options = { isolation: "read-committed", reads: "any" } as const;
    const primary = createPostgresClient(
      { options, address, primary: () => "n1", timeoutMs: 5_000 },
      "n1",
    );
    const standby = createPostgresClient(
      { options, address, primary: () => "n1", timeoutMs: 5_000 },
      "n2",
    );
    try {
      expect(await primary.write("k", [1, 2], undefined)).toEqual({ ok: true });
      await eventually("the standby container holds k", async () => {
        const read = await standby.read("k", { local: true });
        return read.ok && JSON.stringify(read.values) === "[[1,2]]";
      });
    } finally {
      await primary.close();
      await standby.close();
    }
  }, 300_000);
});
