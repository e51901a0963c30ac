import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@buyonline/connect-api';
import { z } from 'zod';
import { afterAll, describe, expect, it } from 'vitest';
import { envWithConfigFile, PipelineFile, readEnvConfig } from './index.ts';

const schema = z.object({
  KAFKA_BROKERS: z.string().min(1).describe('brokers'),
  HEALTH_PORT: z.coerce.number().int().max(65535).default(8088).describe('port'),
  TOPIC_PARTITIONS: z.coerce.number().int().positive().default(3).describe('partitions'),
});

const dir = mkdtempSync(join(tmpdir(), 'env-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('no ConfigError');
}

describe('app settings', () => {
  it('puts the --config file below the environment, an empty variable counting as unset', () => {
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ KAFKA_BROKERS: 'file:9092', HEALTH_PORT: 1, PG_TABLE: 'public.x' }));
    const env = envWithConfigFile({ KAFKA_BROKERS: 'env:9092', HEALTH_PORT: '' }, file);
    expect(env).toEqual({ KAFKA_BROKERS: 'env:9092', HEALTH_PORT: 1, PG_TABLE: 'public.x' });
    expect(readEnvConfig(schema, {}, file)).toEqual({ KAFKA_BROKERS: 'file:9092', HEALTH_PORT: 1, TOPIC_PARTITIONS: 3 });
    writeFileSync(file, '[1]');
    expect(configError(() => envWithConfigFile({}, file)).message).toMatch(/expected a JSON object/);
  });

  it("takes the app's section of the pipeline file below the environment, naming where a bad value came from", () => {
    const pipeline = PipelineFile.parse('name: p\nsink: { connector: s }\nconsumer:\n  HEALTH_PORT: 70000\n  TOPIC_PARTITIONS: 6\n', 'p.yaml', {});
    const section = pipeline.appSettings('consumer');
    expect(readEnvConfig(schema, { KAFKA_BROKERS: 'a:1', HEALTH_PORT: '9' }, { section })).toEqual({ KAFKA_BROKERS: 'a:1', HEALTH_PORT: 9, TOPIC_PARTITIONS: 6 });
    expect(configError(() => readEnvConfig(schema, {}, { section })).message).toBe(
      'invalid configuration:\n  KAFKA_BROKERS: Invalid input: expected string, received undefined\n  consumer.HEALTH_PORT: Too big: expected number to be <=65535',
    );
  });

  it('refuses a key of the section the app does not have, with a hint where one is known', () => {
    const pipeline = PipelineFile.parse('name: p\nsource: { connector: s }\nproducer:\n  SLOT_NAME: s\n  HEALTH_PROT: 1\n', 'p.yaml', {});
    const err = configError(() => readEnvConfig(schema, {}, { section: pipeline.appSettings('producer'), hints: { SLOT_NAME: 'a source setting: source.slot' } }));
    expect(err.message).toBe('invalid configuration:\n  producer.SLOT_NAME: unknown setting (a source setting: source.slot)\n  producer.HEALTH_PROT: unknown setting');
  });
});
