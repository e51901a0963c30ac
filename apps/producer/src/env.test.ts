import { ConfigError } from '@buyonline/connect-api';
import { describe, expect, it } from 'vitest';
import { readProducerEnv, sourceConfigFrom } from './env.ts';

const base = { PG_URL: 'postgres://u:p@127.0.0.1:5432/db', KAFKA_BROKERS: '127.0.0.1:9092', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081' };

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('no ConfigError');
}

describe('producer settings', () => {
  it('refuses a PUBLICATION_NAME that is not a plain lower-case name, like SLOT_NAME', () => {
    for (const bad of ['Products', 'a,b', "x'y", 'pub-lic', 'p'.repeat(64)]) {
      const err = configError(() => sourceConfigFrom(readProducerEnv({ ...base, PUBLICATION_NAME: bad })));
      expect(err.message).toMatch(/PUBLICATION_NAME: lower-case letters, digits and _ only/);
    }
    expect(sourceConfigFrom(readProducerEnv({ ...base, PUBLICATION_NAME: 'buyonline_products_2' })).publication).toBe('buyonline_products_2');
  });

  it('refuses empty entries in KAFKA_BROKERS, naming the variable', () => {
    for (const bad of ['a:9092,,b:9092', 'a:9092,', ',a:9092', 'a:9092, ,b:9092', ',']) {
      expect(configError(() => readProducerEnv({ ...base, KAFKA_BROKERS: bad })).message).toMatch(/KAFKA_BROKERS: .*empty entry/);
    }
    expect(readProducerEnv({ ...base, KAFKA_BROKERS: ' a:9092 , b:9092 ' }).KAFKA_BROKERS).toEqual(['a:9092', 'b:9092']);
  });
});
