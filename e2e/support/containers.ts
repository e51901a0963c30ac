import { createServer } from 'node:net';
import { GenericContainer, getContainerRuntimeClient, Network, type StartedNetwork, type StartedTestContainer, Wait } from 'testcontainers';
import type { Endpoints } from './endpoints.ts';

/** Images: the usual public ones by default; E2E_IMAGE_* points at locally built ones. */
const images = {
  postgres: process.env.E2E_IMAGE_POSTGRES ?? 'postgres:15',
  kafka: process.env.E2E_IMAGE_KAFKA ?? 'apache/kafka:4.1.0',
  registry: process.env.E2E_IMAGE_REGISTRY ?? 'confluentinc/cp-schema-registry:7.9.0',
};

export async function dockerAnswers(): Promise<boolean> {
  try {
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
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
  stop(): Promise<void>;
}

/** PostgreSQL, Kafka (KRaft) and a Confluent-compatible registry as containers on one network. */
export async function startContainers(): Promise<ContainerStack> {
  const network: StartedNetwork = await new Network().start();
  const started: StartedTestContainer[] = [];
  const stop = async () => {
    for (const c of started.reverse()) await c.stop({ timeout: 10_000 }).catch(() => undefined);
    await network.stop().catch(() => undefined);
  };
  try {
    const postgres = await new GenericContainer(images.postgres)
      .withNetwork(network)
      .withNetworkAliases('postgres')
      .withEnvironment({ POSTGRES_USER: 'buyonline', POSTGRES_PASSWORD: 'buyonline', POSTGRES_DB: 'buyonline' })
      .withCommand(['postgres', '-c', 'wal_level=logical', '-c', 'max_replication_slots=20', '-c', 'max_wal_senders=20'])
      .withExposedPorts(5432)
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .start();
    started.push(postgres);

    const kafkaPort = await freePort();
    const kafka = await new GenericContainer(images.kafka)
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
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
        KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
        KAFKA_NUM_PARTITIONS: '3',
      })
      .withExposedPorts({ container: 9092, host: kafkaPort })
      .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
      .start();
    started.push(kafka);

    const registry = await new GenericContainer(images.registry)
      .withNetwork(network)
      .withEnvironment({
        SCHEMA_REGISTRY_HOST_NAME: 'schema-registry',
        SCHEMA_REGISTRY_LISTENERS: 'http://0.0.0.0:8081',
        SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS: 'PLAINTEXT://kafka:19092',
        SCHEMA_REGISTRY_SCHEMA_COMPATIBILITY_LEVEL: 'backward',
      })
      .withExposedPorts(8081)
      .withWaitStrategy(Wait.forHttp('/subjects', 8081))
      .start();
    started.push(registry);

    return {
      endpoints: {
        pgUrl: `postgres://buyonline:buyonline@127.0.0.1:${postgres.getMappedPort(5432)}/buyonline`,
        brokers: `127.0.0.1:${kafkaPort}`,
        registryUrl: `http://127.0.0.1:${registry.getMappedPort(8081)}`,
        provider: 'testcontainers',
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
