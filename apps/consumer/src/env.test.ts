import { ConfigError } from '@buyonline/connect-api';
import { describe, expect, it } from 'vitest';
import { readConsumerEnv } from './env.ts';

const base = { KAFKA_BROKERS: '127.0.0.1:9092', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081' };

describe('consumer settings', () => {
  it('refuses empty entries in KAFKA_BROKERS, naming the variable', () => {
    for (const bad of ['a:9092,,b:9092', 'a:9092,', ' , ']) {
      expect(() => readConsumerEnv({ ...base, KAFKA_BROKERS: bad })).toThrow(ConfigError);
      expect(() => readConsumerEnv({ ...base, KAFKA_BROKERS: bad })).toThrow(/KAFKA_BROKERS: .*empty entry/);
    }
    expect(readConsumerEnv({ ...base, KAFKA_BROKERS: 'a:9092,b:9092' }).KAFKA_BROKERS).toEqual(['a:9092', 'b:9092']);
  });
});
