import { describe, expect, it } from 'vitest';
import { columnsTransform } from './columns.ts';
import { envelopeTransform } from './envelope.ts';
import {
  asSinkRecord,
  avroProblems,
  avroType,
  change,
  configProblem,
  customerRow,
  customers,
  events,
  kept,
  make,
  orders,
  rowRecord,
  tombstone,
} from './testing/fixtures.ts';

const debeziumSource = {
  version: '0.1.0',
  connector: 'postgresql',
  name: 'shop',
  ts_ms: 1_764_590_400_000,
  snapshot: 'false',
  db: 'shopdb',
  sequence: null,
  ts_us: 1_764_590_400_000_000,
  schema: 'public',
  table: 'customers',
  txId: 5012,
  lsn: 97_500_059_720,
  xmin: null,
};

describe('envelope: debezium', () => {
  const debezium = make(envelopeTransform, { format: 'debezium' });

  it('gives Debezium’s PostgreSQL value: same rows, its source block, op, ts_ms, no transaction', () => {
    const record = change('u', customerRow({ name: 'Ada' }), customerRow());
    const out = kept(debezium, record);
    expect(out.value).toEqual({
      before: customerRow({ name: 'Ada' }),
      after: customerRow(),
      source: debeziumSource,
      transaction: null,
      op: 'u',
      ts_ms: 1_764_590_401_500,
      ts_us: 1_764_590_401_500_999,
    });
    expect(out.key).toEqual({ id: 7 });
    expect(out.keySchema).toBe(record.keySchema);
    expect(avroProblems(out.valueSchema, out.value)).toEqual([]);
  });

  it('rewrites the schema into a valid Avro record named as before, the row record kept', () => {
    const out = kept(debezium, change('c', null, customerRow()));
    const type = avroType(out.valueSchema);
    expect(type.name).toBe('shop.public.customers.Envelope');
    const schema = out.valueSchema as { fields: { name: string; type: unknown }[] };
    expect(schema.fields.map((f) => f.name)).toEqual(['before', 'after', 'source', 'transaction', 'op', 'ts_ms', 'ts_us']);
    expect(rowRecord(out.valueSchema)).toBe(rowRecord(customers.valueSchema));
    expect(schema.fields.find((f) => f.name === 'after')?.type).toEqual(['null', 'Value']);
    expect(schema.fields.find((f) => f.name === 'source')?.type).toMatchObject({ name: 'Source', namespace: 'io.debezium.connector.postgresql' });
    // An encode/decode round trip keeps the value.
    expect(type.fromBuffer(type.toBuffer(out.value))).toEqual(out.value);
  });

  it('returns the same schema object per input schema object', () => {
    const first = kept(debezium, change('c', null, customerRow()));
    expect(kept(debezium, change('d', customerRow(), null)).valueSchema).toBe(first.valueSchema);
    const order = kept(debezium, change('c', null, { id: 1, customer_id: 7, total: '1.00' }, { table: 'orders', schemas: orders }));
    expect(order.valueSchema).not.toBe(first.valueSchema);
    expect(avroProblems(order.valueSchema, order.value)).toEqual([]);
  });

  it("says snapshot 'true' for snapshot reads, carries a truncate, and a polling record's missing LSN as null", () => {
    const read = kept(debezium, change('r', null, customerRow()));
    expect((read.value as { source: { snapshot: string } }).source.snapshot).toBe('true');
    const truncate = kept(debezium, change('t', null, null));
    expect(truncate.value).toMatchObject({ op: 't', before: null, after: null, source: { table: 'customers' } });
    expect(avroProblems(truncate.valueSchema, truncate.value)).toEqual([]);
    const polled = kept(debezium, change('c', null, customerRow(), { lsn: null }));
    expect((polled.value as { source: { lsn: unknown } }).source.lsn).toBeNull();
  });

  it('takes the server name from the configuration, else the topic prefix, else the database', () => {
    const named = kept(make(envelopeTransform, { format: 'debezium', serverName: 'prod', sourceVersion: '2.7.0.Final' }), change('c', null, customerRow()));
    expect((named.value as { source: object }).source).toMatchObject({ name: 'prod', version: '2.7.0.Final' });
    const odd = kept(debezium, change('c', null, customerRow(), { topic: 'customers-cdc' }));
    expect((odd.value as { source: { name: string } }).source.name).toBe('shopdb');
  });

  it('reads the sink’s ISO-8601 timestamps the same as the source’s microseconds (no schema: value only)', () => {
    const sink = kept(debezium, asSinkRecord(change('u', customerRow(), customerRow())));
    expect(sink).not.toHaveProperty('valueSchema');
    expect(sink.value).toMatchObject({ ts_ms: 1_764_590_401_500, ts_us: 1_764_590_401_500_999, source: { ts_ms: 1_764_590_400_000 } });
  });

  it('leaves the rows to row transforms after it', () => {
    const out = kept(make(columnsTransform, { drop: ['email'] }), kept(debezium, change('c', null, customerRow())));
    expect((out.value as { after: object }).after).not.toHaveProperty('email');
    expect(avroProblems(out.valueSchema, out.value)).toEqual([]);
  });

  it('keeps tombstones unless asked, and refuses values that are not our envelope', () => {
    const grave = tombstone(change('d', customerRow(), null));
    expect(debezium.apply(grave)).toBe(grave);
    expect(make(envelopeTransform, { format: 'debezium', tombstones: 'drop' }).apply(grave)).toBeNull();
    expect(() => debezium.apply({ ...change('c', null, customerRow()), value: { id: 1 } })).toThrow('envelope: the record value is not a change envelope');
  });
});

describe('envelope: flatten', () => {
  const flatten = make(envelopeTransform, { format: 'flatten' });

  it('turns an insert or update into its after row with __op, __table, __source_ts_ms and __deleted', () => {
    const out = kept(flatten, change('u', customerRow({ name: 'Ada' }), customerRow()));
    expect(out.value).toEqual({ ...customerRow(), __op: 'u', __table: 'customers', __source_ts_ms: 1_764_590_400_000, __deleted: 'false' });
    expect(out.key).toEqual({ id: 7 });
    expect(avroProblems(out.valueSchema, out.value)).toEqual([]);
  });

  it('turns a delete into its before row with __deleted "true", and drops truncates', () => {
    const out = kept(flatten, change('d', customerRow(), null));
    expect(out.value).toMatchObject({ id: 7, email: 'ada@example.com', __op: 'd', __deleted: 'true' });
    expect(avroProblems(out.valueSchema, out.value)).toEqual([]);
    expect(flatten.apply(change('t', null, null))).toBeNull();
    const grave = tombstone(change('d', customerRow(), null));
    expect(flatten.apply(grave)).toBe(grave);
  });

  it('makes the row record the value schema, with the added fields optional', () => {
    const out = kept(flatten, change('c', null, customerRow()));
    const type = avroType(out.valueSchema);
    expect(type.name).toBe('shop.public.customers.Value');
    const fields = (out.valueSchema as { fields: { name: string; type: unknown; default?: unknown }[] }).fields;
    expect(fields.slice(0, 9)).toEqual(rowRecord(customers.valueSchema).fields);
    expect(fields.slice(9)).toEqual([
      { name: '__op', type: ['null', 'string'], default: null },
      { name: '__table', type: ['null', 'string'], default: null },
      { name: '__source_ts_ms', type: ['null', 'long'], default: null },
      { name: '__deleted', type: ['null', 'string'], default: null, doc: expect.any(String) },
    ]);
    expect(type.fromBuffer(type.toBuffer(out.value))).toEqual(out.value);
    expect(kept(flatten, change('r', null, customerRow({ id: 2 }))).valueSchema).toBe(out.valueSchema);
  });

  it('adds the fields asked for; deletes: drop drops deletes and adds no __deleted', () => {
    const custom = make(envelopeTransform, { format: 'flatten', addFields: ['db', 'schema', 'lsn', 'ts_ms'], deletes: 'drop' });
    const out = kept(custom, change('c', null, { kind: 'login', payload: '{}' }, { schema: 'audit', table: 'events', schemas: events }));
    expect(out.value).toEqual({ kind: 'login', payload: '{}', __db: 'shopdb', __schema: 'audit', __lsn: 97_500_059_720, __ts_ms: 1_764_590_401_500 });
    expect(out.key).toBeNull();
    expect(avroProblems(out.valueSchema, out.value)).toEqual([]);
    expect(custom.apply(change('d', { kind: 'login', payload: '{}' }, null, { schema: 'audit', table: 'events', schemas: events }))).toBeNull();
  });

  it('flattens sink records (no schema) the same way', () => {
    const out = kept(flatten, asSinkRecord(change('c', null, customerRow())));
    expect(out).not.toHaveProperty('valueSchema');
    expect(out.value).toMatchObject({ id: 7, __op: 'c', __source_ts_ms: 1_764_590_400_000 });
  });

  it('refuses a table column that has the name of an added field', () => {
    const clash = change('c', null, { ...customerRow(), __op: 'x' }, { schemas: undefined });
    expect(() => flatten.apply(clash)).toThrow('envelope: the table has a column __op');
  });

  it('flattens only in scope', () => {
    const scoped = make(envelopeTransform, { format: 'flatten', tables: ['public.orders'] });
    const record = change('c', null, customerRow());
    expect(scoped.apply(record)).toBe(record);
  });

  it('validates its configuration', () => {
    expect(configProblem(envelopeTransform, {})).toContain('format');
    expect(configProblem(envelopeTransform, { format: 'flatten', addFields: ['op', 'op'] })).toContain('a field is listed twice');
    expect(configProblem(envelopeTransform, { format: 'flatten', addFields: ['txid'] })).toContain('addFields.0');
  });
});
