import { describe, expect, it } from 'vitest';
import { routeTransform } from './route.ts';
import { asSinkRecord, change, configProblem, customerRow, events, kept, make, tombstone } from './testing/fixtures.ts';

describe('route: template', () => {
  it('fills the placeholders from the record; schemas, key and value stay the same objects', () => {
    const route = make(routeTransform, { template: 'lake.{db}.{schema}_{table}.{op}' });
    const record = change('c', null, customerRow());
    const out = kept(route, record);
    expect(out.topic).toBe('lake.shopdb.public_customers.c');
    expect(out.value).toBe(record.value);
    expect(out.valueSchema).toBe(record.valueSchema);
    expect(out.keySchema).toBe(record.keySchema);
    expect(out.key).toBe(record.key);
    expect(kept(route, change('u', customerRow(), customerRow())).topic).toBe('lake.shopdb.public_customers.u');
  });

  it('keeps {topic} and leaves a record whose topic does not change as it is', () => {
    expect(kept(make(routeTransform, { template: '{topic}.v2' }), change('r', null, customerRow())).topic).toBe('shop.public.customers.v2');
    const same = make(routeTransform, { template: '{topic}' });
    const record = change('c', null, customerRow());
    expect(same.apply(record)).toBe(record);
  });

  it('sends a tombstone where its delete went (same table, op d)', () => {
    const route = make(routeTransform, { template: 'cdc.{table}.{op}' });
    const deleted = change('d', customerRow(), null);
    expect(kept(route, deleted).topic).toBe('cdc.customers.d');
    expect(kept(route, tombstone(deleted)).topic).toBe('cdc.customers.d');
  });

  it('refuses a tombstone whose table it cannot know (a DataError: dead-lettered)', () => {
    const route = make(routeTransform, { template: 'cdc.{table}' });
    expect(() => route.apply(tombstone(change('d', customerRow(), null)))).toThrow('route: the template cdc.{table} needs the table of a record on topic shop.public.customers');
  });

  it('refuses a topic Kafka would not take', () => {
    const route = make(routeTransform, { template: 'cdc/{table}' });
    expect(() => route.apply(change('c', null, customerRow()))).toThrow('route: the template cdc/{table} gives "cdc/customers", which is not a Kafka topic name');
  });

  it('routes keyless records and records without schemas alike', () => {
    const route = make(routeTransform, { template: 'x.{schema}.{table}' });
    const keyless = change('c', null, { kind: 'k', payload: '{}' }, { schema: 'audit', table: 'events', schemas: events });
    expect(kept(route, keyless).topic).toBe('x.audit.events');
    expect(kept(route, asSinkRecord(change('c', null, customerRow()))).topic).toBe('x.public.customers');
  });
});

describe('route: regex', () => {
  it('replaces a topic matching the whole expression, as RegexRouter', () => {
    const route = make(routeTransform, { regex: 'shop\\.(\\w+)\\.(\\w+)', replacement: 'warehouse-$1-$2' });
    expect(kept(route, change('c', null, customerRow())).topic).toBe('warehouse-public-customers');
    // Tombstones need no table here: the topic is all it reads.
    expect(kept(route, tombstone(change('d', customerRow(), null))).topic).toBe('warehouse-public-customers');
    const partial = make(routeTransform, { regex: 'shop\\.public', replacement: 'x' });
    const record = change('c', null, customerRow());
    expect(partial.apply(record)).toBe(record);
  });

  it('routes only in scope', () => {
    const route = make(routeTransform, { regex: '.*', replacement: 'elsewhere', tables: ['audit.events'] });
    const record = change('c', null, customerRow());
    expect(route.apply(record)).toBe(record);
  });
});

describe('route: configuration', () => {
  it('wants a template or a regex with its replacement', () => {
    expect(configProblem(routeTransform, {})).toContain('give either `template` or `regex` + `replacement`');
    expect(configProblem(routeTransform, { template: 'a', regex: 'b', replacement: 'c' })).toContain('not both');
    expect(configProblem(routeTransform, { regex: 'b' })).toContain('replacement: `regex` and `replacement` go together');
    expect(configProblem(routeTransform, { template: 'cdc.{tabel}' })).toContain('template: unknown placeholder');
    expect(configProblem(routeTransform, { regex: '[', replacement: 'x' })).toContain('regex: not a valid regular expression');
  });
});
