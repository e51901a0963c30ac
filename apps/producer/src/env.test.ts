// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} references are what these tests feed the pipeline file
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedAppSettings } from '@buyonline/app-runtime';
import { configKeys, fieldInfo, fieldSchema, shortcutSpec } from '@buyonline/app-runtime/testing';
import { ConfigError } from '@buyonline/connect-api';
import { kafkaConfigSchema, registryConfigSchema, SOURCE_WORKER_DEFAULTS } from '@buyonline/kafka-common';
import { postgresSourcePlugin } from '@buyonline/source-postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_DEFAULTS, postgresConfigOf, producerEnvSchema, readProducerEnv, readProducerSettings, SOURCE_SHORTCUTS } from './env.ts';
import { producerRegistry } from './plugins.ts';

const base = { PG_URL: 'postgres://u:p@127.0.0.1:5432/db', KAFKA_BROKERS: '127.0.0.1:9092', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081' };
const dir = mkdtempSync(join(tmpdir(), 'producer-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const registry = () => producerRegistry(dir, undefined);

function pipeline(text: string): string {
  const path = join(dir, `p${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, text);
  return path;
}

async function rejection(promise: Promise<unknown>): Promise<ConfigError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('no ConfigError');
}

const settingsOf = (env: Record<string, string>, pipelineFile?: string) => readProducerSettings(env, { pipelineFile }, registry());
const sourceOf = async (env: Record<string, string>, pipelineFile?: string) => {
  const settings = await settingsOf(env, pipelineFile);
  return postgresConfigOf(settings, 'test');
};

describe('producer settings', () => {
  it('refuses a PUBLICATION_NAME that is not a plain lower-case name, like SLOT_NAME', async () => {
    for (const bad of ['Products', 'a,b', "x'y", 'pub-lic', 'p'.repeat(64)]) {
      const err = await rejection(sourceOf({ ...base, PUBLICATION_NAME: bad }));
      expect(err.message).toMatch(/PUBLICATION_NAME: lower-case letters, digits and _ only/);
    }
    expect((await sourceOf({ ...base, PUBLICATION_NAME: 'buyonline_products_2' })).publication).toBe('buyonline_products_2');
  });

  it('refuses empty entries in KAFKA_BROKERS, naming the variable', () => {
    for (const bad of ['a:9092,,b:9092', 'a:9092,', ',a:9092', 'a:9092, ,b:9092', ',']) {
      expect(() => readProducerEnv({ ...base, KAFKA_BROKERS: bad })).toThrow(/KAFKA_BROKERS: .*empty entry/);
    }
    expect(readProducerEnv({ ...base, KAFKA_BROKERS: ' a:9092 , b:9092 ' }).KAFKA_BROKERS).toEqual(['a:9092', 'b:9092']);
  });

  it('still reads every variable it read before the plugin owned its settings, and adds the multi-table ones', () => {
    const before = [
      'PG_URL', 'PG_TABLE', 'CAPTURE_MODE', 'SLOT_NAME', 'PUBLICATION_NAME', 'SNAPSHOT_CHUNK_SIZE', 'HEARTBEAT_INTERVAL_MS', 'SLOT_LAG_WARN_BYTES', 'KAFKA_BROKERS',
      'KAFKA_CLIENT_ID', 'SCHEMA_REGISTRY_URL', 'TOPIC', 'TOPIC_PARTITIONS', 'OFFSETS_TOPIC', 'SOURCE_DLQ_TOPIC', 'CONNECTOR_NAME', 'TRANSACTIONAL_ID', 'POLL_BATCH_SIZE',
      'POLL_INTERVAL_MS', 'REPLICA_IDENTITY_CHECK', 'KAFKA_TRANSACTION_TIMEOUT_MS', 'MAX_RECORD_BYTES', 'HEALTH_HOST', 'HEALTH_PORT', 'HEALTH_STALL_MS', 'LOG_LEVEL',
    ];
    const added = ['PG_TABLE_REGEX', 'PG_EXCLUDE_TABLES', 'TOPIC_PREFIX', 'SNAPSHOT_PARALLELISM', 'PIPELINE_FILE'];
    const now = new Set([...Object.keys(producerEnvSchema.shape), ...Object.values(SOURCE_SHORTCUTS).flatMap((s) => Object.keys(s))]);
    expect([...before, ...added].filter((v) => !now.has(v))).toEqual([]);
    expect(Object.keys(producerEnvSchema.shape).filter((v) => Object.keys(SOURCE_SHORTCUTS.postgres ?? {}).includes(v))).toEqual([]);
  });

  it('without a pipeline file: the demo configuration, as before (one products table, its slot and publication, its topic)', async () => {
    const settings = await settingsOf(base);
    const config = postgresConfigOf(settings, 'test');
    expect(config).toMatchObject({
      mode: 'logical',
      tables: [{ schema: 'public', table: 'products' }],
      slot: 'buyonline_products',
      publication: 'buyonline_products',
      topicPrefix: 'buyonline',
      topicTemplate: '{prefix}.{schema}.{table}',
      batchSize: 2000,
      snapshotParallelism: 2,
    });
    expect(settings.env.CONNECTOR_NAME).toBe('products-source');
    expect(settings.transactionalId).toBe('products-source');
    expect(settings.transforms).toEqual([]);
  });

  it('maps each variable to its plugin key: PG_TABLE lists, TOPIC is the topic template, PG_TABLE_REGEX replaces the demo table', async () => {
    const env = { ...base, PG_TABLE: 'shop.a, shop.b', PG_EXCLUDE_TABLES: 'shop.c', TOPIC: 'cdc.{table}', TOPIC_PREFIX: 'shop', SNAPSHOT_PARALLELISM: '4', CAPTURE_MODE: 'polling' };
    expect(await sourceOf(env)).toMatchObject({
      mode: 'polling',
      tables: [{ schema: 'shop', table: 'a' }, { schema: 'shop', table: 'b' }],
      excludeTables: [{ schema: 'shop', table: 'c' }],
      topicTemplate: 'cdc.{table}',
      topicPrefix: 'shop',
      snapshotParallelism: 4,
    });
    expect(await sourceOf({ ...base, TOPIC: 'e2e.x.products' })).toMatchObject({ topicTemplate: 'e2e.x.products', tables: [{ schema: 'public', table: 'products' }] });
    expect(await sourceOf({ ...base, PG_TABLE_REGEX: '^shop\\..*' })).toMatchObject({ tables: [], tableRegex: '^shop\\..*' });
    const err = await rejection(sourceOf({ ...base, PG_TABLE: 'shop.a,products', SNAPSHOT_PARALLELISM: '40' }));
    expect(err.message).toBe(
      'invalid source configuration (postgres):\n  PG_TABLE (tables[1]): expected <schema>.<table>, e.g. public.products\n  SNAPSHOT_PARALLELISM: Too big: expected number to be <=16',
    );
  });

  it('with a pipeline file: the source and its transforms by name, its name the connector name, variables winning over the file', async () => {
    const file = pipeline(`
name: buyonline-products
source:
  connector: postgres
  url: \${PG_URL}
  tables: [public.products, public.orders]
  slot: shop_slot
transforms:
  - transform: mask
    columns: [email]
sink: { connector: local-stage, dir: "\${STAGE_DIR}" }
producer:
  TOPIC_PARTITIONS: 6
`);
    const settings = await settingsOf({ ...base, SNAPSHOT_CHUNK_SIZE: '100' }, file);
    expect(postgresConfigOf(settings, 'test')).toMatchObject({
      tables: [{ schema: 'public', table: 'products' }, { schema: 'public', table: 'orders' }],
      slot: 'shop_slot',
      publication: 'buyonline_products',
      snapshotChunkSize: 100,
    });
    expect(settings.source.fromEnv).toEqual({ url: 'PG_URL', snapshotChunkSize: 'SNAPSHOT_CHUNK_SIZE' });
    expect(settings.transforms.map((t) => t.plugin.name)).toEqual(['mask']);
    expect(settings.env).toMatchObject({ CONNECTOR_NAME: 'buyonline-products', TOPIC_PARTITIONS: 6 });
    expect(settings.transactionalId).toBe('buyonline-products');
    const named = await settingsOf({ ...base, CONNECTOR_NAME: 'e2e-1', TOPIC_PARTITIONS: '2' }, file);
    expect(named.env).toMatchObject({ CONNECTOR_NAME: 'e2e-1', TOPIC_PARTITIONS: 2 });
  });

  it('names the path in the file of what is wrong, and where a source variable goes instead of producer:', async () => {
    const bad = pipeline(`
name: shop
source:
  connector: postgres
  url: postgres://h/db
  tables: [public.a, public.b, orders]
  slots: x
transforms:
  - transform: mask
    columns: [email]
  - transform: mask
    columns: email
`);
    expect((await rejection(settingsOf(base, bad))).message).toBe(
      [
        'invalid source configuration in source (postgres):',
        `  source.slots: unknown key (postgres takes: ${configKeys(postgresSourcePlugin.configSchema).join(', ')})`,
        '  source.tables[2]: expected <schema>.<table>, e.g. public.products',
      ].join('\n'),
    );
    const chain = pipeline('name: shop\nsource: { connector: postgres, url: "postgres://h/db", tables: [public.a] }\ntransforms:\n  - transform: mask\n    columns: [email]\n  - transform: masc\n');
    expect((await rejection(settingsOf(base, chain))).message).toMatch(
      /^transform "masc": it is not registered and no package of that name is installed \(Cannot find package 'masc' in .*\); known transforms: columns, envelope, filter, mask, rename, route, or an npm package/,
    );
    const misplaced = pipeline('name: shop\nsource: { connector: postgres, url: "postgres://h/db", tables: [public.a] }\nproducer:\n  SLOT_NAME: s\n  CONNECTOR_NAME: x\n');
    expect((await rejection(settingsOf(base, misplaced))).message).toMatch(/producer\.CONNECTOR_NAME: the pipeline's name: \(shop\) is the connector name/);
    const slot = pipeline('name: shop\nsource: { connector: postgres, url: "postgres://h/db", tables: [public.a] }\nproducer:\n  SLOT_NAME: s\n');
    expect((await rejection(settingsOf(base, slot))).message).toBe('invalid configuration:\n  producer.SLOT_NAME: unknown setting (a source setting: write it as source.slot)');
    const sinkOnly = pipeline('name: shop\nsink: { connector: local-stage }\n');
    expect((await rejection(settingsOf(base, sinkOnly))).message).toMatch(/no source: section/);
  });
});

describe('every producer setting has one owner', () => {
  it('each source variable is one key of the plugin\'s schema, with the plugin\'s default (the demo only fills in what the plugin leaves unset)', () => {
    const schema = postgresSourcePlugin.configSchema;
    const problems: string[] = [];
    for (const [variable, shortcut] of Object.entries(SOURCE_SHORTCUTS[postgresSourcePlugin.name] ?? {})) {
      const spec = shortcutSpec(shortcut);
      if (!configKeys(schema).includes(spec.key)) problems.push(`${variable}: no key ${spec.key}`);
      if (spec.default === undefined) continue;
      const own = fieldInfo(fieldSchema(schema, spec.key)).defaultValue;
      if ((DEMO_DEFAULTS as Record<string, string>)[variable] !== spec.default) problems.push(`${variable}: a default that is not the demo's`);
      if (own !== undefined && !(Array.isArray(own) && own.length === 0)) problems.push(`${variable}: overrides ${spec.key}'s default ${JSON.stringify(own)}`);
    }
    expect(problems).toEqual([]);
  });

  it('the worker\'s settings default to the worker\'s own defaults', () => {
    const env = readProducerEnv(base);
    expect({
      newTopicPartitions: env.TOPIC_PARTITIONS,
      transactionTimeoutMs: env.KAFKA_TRANSACTION_TIMEOUT_MS,
      maxRecordBytes: env.MAX_RECORD_BYTES,
      maxUndeliveredBytes: env.KAFKA_UNDELIVERED_BYTES,
      stallTimeoutMs: env.HEALTH_STALL_MS,
    }).toEqual(SOURCE_WORKER_DEFAULTS);
  });

  it('the settings both apps have are app-runtime\'s, Kafka\'s and the registry\'s from the Kafka runtime\'s own schemas', () => {
    const shared = sharedAppSettings({ name: 'producer', pipelineRuns: 'x', clientId: 'x', healthPort: 1 });
    for (const key of Object.keys(shared)) expect(producerEnvSchema.shape, key).toHaveProperty(key);
    expect(producerEnvSchema.shape.KAFKA_BROKERS).toBe(kafkaConfigSchema.shape.brokers);
    expect(producerEnvSchema.shape.SCHEMA_REGISTRY_URL).toBe(registryConfigSchema.shape.url);
    expect(readProducerEnv(base)).toMatchObject({ KAFKA_CLIENT_ID: 'buyonline-producer', HEALTH_PORT: 8088, HEALTH_HOST: '127.0.0.1', LOG_LEVEL: 'info' });
  });
});
