import { describe, expect, it } from 'vitest';
import { benchNames } from '../setup/names.ts';
import { connectorConfig, parseConfigOverrides, redacted } from './connector-config.ts';

const names = benchNames('bench_x1');

describe('connectorConfig', () => {
  it('points Debezium at the stack’s database, with its own slot and publication on the run’s table', () => {
    const config = connectorConfig('postgres://buy%40er:p%3Ass@127.0.0.1:15432/buyonline', names);
    expect(config).toMatchObject({
      'database.hostname': '127.0.0.1',
      'database.port': '15432',
      'database.user': 'buy@er',
      'database.password': 'p:ss',
      'database.dbname': 'buyonline',
      'slot.name': 'bench_x1_debezium',
      'publication.name': 'bench_x1_debezium',
      'table.include.list': 'bench_x1.products',
      'exactly.once.support': 'required',
    });
    // Debezium names its topic <prefix>.<schema>.<table>: the one the bench follows
    expect(`${config['topic.prefix']}.${config['table.include.list']}`).toBe(names.debezium.topic);
    expect(redacted(config)['database.password']).toBe('********');
  });

  it('takes DEBEZIUM_CONFIG’s settings over its own', () => {
    const overrides = parseConfigOverrides('{"poll.interval.ms": 10, "snapshot.fetch.size": "20000", "provide.transaction.metadata": false}');
    expect(overrides).toEqual({ 'poll.interval.ms': '10', 'snapshot.fetch.size': '20000', 'provide.transaction.metadata': 'false' });
    expect(connectorConfig('postgres://u:p@h:1/d', names, { 'snapshot.mode': 'no_data' })['snapshot.mode']).toBe('no_data');
    expect(parseConfigOverrides(undefined)).toEqual({});
    expect(parseConfigOverrides('  ')).toEqual({});
  });

  it('refuses DEBEZIUM_CONFIG that is not a JSON object of plain values', () => {
    expect(() => parseConfigOverrides('poll.interval.ms=10')).toThrow(/not JSON/);
    expect(() => parseConfigOverrides('[1]')).toThrow(/JSON object/);
    expect(() => parseConfigOverrides('{"a": {"b": 1}}')).toThrow(/a must be a string/);
  });
});
