import { createHash } from 'node:crypto';
import type { Transform, TransformRecord } from '@buyonline/connect-api';
import { describe, expect, it } from 'vitest';
import { columnsTransform } from './columns.ts';
import { envelopeTransform } from './envelope.ts';
import { filterTransform } from './filter.ts';
import { maskTransform } from './mask.ts';
import { renameTransform } from './rename.ts';
import { routeTransform } from './route.ts';
import { asSinkRecord, avroProblems, change, customerRow, kept, make, orders, tombstone } from './testing/fixtures.ts';

/** As the source worker applies a chain: in order, stopping at the first drop. */
function chain(transforms: readonly Transform[]): Transform {
  return {
    apply<R extends TransformRecord>(record: R): R | null {
      let current: R | null = record;
      for (const t of transforms) {
        if (current === null) return null;
        current = t.apply(current);
      }
      return current;
    },
  };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('a chain of three: filter, mask, route', () => {
  const pipeline = chain([
    make(filterTransform, { ops: ['c', 'u', 'r'], where: { column: 'status', operator: 'ne', value: 'test' }, tables: ['public.customers'] }),
    make(maskTransform, { columns: ['email'], tables: ['public.customers'] }),
    make(routeTransform, { template: 'lake.{schema}.{table}' }),
  ]);

  it('filters, masks and routes a customer; routes an order untouched otherwise', () => {
    const out = kept(pipeline, change('u', customerRow(), customerRow({ name: 'Ada L.' })));
    expect(out.topic).toBe('lake.public.customers');
    expect((out.value as { after: Record<string, unknown> }).after).toMatchObject({ email: sha256('ada@example.com'), name: 'Ada L.' });
    expect(avroProblems(out.valueSchema, out.value)).toEqual([]);
    const order = change('d', { id: 1, customer_id: 7, total: '9.99' }, null, { table: 'orders', schemas: orders });
    const routed = kept(pipeline, order);
    expect(routed.topic).toBe('lake.public.orders');
    expect(routed.value).toBe(order.value);
    expect(routed.valueSchema).toBe(order.valueSchema);
  });

  it('drops what the filter drops, and keeps the customers’ tombstones (routed like their delete)', () => {
    expect(pipeline.apply(change('c', null, customerRow({ status: 'test' })))).toBeNull();
    const deleted = change('d', customerRow(), null);
    expect(pipeline.apply(deleted)).toBeNull();
    expect(kept(pipeline, tombstone(deleted)).topic).toBe('lake.public.customers');
  });

  it('gives every record of a table the same schema object, through the whole chain', () => {
    const schemas = new Set(
      [change('c', null, customerRow()), change('r', null, customerRow({ id: 2 })), change('u', customerRow(), customerRow())].map(
        (r) => kept(pipeline, r).valueSchema,
      ),
    );
    expect(schemas.size).toBe(1);
  });
});

describe('a longer chain ending in an envelope', () => {
  const pipeline = chain([
    make(columnsTransform, { drop: ['photo', 'tags'] }),
    make(renameTransform, { fields: { name: 'full_name' } }),
    make(maskTransform, { columns: ['email'], method: 'redact' }),
    make(envelopeTransform, { format: 'flatten', addFields: ['op', 'table'] }),
  ]);

  it('gives a valid flat record, the same on the source (schemas) and the sink (none)', () => {
    const record = change('c', null, customerRow());
    const out = kept(pipeline, record);
    expect(out.value).toEqual({
      id: 7,
      email: '****',
      full_name: 'Ada Lovelace',
      status: 'active',
      balance: '1234.50',
      created_at: 1_764_590_400_123_456,
      notes: null,
      __op: 'c',
      __table: 'customers',
      __deleted: 'false',
    });
    expect(avroProblems(out.valueSchema, out.value)).toEqual([]);
    expect(kept(pipeline, change('u', customerRow(), customerRow({ id: 3 }))).valueSchema).toBe(out.valueSchema);
    expect(kept(pipeline, asSinkRecord(record)).value).toEqual(out.value);
  });
});
