import { createServer } from 'node:net';
import { GenericContainer, getContainerRuntimeClient, Network, type StartedNetwork, type StartedTestContainer, Wait } from 'testcontainers';
import type { Endpoints } from './endpoints.ts';

/**
 * Images: the usual public ones by default; E2E_IMAGE_* points at the ones built here
 * (`bash tooling/docker/docker.sh env` prints them). A registry image other than Confluent's is
 * taken for the Apicurio image built here: port 8080, Confluent API under /apis/ccompat/v7.
 */
const images = {
  postgres: process.env.E2E_IMAGE_POSTGRES ?? 'postgres:15',
  kafka: process.env.E2E_IMAGE_KAFKA ?? 'apache/kafka:4.1.0',
  registry: process.env.E2E_IMAGE_REGISTRY ?? 'confluentinc/cp-schema-registry:7.9.0',
};
const registryIsConfluent = /cp-schema-registry/.test(images.registry);
const registry = registryIsConfluent ? { port: 8081, path: '' } : { port: 8080, path: '/apis/ccompat/v7' };

/** What containers on the suite's network use to reach the services (network aliases). */
export interface ContainerNetwork {
  name: string;
  pgUrl: string;
  brokers: string;
  registryUrl: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Set when the services run as containers: apps in containers join this network. */
    containerNetwork: ContainerNetwork | null;
  }
}

export async function dockerAnswers(): Promise<boolean> {
  return (await dockerProblem()) === undefined;
}

/** Why no container runtime answers, or undefined when one does. */
export async function dockerProblem(): Promise<string | undefined> {
  try {
    await getContainerRuntimeClient();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface ContainerStack {
  endpoints: Endpoints;
  network: ContainerNetwork;
  stop(): Promise<void>;
}

/**
 * PostgreSQL, Kafka (KRaft) and a Confluent-compatible registry as containers on one network,
 * each published on a random port of 127.0.0.1. Ryuk cannot run without a registry, so `stop`
 * (the global teardown) removes every container and the network itself.
 */
export async function startContainers(): Promise<ContainerStack> {
  const network: StartedNetwork = await new Network().start();
  const started: StartedTestContainer[] = [];
  const stop = async () => {
    for (const c of started.reverse()) await c.stop({ timeout: 10_000 }).catch(() => undefined);
    await network.stop().catch(() => undefined);
  };
  const track = (container: StartedTestContainer): StartedTestContainer => {
    started.push(container);
    return container;
  };
  try {
    // Independent of each other: started together (Kafka and the JVM registry take the longest).
    const postgresStarting = new GenericContainer(images.postgres)
      .withNetwork(network)
      .withNetworkAliases('postgres')
      .withEnvironment({ POSTGRES_USER: 'buyonline', POSTGRES_PASSWORD: 'buyonline', POSTGRES_DB: 'buyonline' })
      .withCommand(['postgres', '-c', 'wal_level=logical', '-c', 'max_replication_slots=20', '-c', 'max_wal_senders=20'])
      .withExposedPorts(5432)
      // Twice: the first start logs it once for the socket-only init server, then for the real one.
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .withStartupTimeout(120_000)
      .start()
      .then(track);

    const kafkaPort = await freePort();
    const kafkaStarting = new GenericContainer(images.kafka)
      .withNetwork(network)
      .withNetworkAliases('kafka')
      .withEnvironment({
        KAFKA_NODE_ID: '1',
        KAFKA_PROCESS_ROLES: 'broker,controller',
        KAFKA_CONTROLLER_QUORUM_VOTERS: '1@kafka:9093',
        KAFKA_LISTENERS: 'INTERNAL://0.0.0.0:19092,EXTERNAL://0.0.0.0:9092,CONTROLLER://0.0.0.0:9093',
        KAFKA_ADVERTISED_LISTENERS: `INTERNAL://kafka:19092,EXTERNAL://127.0.0.1:${kafkaPort}`,
        KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT',
        KAFKA_INTER_BROKER_LISTENER_NAME: 'INTERNAL',
        KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
        KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS: '1',
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
        KAFKA_TRANSACTION_STATE_LOG_NUM_PARTITIONS: '1',
        KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: '1',
        KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: '1',
        KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
        KAFKA_NUM_PARTITIONS: '3',
      })
      .withExposedPorts({ container: 9092, host: kafkaPort })
      .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
      .withStartupTimeout(120_000)
      .start()
      .then(track);

    // Confluent's registry stores schemas in Kafka; Apicurio (in-memory) needs nothing else.
    const registryStarting = (registryIsConfluent ? kafkaStarting : Promise.resolve()).then(() => {
      const container = new GenericContainer(images.registry).withNetwork(network).withNetworkAliases('schema-registry');
      const configured = registryIsConfluent
        ? container.withEnvironment({
            SCHEMA_REGISTRY_HOST_NAME: 'schema-registry',
            SCHEMA_REGISTRY_LISTENERS: 'http://0.0.0.0:8081',
            SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS: 'PLAINTEXT://kafka:19092',
            SCHEMA_REGISTRY_SCHEMA_COMPATIBILITY_LEVEL: 'backward',
          })
        : container; // Apicurio: in-memory storage, BACKWARD set by the image (APICURIO_RULES_GLOBAL_COMPATIBILITY)
      return configured
        .withExposedPorts(registry.port)
        .withWaitStrategy(Wait.forHttp(`${registry.path}/subjects`, registry.port).forStatusCode(200))
        .withStartupTimeout(180_000)
        .start()
        .then(track);
    });

    // allSettled: on a failure, the others have finished starting when stop() runs.
    const [pg, kafka, reg] = await Promise.allSettled([postgresStarting, kafkaStarting, registryStarting]);
    for (const r of [pg, kafka, reg]) if (r.status === 'rejected') throw r.reason;
    const postgres = (pg as PromiseFulfilledResult<StartedTestContainer>).value;
    const registryContainer = (reg as PromiseFulfilledResult<StartedTestContainer>).value;
    return {
      endpoints: {
        pgUrl: `postgres://buyonline:buyonline@127.0.0.1:${postgres.getMappedPort(5432)}/buyonline`,
        brokers: `127.0.0.1:${kafkaPort}`,
        registryUrl: `http://127.0.0.1:${registryContainer.getMappedPort(registry.port)}${registry.path}`,
        provider: 'testcontainers',
      },
      network: {
        name: network.getName(),
        pgUrl: 'postgres://buyonline:buyonline@postgres:5432/buyonline',
        brokers: 'kafka:19092',
        registryUrl: `http://schema-registry:${registry.port}${registry.path}`,
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
