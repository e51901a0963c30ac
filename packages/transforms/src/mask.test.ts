import { createHash, createHmac } from 'node:crypto';
import { parseConfig } from '@buyonline/connect-api';
import { describe, expect, it } from 'vitest';
import { maskTransform } from './mask.ts';
import {
  asSinkRecord,
  avroProblems,
  change,
  configProblem,
  customerRow,
  events,
  kept,
  make,
  recordingContext,
  rowRecord,
  tombstone,
} from './testing/fixtures.ts';

type Change = { before: Record<string, unknown> | null; after: Record<string, unknown> | null };
const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');

describe('mask: hash', () => {
  it('replaces each value by the lower-case hex SHA-256 of its text', () => {
    const hash = make(maskTransform, { columns: ['email'] });
    const out = kept(hash, change('c', null, customerRow({ email: 'abc' })));
    // The SHA-256 test vector of "abc" (FIPS 180-2).
    expect((out.value as Change).after?.email).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect((out.value as Change).after?.name).toBe('Ada Lovelace');
  });

  it('hashes numbers as printed, bytes as bytes and arrays as JSON; null stays null', () => {
    const hash = make(maskTransform, { columns: ['id', 'balance', 'photo', 'tags', 'notes'] });
    const out = kept(hash, change('u', customerRow(), customerRow()));
    const after = (out.value as Change).after ?? {};
    expect(after.id).toBe(sha256('7'));
    expect(after.balance).toBe(sha256('1234.50'));
    expect(after.photo).toBe(sha256(Buffer.from([1, 2, 3])));
    expect(after.tags).toBe(sha256('["vip",null]'));
    expect(after.notes).toBeNull();
    expect((out.value as Change).before).toEqual(after);
  });

  it('hashes an int64 beyond 2^53 (a bigint) by its digits, also in an array, where JSON.stringify would throw', () => {
    const hash = make(maskTransform, { columns: ['id', 'tags'] });
    const big = 1_550_166_368_505_037_572n;
    const out = kept(hash, change('c', null, customerRow({ id: big, tags: [big, 7, null] })));
    const after = (out.value as Change).after ?? {};
    expect(after.id).toBe(sha256('1550166368505037572'));
    expect(after.tags).toBe(sha256('[1550166368505037572,7,null]'));
  });

  it('keys the hash with the salt (HMAC-SHA-256), a secret that never shows in JSON', () => {
    const config = { columns: ['email'], salt: 'pepper-2026' };
    const out = kept(make(maskTransform, config), change('c', null, customerRow()));
    expect((out.value as Change).after?.email).toBe(createHmac('sha256', 'pepper-2026').update('ada@example.com').digest('hex'));
    expect((out.value as Change).after?.email).not.toBe(sha256('ada@example.com'));
    expect(JSON.stringify(parseConfig(maskTransform.configSchema, config))).not.toContain('pepper');
  });

  it('hashes the same text the same way with and without schemas', () => {
    const hash = make(maskTransform, { columns: ['email'] });
    const source = kept(hash, change('c', null, customerRow()));
    const sink = kept(hash, asSinkRecord(change('c', null, customerRow())));
    expect((sink.value as Change).after?.email).toBe((source.value as Change).after?.email);
    expect(sink).not.toHaveProperty('valueSchema');
  });
});

describe('mask: redact', () => {
  it('replaces values by the replacement; null stays null', () => {
    const redact = make(maskTransform, { columns: ['email', 'notes'], method: 'redact', replacement: '[gone]' });
    const out = kept(redact, change('d', customerRow(), null));
    expect((out.value as Change).before).toMatchObject({ email: '[gone]', notes: null, name: 'Ada Lovelace' });
    expect((out.value as Change).after).toBeNull();
  });

  it('uses **** by default and refuses a salt', () => {
    const out = kept(make(maskTransform, { columns: ['email'], method: 'redact' }), change('c', null, customerRow()));
    expect((out.value as Change).after?.email).toBe('****');
    expect(configProblem(maskTransform, { columns: ['email'], method: 'redact', salt: 's' })).toContain('salt: `salt` is only used with method: hash');
  });
});

describe('mask: schema', () => {
  it('makes every masked column a nullable string with a null default, the rest unchanged', () => {
    const hash = make(maskTransform, { columns: ['email', 'balance', 'tags', 'photo'] });
    const record = change('u', customerRow(), customerRow());
    const out = kept(hash, record);
    const fields = rowRecord(out.valueSchema).fields;
    for (const name of ['email', 'balance', 'tags', 'photo']) {
      expect(fields.find((f) => f.name === name)).toEqual({ name, type: ['null', 'string'], default: null });
    }
    expect(fields.find((f) => f.name === 'created_at')).toEqual(rowRecord(record.valueSchema).fields.find((f) => f.name === 'created_at'));
    expect(avroProblems(out.valueSchema, out.value)).toEqual([]);
    expect(kept(hash, change('t', null, null)).valueSchema).toBe(out.valueSchema);
  });

  it('warns once per schema that the key is not masked when a masked column is in it', () => {
    const { ctx, warnings } = recordingContext();
    const hash = make(maskTransform, { columns: ['id', 'email'] }, ctx);
    const first = kept(hash, change('c', null, customerRow()));
    kept(hash, change('c', null, customerRow({ id: 8 })));
    expect(first.key).toEqual({ id: 7 });
    expect((first.value as Change).after?.id).toBe(sha256('7'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.obj).toEqual({ topic: 'shop.public.customers', columns: ['id'] });
    // A masked required key column becomes nullable in the value: the schema stays valid.
    expect(avroProblems(first.valueSchema, first.value)).toEqual([]);
  });
});

describe('mask: what passes through', () => {
  const hash = make(maskTransform, { columns: ['payload'], tables: ['audit.events'] });

  it('masks keyless records of the scoped table and nothing else', () => {
    const event = change('c', null, { kind: 'login', payload: '{}' }, { schema: 'audit', table: 'events', schemas: events });
    const out = kept(hash, event);
    expect(out.key).toBeNull();
    expect((out.value as Change).after?.payload).toBe(sha256('{}'));
    const customer = change('c', null, customerRow());
    expect(hash.apply(customer)).toBe(customer);
  });

  it('lets tombstones through', () => {
    const grave = tombstone(change('d', customerRow(), null));
    expect(hash.apply(grave)).toBe(grave);
  });
});
