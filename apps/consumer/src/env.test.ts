// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} references are what these tests feed the pipeline file

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configOf, sharedAppSettings } from '@buyonline/app-runtime';
import { configKeys, fieldInfo, fieldSchema, shortcutSpec } from '@buyonline/app-runtime/testing';
import { ConfigError, type TransformPlugin } from '@buyonline/connect-api';
import { kafkaConfigSchema, registryConfigSchema, SINK_WORKER_DEFAULTS } from '@buyonline/kafka-common';
import { localStagePlugin, snowflakeStagePlugin } from '@buyonline/sink-stage';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { consumerEnvSchema, readConsumerEnv, readConsumerSettings, SINK_SHORTCUTS, sinkConfigFrom, subscriptionOf } from './env.ts';
import { consumerRegistry } from './plugins.ts';
import { verifyFlagsSchema } from './verify-flags.ts';

const base = { KAFKA_BROKERS: '127.0.0.1:9092', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081' };
const snowflake = { STAGE: 'snowflake', SNOWFLAKE_ACCOUNT: 'acc', SNOWFLAKE_USERNAME: 'u', SNOWFLAKE_DATABASE: 'DB' };
const dir = mkdtempSync(join(tmpdir(), 'consumer-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const upper: TransformPlugin = {
  name: 'upper',
  version: '1',
  kind: 'transform',
  description: 'test',
  configSchema: z.object({ field: z.string() }),
  create: () => ({ apply: (r) => r }),
};
const registry = () => consumerRegistry(dir, undefined).register(upper);

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

describe('consumer settings', () => {
  it('refuses empty entries in KAFKA_BROKERS, naming the variable', () => {
    for (const bad of ['a:9092,,b:9092', 'a:9092,', ' , ']) {
      expect(() => readConsumerEnv({ ...base, KAFKA_BROKERS: bad })).toThrow(ConfigError);
      expect(() => readConsumerEnv({ ...base, KAFKA_BROKERS: bad })).toThrow(/KAFKA_BROKERS: .*empty entry/);
    }
    expect(readConsumerEnv({ ...base, KAFKA_BROKERS: 'a:9092,b:9092' }).KAFKA_BROKERS).toEqual(['a:9092', 'b:9092']);
  });

  it('still reads every variable it read before the plugins owned their settings', () => {
    const before = [
      'KAFKA_BROKERS', 'KAFKA_CLIENT_ID', 'SCHEMA_REGISTRY_URL', 'TOPIC', 'CONSUMER_GROUP', 'SINK_DLQ_TOPIC', 'STAGE', 'STAGE_DIR', 'FLUSH_RECORDS', 'FLUSH_BYTES',
      'ROTATE_INTERVAL_MS', 'COMMIT_INTERVAL_MS', 'MAX_BATCH_RECORDS', 'SNOWFLAKE_ACCOUNT', 'SNOWFLAKE_USERNAME', 'SNOWFLAKE_PASSWORD', 'SNOWFLAKE_PRIVATE_KEY',
      'SNOWFLAKE_PRIVATE_KEY_FILE', 'SNOWFLAKE_PRIVATE_KEY_PASSPHRASE', 'SNOWFLAKE_WAREHOUSE', 'SNOWFLAKE_DATABASE', 'SNOWFLAKE_SCHEMA', 'SNOWFLAKE_ROLE',
      'SNOWFLAKE_STAGE', 'SNOWFLAKE_PATH_PREFIX', 'SNOWFLAKE_PATH_STYLE', 'SNOWFLAKE_LIST_WHOLE_STAGE', 'SNOWFLAKE_LOAD', 'SNOWFLAKE_TABLE', 'SNOWFLAKE_CLAIMS_TABLE',
      'SNOWFLAKE_VARIANT_COLUMN', 'SNOWFLAKE_CREATE_OBJECTS', 'SNOWFLAKE_DRY_RUN', 'SNOWFLAKE_ACCESS_URL', 'SNOWFLAKE_CONNECT_ATTEMPTS', 'PG_URL', 'PG_TABLE',
      'HEALTH_HOST', 'HEALTH_PORT', 'LOG_LEVEL',
    ];
    const now = new Set([...Object.keys(consumerEnvSchema.shape), ...Object.values(SINK_SHORTCUTS).flatMap((s) => Object.keys(s))]);
    expect(before.filter((v) => !now.has(v))).toEqual([]);
    expect(Object.keys(consumerEnvSchema.shape).filter((v) => v.startsWith('SNOWFLAKE_') || ['STAGE_DIR', 'FLUSH_RECORDS'].includes(v))).toEqual([]);
  });

  it('without a pipeline file: the local stage and its variables, defaults from the plugin, errors naming the variable', async () => {
    const settings = await readConsumerSettings({ ...base, STAGE_DIR: '/data/stage', FLUSH_RECORDS: '700' }, {}, registry());
    expect(settings.sink.plugin).toBe(localStagePlugin);
    expect(configOf(settings.sink, localStagePlugin)).toEqual({ stage: 'local', dir: '/data/stage', flushRecords: 700, flushBytes: 16 * 1024 * 1024, bufferBytes: 32 * 1024 * 1024, rotateIntervalMs: 10_000 });
    expect(settings.topics).toEqual(['buyonline.public.products']);
    expect(settings.transforms).toEqual([]);
    const err = await rejection(readConsumerSettings({ ...base, FLUSH_RECORDS: 'lots', SNOWFLAKE_ACCOUNT: '' }, {}, registry()));
    expect(err.message).toBe('invalid sink configuration (local-stage):\n  FLUSH_RECORDS: Invalid input: expected number, received NaN');
  });

  it('STAGE=snowflake reads the SNOWFLAKE_* variables into the snowflake-stage connector, the key from a variable or a file', async () => {
    const keyFile = join(dir, 'key.pem');
    writeFileSync(keyFile, '-----BEGIN PRIVATE KEY-----\nfrom file\n');
    const fromFile = sinkConfigFrom(readConsumerEnv({ ...base, ...snowflake, SNOWFLAKE_PRIVATE_KEY_FILE: keyFile, SNOWFLAKE_LOAD: 'true', SNOWFLAKE_SCHEMA: 'RAW' }));
    expect(fromFile).toMatchObject({ stage: 'snowflake', account: 'acc', database: 'DB', schema: 'RAW', load: true, stageName: 'BUYONLINE_CDC', dir: './.stage' });
    expect(fromFile.stage === 'snowflake' && fromFile.privateKey?.reveal()).toBe('-----BEGIN PRIVATE KEY-----\nfrom file\n');
    const escaped = sinkConfigFrom(readConsumerEnv({ ...base, ...snowflake, SNOWFLAKE_PRIVATE_KEY: 'a\\nb', SNOWFLAKE_PRIVATE_KEY_FILE: keyFile }));
    expect(escaped.stage === 'snowflake' && escaped.privateKey?.reveal()).toBe('a\nb');
    expect(() => sinkConfigFrom(readConsumerEnv({ ...base, ...snowflake }))).toThrow('invalid sink configuration (snowflake-stage):\n  SNOWFLAKE_PASSWORD: set a password or a private key');
    expect(() => sinkConfigFrom(readConsumerEnv({ ...base, ...snowflake, SNOWFLAKE_PRIVATE_KEY_FILE: join(dir, 'none.pem') }))).toThrow(/^SNOWFLAKE_PRIVATE_KEY_FILE: cannot read .*none\.pem: ENOENT/);
    const settings = await readConsumerSettings({ ...base, ...snowflake, SNOWFLAKE_PASSWORD: 'pw' }, {}, registry());
    expect(settings.sink.plugin).toBe(snowflakeStagePlugin);
    expect(String(configOf(settings.sink, snowflakeStagePlugin)?.password)).toBe('<redacted>');
  });

  it('with a pipeline file: its sink section and sink.transforms, the variables winning, the consumer section below the environment', async () => {
    const file = pipeline(`
name: shop
source: { connector: postgres, url: "\${PG_URL}" }
sink:
  connector: snowflake-stage
  account: acc
  username: loader
  password: \${SF_PASSWORD}
  database: SHOP
  load: true
  transforms:
    - transform: upper
      field: name
consumer:
  CONSUMER_GROUP: shop-sink
  TOPIC: shop.public.a,shop.public.b
`);
    const settings = await readConsumerSettings({ ...base, SF_PASSWORD: 'pw', SNOWFLAKE_DATABASE: 'SHOP_DEV', CONSUMER_GROUP: '' }, { pipelineFile: file }, registry());
    expect(settings.sink.plugin.name).toBe('snowflake-stage');
    expect(configOf(settings.sink, snowflakeStagePlugin)).toMatchObject({ account: 'acc', username: 'loader', database: 'SHOP_DEV', load: true });
    expect(settings.sink.fromEnv).toEqual({ database: 'SNOWFLAKE_DATABASE' });
    // what reconcile reads is the same stage
    expect(sinkConfigFrom(settings.env)).toEqual(settings.sink.config);
    expect(settings.transforms.map((t) => [t.plugin.name, t.config])).toEqual([['upper', { field: 'name' }]]);
    expect(settings.env.CONSUMER_GROUP).toBe('shop-sink');
    expect(settings.topics).toEqual(['shop.public.a', 'shop.public.b']);
    // with a file, sink.connector names the connector: a STAGE that disagrees is refused, not a switch
    const err = await rejection(readConsumerSettings({ ...base, PIPELINE_FILE: file, STAGE: 'local', SF_PASSWORD: 'pw' }, {}, registry()));
    expect(err.message).toBe("STAGE=local names local-stage, but the pipeline file's sink.connector is snowflake-stage: unset STAGE or change the file");
    const agreeing = await readConsumerSettings({ ...base, PIPELINE_FILE: file, STAGE: 'snowflake', SF_PASSWORD: 'pw' }, {}, registry());
    expect(agreeing.sink.plugin.name).toBe('snowflake-stage');
  });

  it('names the path of a bad or unknown key in the file, and where a sink variable goes instead of consumer:', async () => {
    const bad = pipeline('name: shop\nsink:\n  connector: local-stage\n  dir: ""\n  flushrecords: 10\n  transforms: [{ transform: upper }]\n');
    expect((await rejection(readConsumerSettings(base, { pipelineFile: bad }, registry()))).message).toBe(
      [
        'invalid sink configuration in sink (local-stage):',
        '  sink.flushrecords: unknown key (local-stage takes: stage, dir, flushRecords, flushBytes, bufferBytes, rotateIntervalMs)',
        '  sink.dir: Too small: expected string to have >=1 characters',
      ].join('\n'),
    );
    const chain = pipeline('name: shop\nsink:\n  connector: local-stage\n  transforms: [{ transform: upper }, { transform: lower }]\n');
    expect((await rejection(readConsumerSettings(base, { pipelineFile: chain }, registry()))).message).toBe(
      'invalid transform configuration in sink.transforms[0] (upper):\n  sink.transforms[0].field: Invalid input: expected string, received undefined',
    );
    const misplaced = pipeline('name: shop\nsink: { connector: local-stage }\nconsumer:\n  STAGE_DIR: /x\n');
    expect((await rejection(readConsumerSettings(base, { pipelineFile: misplaced }, registry()))).message).toBe(
      'invalid configuration:\n  consumer.STAGE_DIR: unknown setting (a sink setting: write it as sink.dir)',
    );
    const sourceOnly = pipeline('name: shop\nsource: { connector: postgres }\n');
    expect((await rejection(readConsumerSettings(base, { pipelineFile: sourceOnly }, registry()))).message).toMatch(/no sink: section/);
  });

  it('subscribes to TOPIC_REGEX as a librdkafka pattern, with TOPIC only when it is set', () => {
    expect(subscriptionOf(readConsumerEnv({ ...base, TOPIC_REGEX: 'buyonline\\.public\\..*' }))).toEqual(['^buyonline\\.public\\..*']);
    expect(subscriptionOf(readConsumerEnv({ ...base, TOPIC_REGEX: '^shop\\.', TOPIC: 'a, b' }))).toEqual(['a', 'b', '^shop\\.']);
    expect(() => readConsumerEnv({ ...base, TOPIC_REGEX: '(' })).toThrow(/TOPIC_REGEX: not a valid regular expression/);
  });
});

describe('every consumer setting has one owner', () => {
  it('each sink variable is one key of its plugin\'s schema, with the plugin\'s own default (no app default at all)', () => {
    const problems: string[] = [];
    for (const plugin of [localStagePlugin, snowflakeStagePlugin]) {
      const keys = configKeys(plugin.configSchema);
      for (const [variable, shortcut] of Object.entries(SINK_SHORTCUTS[plugin.name] ?? {})) {
        const spec = shortcutSpec(shortcut);
        if (!keys.includes(spec.key)) problems.push(`${plugin.name} ${variable}: no key ${spec.key}`);
        if (spec.default !== undefined) problems.push(`${plugin.name} ${variable}: a second default ${spec.default}`);
      }
    }
    expect(problems).toEqual([]);
    expect(fieldInfo(fieldSchema(snowflakeStagePlugin.configSchema, 'targetTable')).defaultValue).toBeUndefined();
  });

  it('the worker\'s settings default to the worker\'s own defaults', () => {
    expect(readConsumerEnv(base).KAFKA_PREFETCH_BYTES).toBe(SINK_WORKER_DEFAULTS.prefetchBytes);
  });

  it('the settings both apps have are app-runtime\'s, Kafka\'s and the registry\'s from the Kafka runtime\'s own schemas', () => {
    const shared = sharedAppSettings({ name: 'consumer', pipelineRuns: 'x', clientId: 'x', healthPort: 1 });
    for (const key of Object.keys(shared)) expect(consumerEnvSchema.shape, key).toHaveProperty(key);
    expect(consumerEnvSchema.shape.KAFKA_BROKERS).toBe(kafkaConfigSchema.shape.brokers);
    expect(consumerEnvSchema.shape.SCHEMA_REGISTRY_URL).toBe(registryConfigSchema.shape.url);
    expect(readConsumerEnv(base)).toMatchObject({ KAFKA_CLIENT_ID: 'buyonline-consumer', HEALTH_PORT: 8089, HEALTH_HOST: '127.0.0.1', LOG_LEVEL: 'info' });
  });

  it('the verify loop is off by default and reads VERIFY_* with the verify command\'s own flag schema', () => {
    expect(readConsumerEnv(base)).toMatchObject({ VERIFY_INTERVAL_SECONDS: 0, VERIFY_REPAIR: false, VERIFY_RANGE_KEYS: 1000, VERIFY_STALE_SECONDS: 3600 });
    expect(readConsumerEnv(base).VERIFY_ROWS_PER_SECOND).toBeUndefined();
    const on = readConsumerEnv({ ...base, VERIFY_INTERVAL_SECONDS: '300', VERIFY_REPAIR: 'true', VERIFY_RANGE_KEYS: '500', VERIFY_ROWS_PER_SECOND: '20000', VERIFY_STALE_SECONDS: '1800' });
    expect(on).toMatchObject({ VERIFY_INTERVAL_SECONDS: 300, VERIFY_REPAIR: true, VERIFY_RANGE_KEYS: 500, VERIFY_ROWS_PER_SECOND: 20000, VERIFY_STALE_SECONDS: 1800 });
    expect(fieldInfo(consumerEnvSchema.shape.VERIFY_RANGE_KEYS).defaultValue).toBe(fieldInfo(verifyFlagsSchema.shape.rangeKeys).defaultValue);
    expect(() => readConsumerEnv({ ...base, VERIFY_INTERVAL_SECONDS: '-5' })).toThrow(/VERIFY_INTERVAL_SECONDS/);
    expect(() => readConsumerEnv({ ...base, VERIFY_REPAIR: 'perhaps' })).toThrow(/VERIFY_REPAIR/);
  });

  it('loading the variant format without SNOWFLAKE_TABLE is an error naming the variable', async () => {
    const env = { ...base, ...snowflake, SNOWFLAKE_PASSWORD: 'pw', SNOWFLAKE_LOAD: 'true', SNOWFLAKE_TABLE_FORMAT: 'variant' };
    await expect(readConsumerSettings(env, {}, registry())).rejects.toThrow(/\n {2}SNOWFLAKE_TABLE: required with tableFormat variant and load/);
  });
});
