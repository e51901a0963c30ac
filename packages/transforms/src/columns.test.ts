import { describe, expect, it } from 'vitest';
import { columnsTransform } from './columns.ts';
import {
  asSinkRecord,
  avroProblems,
  avroType,
  change,
  configProblem,
  customerRow,
  events,
  kept,
  make,
  orders,
  rowRecord,
  tombstone,
} from './testing/fixtures.ts';

const update = () => change('u', customerRow({ email: 'old@example.com' }), customerRow());

describe('columns: drop', () => {
  const drop = make(columnsTransform, { drop: ['email', 'photo'] });

  it('removes the columns from both rows and from the row record of the value schema', () => {
    const record = update();
    const out = kept(drop, record);
    const value = out.value as { before: Record<string, unknown>; after: Record<string, unknown> };
    expect(Object.keys(value.after)).toEqual(['id', 'name', 'status', 'balance', 'created_at', 'tags', 'notes']);
    expect(Object.keys(value.before)).toEqual(Object.keys(value.after));
    expect(value.after.balance).toBe('1234.50');
    expect(rowRecord(out.valueSchema).fields.map((f) => f.name)).toEqual(['id', 'name', 'status', 'balance', 'created_at', 'tags', 'notes']);
    expect(avroProblems(out.valueSchema, out.value)).toEqual([]);
    // Everything else of the record travels on; the key schema is the same object.
    expect(out.key).toEqual({ id: 7 });
    expect(out.keySchema).toBe(record.keySchema);
    expect(out.sourceOffset).toEqual({ lsn: '16/B374D848' });
    expect(out.timestampMs).toBe(record.timestampMs);
    // The input (frozen by the fixture) still has its columns.
    expect((record.value as { after: Record<string, unknown> }).after.email).toBe('ada@example.com');
    expect(rowRecord(record.valueSchema).fields).toHaveLength(9);
  });

  it('returns the same output schema object for the same input schema object', () => {
    const first = kept(drop, update());
    const second = kept(drop, change('c', null, customerRow({ id: 8 })));
    expect(second.valueSchema).toBe(first.valueSchema);
    const other = kept(drop, change('c', null, { id: 1, customer_id: 7, total: '9.99' }, { table: 'orders', schemas: orders }));
    expect(other.valueSchema).not.toBe(first.valueSchema);
    expect(rowRecord(other.valueSchema).fields.map((f) => f.name)).toEqual(['id', 'customer_id', 'total']);
  });

  it('may drop a key column from the value: the key keeps it', () => {
    const out = kept(make(columnsTransform, { drop: ['id'] }), update());
    expect((out.value as { after: Record<string, unknown> }).after).not.toHaveProperty('id');
    expect(out.key).toEqual({ id: 7 });
    expect(avroProblems(out.valueSchema, out.value)).toEqual([]);
  });

  it('forgets dropped columns in unchanged_toast and in the source header', () => {
    const record = change('u', null, customerRow({ email: null, notes: null }), { unchanged: ['email', 'notes'] });
    const out = kept(drop, record);
    expect((out.value as { unchanged_toast: string[] }).unchanged_toast).toEqual(['notes']);
    expect(out.headers).toEqual({ 'buyonline.unchanged-toast': 'notes', other: 'x' });
    const all = kept(make(columnsTransform, { drop: ['email', 'notes'] }), record);
    expect(all.headers).toEqual({ other: 'x' });
  });

  it('changes only the value of a record without schemas (the sink side)', () => {
    const record = asSinkRecord(update());
    const out = kept(drop, record);
    expect(out).not.toHaveProperty('valueSchema');
    expect((out.value as { after: Record<string, unknown> }).after).not.toHaveProperty('email');
  });

  it('gives a truncate the edited schema too, and lets tombstones through untouched', () => {
    const truncate = kept(drop, change('t', null, null));
    expect(truncate.key).toBeNull();
    expect(truncate.valueSchema).toBe(kept(drop, update()).valueSchema);
    const grave = tombstone(change('d', customerRow(), null));
    expect(drop.apply(grave)).toBe(grave);
  });
});

describe('columns: keep', () => {
  it('keeps only the listed columns, in the table’s order', () => {
    const out = kept(make(columnsTransform, { keep: ['name', 'id'] }), update());
    expect((out.value as { after: unknown }).after).toEqual({ id: 7, name: 'Ada Lovelace' });
    expect((out.value as { before: unknown }).before).toEqual({ id: 7, name: 'Ada Lovelace' });
    expect(rowRecord(out.valueSchema).fields).toEqual([
      { name: 'id', type: 'long' },
      { name: 'name', type: ['null', 'string'], default: null },
    ]);
    avroType(out.valueSchema);
  });

  it('handles keyless records (a table without a primary key)', () => {
    const record = change('c', null, { kind: 'login', payload: '{"ip":"10.0.0.1"}' }, { schema: 'audit', table: 'events', schemas: events });
    const out = kept(make(columnsTransform, { keep: ['kind'] }), record);
    expect(out.key).toBeNull();
    expect(out.keySchema).toBeNull();
    expect((out.value as { after: unknown }).after).toEqual({ kind: 'login' });
    expect(avroProblems(out.valueSchema, out.value)).toEqual([]);
  });
});

describe('columns: scope', () => {
  it('touches only the listed tables', () => {
    const drop = make(columnsTransform, { drop: ['email'], tables: ['public.orders'] });
    const record = update();
    expect(drop.apply(record)).toBe(record);
    const order = change('c', null, { id: 1, customer_id: 7, total: '9.99' }, { table: 'orders', schemas: orders });
    expect(kept(drop, order)).not.toBe(order);
  });

  it('touches only topics matching the whole regular expression', () => {
    const drop = make(columnsTransform, { drop: ['email'], topics: 'shop\\.public\\.cust' });
    const record = update();
    expect(drop.apply(record)).toBe(record);
    const matching = make(columnsTransform, { drop: ['email'], topics: 'shop\\.public\\..*' });
    expect((kept(matching, record).value as { after: object }).after).not.toHaveProperty('email');
  });
});

describe('columns: configuration', () => {
  it('wants exactly one of keep and drop', () => {
    expect(configProblem(columnsTransform, { keep: ['a'], drop: ['b'] })).toContain('give either `keep` or `drop`');
    expect(configProblem(columnsTransform, {})).toContain('give either `keep` or `drop`');
    expect(configProblem(columnsTransform, { drop: [] })).toContain('drop: list at least one column');
    expect(configProblem(columnsTransform, { drop: ['a', 'a'] })).toContain('a column is listed twice');
    expect(configProblem(columnsTransform, { drop: ['bad name'] })).toContain('drop.0: expected a column name');
    expect(configProblem(columnsTransform, { drop: ['a'], tables: ['customers'] })).toContain('tables.0: expected <schema>.<table>');
    expect(configProblem(columnsTransform, { drop: ['a'], topics: '(' })).toContain('topics: not a valid regular expression');
  });

  it('refuses a value schema that is not a change envelope, naming the transform', () => {
    const drop = make(columnsTransform, { drop: ['email'] });
    const record = { ...update(), valueSchema: { type: 'record', name: 'Flat', fields: [{ name: 'id', type: 'long' }] } };
    expect(() => drop.apply(record)).toThrow('columns: the value schema Flat has no row record in a `before` field');
    expect(() => drop.apply({ ...update(), value: { id: 1 } })).toThrow('columns: the record value is not a change envelope');
  });
});
