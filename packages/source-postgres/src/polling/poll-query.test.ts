import { describe, expect, it } from 'vitest';
import { pollQuery } from './poll-query.ts';

const target = {
  ref: { schema: 'shop', table: 'order lines' },
  columns: [
    { name: 'order_id', typeName: 'int8' },
    { name: 'sku', typeName: 'bpchar' },
    { name: 'qty', typeName: 'int4' },
  ],
  keyColumns: [
    { name: 'order_id', typeName: 'int8' },
    { name: 'sku', typeName: 'bpchar' },
  ],
  timestamp: undefined,
};

const squash = (text: string) => text.replace(/\s+/g, ' ');

describe('pollQuery', () => {
  it('starts below the horizon from the first transaction when nothing was read', () => {
    const q = pollQuery(target, '900', undefined, 50);
    expect(squash(q.text)).toContain('from "shop"."order lines" t where t."cdc_txid" < $1::xid8 and t."cdc_txid" >= $2::xid8 order by t."cdc_txid", t."order_id", t."sku" limit $3');
    expect(q.params).toEqual(['900', '0', 50]);
  });

  it('goes on after the last (txid, key) read, comparing typed columns, never their text', () => {
    const q = pollQuery(target, '900', { snapshot_horizon: '800', txid: '850', key: '["10","ab    "]' }, 50);
    expect(squash(q.text)).toContain('where t."cdc_txid" < $1::xid8 and (t."cdc_txid", t."order_id", t."sku") > ($2::xid8, $3, $4) order by');
    expect(q.params).toEqual(['900', '850', '10', 'ab    ', 50]);
  });

  it('reads every value as text, char(n) with its padding, and the bookkeeping under names of its own', () => {
    const text = squash(pollQuery({ ...target, timestamp: 'updated_timestamp' }, '900', undefined, 1).text);
    expect(text).toContain('t."qty"::text as "buyonline.column.2"');
    expect(text).toContain('case when t."sku" is null then null else concat(t."sku") end as "buyonline.column.1"');
    expect(text).toContain('t."cdc_txid"::text as "buyonline.cdc_txid", t."cdc_version"::text as "buyonline.cdc_version"');
    expect(text).toContain('t."order_id"::text as "buyonline.key.0"');
    expect(text).toContain('(extract(epoch from t."updated_timestamp") * 1000000)::int8::text as "buyonline.ts_us"');
    expect(squash(pollQuery(target, '900', undefined, 1).text)).not.toContain('updated_timestamp');
  });

  it('dates records by the timestamp column the config names, whatever its name (no demo column built in)', () => {
    const text = squash(pollQuery({ ...target, timestamp: 'Changed At' }, '900', undefined, 1).text);
    expect(text).toContain('(extract(epoch from t."Changed At") * 1000000)::int8::text as "buyonline.ts_us"');
    expect(text).not.toContain('updated_timestamp');
  });
});
