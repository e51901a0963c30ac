import { describe, expect, it } from 'vitest';
import { renameTransform } from './rename.ts';
import { asSinkRecord, avroProblems, change, configProblem, customerRow, kept, make, rowRecord, tombstone } from './testing/fixtures.ts';

type Change = { before: Record<string, unknown> | null; after: Record<string, unknown> | null; unchanged_toast: string[] };

describe('rename', () => {
  const rename = make(renameTransform, { fields: { email: 'email_address', name: 'full_name' } });

  it('renames the columns of both rows and of the row schema, keeping the old name as an alias', () => {
    const record = change('u', customerRow({ email: 'old@example.com' }), customerRow());
    const out = kept(rename, record);
    const value = out.value as Change;
    expect(value.after).toMatchObject({ id: 7, email_address: 'ada@example.com', full_name: 'Ada Lovelace' });
    expect(value.after).not.toHaveProperty('email');
    expect(value.before).toMatchObject({ email_address: 'old@example.com' });
    const fields = rowRecord(out.valueSchema).fields;
    expect(fields.map((f) => f.name)).toEqual(['id', 'email_address', 'full_name', 'status', 'balance', 'created_at', 'tags', 'photo', 'notes']);
    expect(fields[1]).toEqual({ name: 'email_address', type: ['null', 'string'], default: null, aliases: ['email'] });
    expect(avroProblems(out.valueSchema, out.value)).toEqual([]);
    expect(kept(rename, change('c', null, customerRow({ id: 9 }))).valueSchema).toBe(out.valueSchema);
  });

  it('renames in unchanged_toast and the source header, not in the key', () => {
    const out = kept(make(renameTransform, { fields: { notes: 'remarks', id: 'customer_id' } }), change('u', null, customerRow(), { unchanged: ['notes'] }));
    expect((out.value as Change).unchanged_toast).toEqual(['remarks']);
    expect(out.headers).toEqual({ 'buyonline.unchanged-toast': 'remarks', other: 'x' });
    expect(out.key).toEqual({ id: 7 });
    expect((out.value as Change).after).toHaveProperty('customer_id', 7);
  });

  it('drops the original column name a source kept for a renamed field: sinks name the column by its new name', () => {
    const record = change('c', null, customerRow());
    const schema = structuredClone(record.valueSchema) as NonNullable<typeof record.valueSchema>;
    const email = rowRecord(schema).fields.find((f) => f.name === 'email') as Record<string, unknown>;
    email['buyonline.pg.name'] = 'e-mail';
    const out = kept(rename, { ...record, valueSchema: schema });
    expect(rowRecord(out.valueSchema).fields[1]).toEqual({ name: 'email_address', type: ['null', 'string'], default: null, aliases: ['email'] });
  });

  it('swaps two names', () => {
    const out = kept(make(renameTransform, { fields: { email: 'name', name: 'email' } }), change('c', null, customerRow()));
    expect((out.value as Change).after).toMatchObject({ name: 'ada@example.com', email: 'Ada Lovelace' });
    expect(avroProblems(out.valueSchema, out.value)).toEqual([]);
  });

  it('refuses a new name that a kept column already has, with and without schemas', () => {
    const clash = make(renameTransform, { fields: { email: 'notes' } });
    const record = change('c', null, customerRow());
    expect(() => clash.apply(record)).toThrow('rename: email → notes collides with the column notes of the table');
    expect(() => clash.apply(asSinkRecord(record))).toThrow('rename: email → notes collides');
  });

  it('changes only the value without schemas, and lets tombstones through', () => {
    const out = kept(rename, asSinkRecord(change('c', null, customerRow())));
    expect(out).not.toHaveProperty('valueSchema');
    expect((out.value as Change).after).toHaveProperty('full_name');
    const grave = tombstone(change('d', customerRow(), null));
    expect(rename.apply(grave)).toBe(grave);
  });

  it('renames only in scope', () => {
    const scoped = make(renameTransform, { fields: { email: 'mail' }, topics: 'other\\..*' });
    const record = change('c', null, customerRow());
    expect(scoped.apply(record)).toBe(record);
  });

  it('validates the mapping', () => {
    expect(configProblem(renameTransform, { fields: {} })).toContain('fields: map at least one column');
    expect(configProblem(renameTransform, { fields: { a: 'x', b: 'x' } })).toContain('two columns are renamed to the same name');
    expect(configProblem(renameTransform, { fields: { a: '1x' } })).toContain('fields.a: expected a column name');
  });
});
