import { describe, expect, it } from 'vitest';
import { latestState, reconcile, summarize, type TableRow } from './compare.ts';
import { type CatalogColumn, displayKey, type TableShape, tableShape } from './shape.ts';
import { fromPgText } from './values.ts';

function shapeOf(table: string, columns: [name: string, typeName: string, keyPosition?: number][]): TableShape {
  const catalog: CatalogColumn[] = columns.map(([name, typeName, keyPosition = 0]) => ({ name, typeName, typeType: 'b', keyPosition }));
  const result = tableShape({ schema: 'public', table, topic: `buyonline.public.${table}` }, catalog, ['cdc_txid', 'cdc_version']);
  if (!result.ok) throw new Error(result.reason);
  return result.shape;
}

const products = shapeOf('products', [
  ['id', 'int8', 1],
  ['name', 'text'],
  ['category', 'text'],
  ['price', 'numeric'],
  ['updated_timestamp', 'timestamptz'],
  ['cdc_txid', 'xid8'],
  ['cdc_version', 'int8'],
]);

interface Product {
  id: number;
  name: string;
  category: string | null;
  price: string;
  updated_timestamp: string;
}

const product = (id: number, over: Partial<Product> = {}): Product => ({
  id,
  name: `product ${id}`,
  category: 'kitchen',
  price: '10.00',
  updated_timestamp: '2026-11-25T13:12:41.111039Z',
  ...over,
});

/** A product as reconcile compares it: canonical values in column order (a numeric by value: `10.00` is `10`). */
const row = (p: Product): TableRow => ({
  key: [String(p.id)],
  values: [String(p.id), p.name, p.category, fromPgText({ name: 'price', kind: 'numeric', array: false }, p.price), p.updated_timestamp],
});

interface At {
  lsn?: string | null;
  txid?: number;
  position?: Record<string, string>;
  partition?: number;
  offset: number;
  op?: string;
  table?: string;
  key?: Record<string, unknown>;
}

/** A stage line as the sink writes it (log-based capture when `lsn` is set, polling when `position` is). */
const line = (fields: Record<string, unknown>, at: At, key: Record<string, unknown> = { id: fields.id }) => ({
  ...fields,
  __op: at.op ?? 'u',
  __deleted: at.op === 'd',
  __source: {
    connector: at.lsn ? 'postgres-logical' : 'postgres-polling',
    schema: 'public',
    table: at.table ?? 'products',
    position: JSON.stringify(at.position ?? { lsn: at.lsn }),
    txid: at.txid ?? null,
    lsn: at.lsn ?? null,
  },
  __kafka: { partition: at.partition ?? 0, offset: at.offset, key: at.key ?? key },
});

/** A TRUNCATE as the sink writes it: no row, no key. */
const truncate = (at: At) => ({
  __op: 't',
  __deleted: true,
  __source: { connector: 'postgres-logical', schema: 'public', table: at.table ?? 'products', position: '{}', txid: 1, lsn: at.lsn ?? null },
  __kafka: { partition: at.partition ?? 0, offset: at.offset, key: null },
});

const field = (state: Map<string, TableRow>, key: string, column: string, shape: TableShape = products) =>
  state.get(key)?.values[shape.columns.findIndex((c) => c.name === column)];

describe('latestState: the latest version per key is chosen by source position', () => {
  it('log-based: the higher commit LSN wins, whatever the partition numbers (the topic grew partitions)', () => {
    const state = latestState(products, [
      line({ ...product(1, { price: '1.00' }) }, { lsn: '0/2000', partition: 0, offset: 9 }),
      line({ ...product(1, { price: '2.00' }) }, { lsn: '0/1000', partition: 2, offset: 5 }),
    ]);
    expect(field(state, '1', 'price')).toBe('1');
  });

  it('compares LSNs as numbers (X/Y hex halves), not as text', () => {
    const state = latestState(products, [
      line({ ...product(1, { name: 'older' }) }, { lsn: '0/9FFFFFF', partition: 1, offset: 1 }),
      line({ ...product(1, { name: 'newer' }) }, { lsn: '0/10000000', partition: 0, offset: 0 }),
      line({ ...product(2, { name: 'older' }) }, { lsn: 'F/FFFFFFFF', partition: 1, offset: 1 }),
      line({ ...product(2, { name: 'newer' }) }, { lsn: '10/0', partition: 0, offset: 0 }),
    ]);
    expect(field(state, '1', 'name')).toBe('newer');
    expect(field(state, '2', 'name')).toBe('newer');
  });

  it('within one transaction (same LSN) the Kafka offset decides; a later commit may carry an older xid', () => {
    const state = latestState(products, [
      line({ ...product(1, { price: '2.00' }) }, { lsn: '0/100', txid: 20, offset: 5 }),
      line({ ...product(1, { price: '1.00' }) }, { lsn: '0/100', txid: 20, offset: 11 }),
      line({ ...product(2, { price: '3.00' }) }, { lsn: '0/300', txid: 10, offset: 2 }),
      line({ ...product(2, { price: '4.00' }) }, { lsn: '0/200', txid: 30, offset: 1 }),
    ]);
    expect(field(state, '1', 'price')).toBe('1');
    expect(field(state, '2', 'price')).toBe('3');
  });

  it('polling: the poll position (txid, id) decides, across partitions; the bookkeeping columns are not compared', () => {
    const at = (txid: string, id: string, partition: number, offset: number): At => ({ position: { snapshot_horizon: '5', txid, id }, partition, offset });
    const state = latestState(products, [
      line({ ...product(7, { price: '2.00' }), cdc_txid: '900', cdc_version: 2 }, at('900', '7', 0, 40)),
      line({ ...product(7, { price: '1.00' }), cdc_txid: '80', cdc_version: 1 }, at('80', '7', 2, 3)),
    ]);
    expect(state.get('7')).toEqual(row(product(7, { price: '2.00' })));
  });

  it('a delete as the latest version removes the key; an older delete does not', () => {
    const state = latestState(products, [
      line({ ...product(1) }, { lsn: '0/10', offset: 1 }),
      line({ ...product(1) }, { lsn: '0/20', offset: 2, op: 'd' }),
      line({ ...product(2) }, { lsn: '0/10', offset: 3, op: 'd' }),
      line({ ...product(2) }, { lsn: '0/20', offset: 4, op: 'c' }),
    ]);
    expect([...state.keys()]).toEqual(['2']);
  });

  it('a delete that carries only the key (default replica identity) removes it too', () => {
    const state = latestState(products, [line({ ...product(1) }, { lsn: '0/10', offset: 1, op: 'c' }), line({ id: 1 }, { lsn: '0/20', offset: 2, op: 'd' })]);
    expect(state.size).toBe(0);
  });

  it('a key change (delete of the old key + create of the new one in one transaction) moves the row', () => {
    const state = latestState(products, [
      line({ ...product(1) }, { lsn: '0/10', offset: 0, op: 'c' }),
      line({ ...product(1) }, { lsn: '0/20', partition: 1, offset: 0, op: 'd' }),
      line({ ...product(101, { name: 'product 1' }) }, { lsn: '0/20', partition: 2, offset: 0, op: 'c' }),
    ]);
    expect([...state.keys()]).toEqual(['101']);
  });

  it('takes the key from __kafka.key when the row lacks it, and skips a line with no key at all', () => {
    const { id: _, ...noId } = product(3);
    const state = latestState(products, [line(noId, { lsn: '0/10', offset: 0, op: 'c', key: { id: 3 } }), line(noId, { lsn: '0/10', offset: 1, op: 'c', key: {} })]);
    expect([...state.keys()]).toEqual(['3']);
  });

  it('a TRUNCATE removes every earlier row of its table, in any partition, and no later one', () => {
    const state = latestState(products, [
      line({ ...product(1) }, { lsn: '0/10', partition: 0, offset: 0, op: 'c' }),
      line({ ...product(2) }, { lsn: '0/10', partition: 1, offset: 0, op: 'c' }),
      line({ ...product(3) }, { lsn: '0/20', partition: 2, offset: 0, op: 'c' }),
      truncate({ lsn: '0/30', partition: 1, offset: 1 }),
      line({ ...product(4) }, { lsn: '0/40', partition: 0, offset: 1, op: 'c' }),
      line({ ...product(3, { name: 'again' }) }, { lsn: '0/40', partition: 2, offset: 1, op: 'c' }),
    ]);
    expect([...state.keys()]).toEqual(['3', '4']);
    expect(field(state, '3', 'name')).toBe('again');
  });

  it("within the TRUNCATE's own transaction, a row after it survives and a row before it (same partition) does not", () => {
    const state = latestState(products, [
      line({ ...product(1) }, { lsn: '0/50', partition: 0, offset: 0, op: 'c' }), // inserted, then truncated
      truncate({ lsn: '0/50', partition: 0, offset: 1 }),
      line({ ...product(2) }, { lsn: '0/50', partition: 0, offset: 2, op: 'c' }), // inserted after the truncate
      line({ ...product(3) }, { lsn: '0/50', partition: 1, offset: 0, op: 'c' }), // other partition: taken to follow it
    ]);
    expect([...state.keys()]).toEqual(['2', '3']);
  });

  it('an unchanged TOASTed value left out of a line keeps the value of the version before', () => {
    const older = line({ ...product(1, { name: 'long text' }) }, { lsn: '0/10', offset: 0 });
    const newer = { ...line({ ...product(1, { price: '5.00' }) }, { lsn: '0/20', offset: 1 }), name: undefined, __unchanged_toast: ['name'] };
    for (const lines of [
      [older, newer],
      [newer, older],
    ]) {
      expect(latestState(products, lines).get('1')).toEqual(row(product(1, { name: 'long text', price: '5.00' })));
    }
  });
});

/** A composite key in an order that is not the column order: (order_id, line_no), with a text sku column first. */
const orderLines = shapeOf('order_lines', [
  ['sku', 'text'],
  ['line_no', 'int4', 2],
  ['order_id', 'int8', 1],
  ['qty', 'numeric'],
  ['shipped_at', 'timestamptz'],
]);

const orderLine = (orderId: number, lineNo: number, sku: string, qty = '1.000', shippedAt: string | null = null) => ({
  sku,
  line_no: lineNo,
  order_id: orderId,
  qty,
  shipped_at: shippedAt,
});
const olLine = (fields: ReturnType<typeof orderLine>, at: At) =>
  line(fields, { ...at, table: at.table ?? 'order_lines' }, { order_id: fields.order_id, line_no: fields.line_no });

describe('latestState and reconcile with a composite primary key', () => {
  it('keys by every key column, in key order, rendered as a JSON array and sorted value by value', () => {
    const state = latestState(orderLines, [
      olLine(orderLine(1, 10, 'b'), { lsn: '0/10', offset: 0, op: 'c' }),
      olLine(orderLine(1, 9, 'a'), { lsn: '0/10', offset: 1, op: 'c' }),
      olLine(orderLine(2, 1, 'c'), { lsn: '0/10', offset: 2, op: 'c' }),
      olLine(orderLine(1, 9, 'a', '2.500'), { lsn: '0/20', offset: 3, op: 'u' }),
    ]);
    expect([...state.keys()]).toEqual(['["1","9"]', '["1","10"]', '["2","1"]']);
    expect(state.get('["1","9"]')).toEqual({ key: ['1', '9'], values: ['a', '9', '1', '2.5', null] });
  });

  it('a key change of one key column (delete + create) moves the row; a delete removes only its own key', () => {
    const state = latestState(orderLines, [
      olLine(orderLine(1, 1, 'a'), { lsn: '0/10', offset: 0, op: 'c' }),
      olLine(orderLine(1, 2, 'b'), { lsn: '0/10', offset: 1, op: 'c' }),
      olLine(orderLine(1, 1, 'a'), { lsn: '0/20', partition: 1, offset: 0, op: 'd' }),
      olLine(orderLine(1, 3, 'a'), { lsn: '0/20', partition: 2, offset: 0, op: 'c' }),
      line({ order_id: 1, line_no: 2 }, { lsn: '0/30', offset: 2, op: 'd', table: 'order_lines' }),
    ]);
    expect([...state.keys()]).toEqual(['["1","3"]']);
  });

  it('a TRUNCATE removes the earlier rows of its own table only', () => {
    const state = latestState(orderLines, [
      olLine(orderLine(1, 1, 'a'), { lsn: '0/10', offset: 0, op: 'c' }),
      truncate({ lsn: '0/15', offset: 1, table: 'products' }), // another table's: no effect here
      olLine(orderLine(1, 2, 'b'), { lsn: '0/18', offset: 2, op: 'c' }),
      truncate({ lsn: '0/20', offset: 3, table: 'order_lines' }),
      olLine(orderLine(5, 1, 'z'), { lsn: '0/30', offset: 4, op: 'c' }),
    ]);
    expect([...state.keys()]).toEqual(['["5","1"]']);
  });

  it('two tables in one topic: each is reconciled from its own lines only', () => {
    const lines = [
      line({ ...product(1) }, { lsn: '0/10', offset: 0, op: 'c' }),
      olLine(orderLine(1, 1, 'a'), { lsn: '0/10', offset: 1, op: 'c' }),
      truncate({ lsn: '0/20', offset: 2, table: 'products' }),
      line({ ...product(2) }, { lsn: '0/30', offset: 3, op: 'c' }),
    ];
    expect([...latestState(products, lines).keys()]).toEqual(['2']);
    expect([...latestState(orderLines, lines).keys()]).toEqual(['["1","1"]']);
  });

  it('names missing, extra and differing composite keys and the columns that differ', async () => {
    const stage = latestState(orderLines, [
      olLine(orderLine(1, 1, 'a'), { lsn: '0/10', offset: 0, op: 'c' }),
      olLine(orderLine(1, 2, 'b', '3.000', '2026-01-01T00:00:00.000000Z'), { lsn: '0/10', offset: 1, op: 'c' }),
      olLine(orderLine(2, 1, 'c'), { lsn: '0/10', offset: 2, op: 'c' }),
    ]);
    const source: TableRow[] = [
      { key: ['1', '1'], values: ['a', '1', '1', '1', null] },
      { key: ['1', '2'], values: ['b', '2', '1', '3', '2026-01-01T00:00:00.000001Z'] },
      { key: ['1', '3'], values: ['x', '3', '1', '1', null] },
    ];
    const report = await reconcile(orderLines, source, stage.values());
    expect(report.counts).toEqual({ missing: 1, extra: 1, differing: 1 });
    expect(report.missing).toEqual(['["1","3"]']);
    expect(report.extra).toEqual(['["2","1"]']);
    expect(report.differing.map((d) => [d.id, d.fields])).toEqual([['["1","2"]', ['shipped_at']]]);
    expect(report.differing[0]?.source.shipped_at).toBe('2026-01-01T00:00:00.000001Z');
  });
});

describe('reconcile', () => {
  it('equal sides: same count and checksum, nothing listed', async () => {
    const ps = [product(1), product(2, { category: null })];
    const report = await reconcile(products, ps.map(row), latestState(products, ps.map((p, i) => line({ ...p }, { lsn: '0/1', offset: i }))).values());
    expect(report.equal).toBe(true);
    expect(report.source).toEqual(report.stage);
    expect(report.source.rows).toBe(2);
  });

  it('names missing, extra and differing keys, and the fields that differ', async () => {
    const stage = latestState(products, [
      line({ ...product(1) }, { lsn: '0/1', offset: 0 }),
      line({ ...product(3, { price: '9.99', category: null }) }, { lsn: '0/1', offset: 1 }),
      line({ ...product(4) }, { lsn: '0/1', offset: 2 }),
    ]);
    const report = await reconcile(products, [product(1), product(2), product(3)].map(row), stage.values());
    expect(report.equal).toBe(false);
    expect(report.missing).toEqual(['2']);
    expect(report.extra).toEqual(['4']);
    expect(report.counts).toEqual({ missing: 1, extra: 1, differing: 1 });
    expect(report.differing.map((d) => [d.id, d.fields])).toEqual([['3', ['category', 'price']]]);
  });

  it('lists at most `limit` keys of each kind, in key order, and counts them all', async () => {
    const source = Array.from({ length: 50 }, (_, i) => row(product(i + 1)));
    const report = await reconcile(products, source, [], 10);
    expect(report.counts.missing).toBe(50);
    expect(report.missing).toEqual(Array.from({ length: 10 }, (_, i) => String(i + 1)));
  });

  it('a source that is not in key order is an error, not a wrong answer', async () => {
    await expect(reconcile(products, [row(product(2)), row(product(1))], [])).rejects.toThrow(/not in key order/);
    await expect(reconcile(orderLines, [{ key: ['1', '2'], values: [] }, { key: ['1', '2'], values: [] }], [])).rejects.toThrow(/\["1","2"\] before/);
  });

  it('the checksum changes with any compared field, not with the order of rows', () => {
    const a = summarize(products, [row(product(1)), row(product(2))]);
    expect(summarize(products, [row(product(2)), row(product(1))])).toEqual(a);
    expect(summarize(products, [row(product(1)), row(product(2, { updated_timestamp: '2026-11-25T13:12:41.111040Z' }))]).checksum).not.toBe(a.checksum);
    expect(summarize(products, [row(product(1)), row(product(2, { category: '' }))]).checksum).not.toBe(
      summarize(products, [row(product(1)), row(product(2, { category: null }))]).checksum,
    );
  });

  it('the checksum of a products table: sha256 over [id, name, category, price, updated_timestamp] lines of canonical values (a numeric by value)', async () => {
    const { createHash } = await import('node:crypto');
    const p = product(1, { category: null, price: '10.00' });
    const expected = createHash('sha256').update(`${JSON.stringify(['1', p.name, null, '10', p.updated_timestamp])}\n`).digest('hex');
    expect(summarize(products, [row(p)]).checksum).toBe(expected);
  });

  it('shows a one-column key as its value and a composite key as a JSON array', () => {
    expect(displayKey(['42'])).toBe('42');
    expect(displayKey(['42', 'eu'])).toBe('["42","eu"]');
  });
});

describe('a column added after rows were written (ALTER TABLE … ADD COLUMN … DEFAULT)', () => {
  const withStock = shapeOf('products', [
    ['id', 'int8', 1],
    ['name', 'text'],
    ['stock', 'int4'],
  ]);

  it('is not compared for rows whose stage lines never carried it, and is counted as not carried', async () => {
    // Row 1 was written before the column existed; row 2 after (its line carries stock).
    const lines = [line({ id: 1, name: 'a' }, { lsn: '0/10', offset: 0 }), line({ id: 2, name: 'b', stock: 9 }, { lsn: '0/20', offset: 1 })];
    const stage = [...latestState(withStock, lines).values()];
    const source: TableRow[] = [
      { key: ['1'], values: ['1', 'a', '7'] },
      { key: ['2'], values: ['2', 'b', '9'] },
    ];
    const report = await reconcile(withStock, source, stage);
    expect(report.equal).toBe(true);
    expect(report.counts.differing).toBe(0);
    expect(report.notCarried).toEqual({ stock: 1 });
    expect(report.stage.checksum).toBe(report.source.checksum);
  });

  it('is compared as soon as a line carries it (null included): a wrong or missing value still differs', async () => {
    const lines = [line({ id: 1, name: 'a', stock: null }, { lsn: '0/10', offset: 0 }), line({ id: 2, name: 'b', stock: 8 }, { lsn: '0/20', offset: 1 })];
    const stage = [...latestState(withStock, lines).values()];
    const source: TableRow[] = [
      { key: ['1'], values: ['1', 'a', '7'] },
      { key: ['2'], values: ['2', 'b', '9'] },
    ];
    const report = await reconcile(withStock, source, stage);
    expect(report.equal).toBe(false);
    expect(report.differing.map((d) => [d.id, d.fields])).toEqual([
      ['1', ['stock']],
      ['2', ['stock']],
    ]);
  });
});

describe('reconcile progress', () => {
  it('tells how many rows were compared, every few thousand rows and at the end', async () => {
    const rows = Array.from({ length: 12_000 }, (_, i) => row(product(i + 1)));
    const calls: [string, string, number][] = [];
    const report = await reconcile(products, rows, rows, 10, (step, table, done) => calls.push([step, table, done]));
    expect(report.equal).toBe(true);
    expect(calls).toEqual([
      ['rows compared', 'public.products', 5_000],
      ['rows compared', 'public.products', 10_000],
      ['rows compared', 'public.products', 12_000],
    ]);
  });
});

describe('columns named as PostgreSQL allows', () => {
  const odd = shapeOf('odd', [
    ['p:k', 'int4', 1],
    ['__op', 'text'],
    ['__proto__', 'text'],
    ['constructor', 'text'],
    ['col,2', 'text'],
  ]);

  it('finds each column in a stage line by its stage name (the original, one more _ before a leading __), the key too', async () => {
    const stageLine = JSON.parse(
      JSON.stringify({
        ...line({ 'p:k': 1, ___op: 'op col', 'col,2': 'c' }, { lsn: '0/10', offset: 0, table: 'odd', key: { 'p:k': 1 } }),
        ___proto__: 'proto col',
      }),
    );
    const keyOnly = line({ ___op: 'x' }, { lsn: '0/20', offset: 1, table: 'odd', key: { 'p:k': 2 } });
    const state = latestState(odd, [stageLine, keyOnly]);
    expect([...state.values()]).toEqual([
      { key: ['1'], values: ['1', 'op col', 'proto col', undefined, 'c'] },
      { key: ['2'], values: ['2', 'x', undefined, undefined, undefined] },
    ]);
    const source: TableRow[] = [{ key: ['1'], values: ['1', 'op col', 'proto col', 'ctor', 'c'] }];
    const report = await reconcile(odd, source, [state.get('1') as TableRow]);
    expect(report.equal).toBe(true);
    expect(report.notCarried).toEqual({ constructor: 1 });
    const keyOnlyReport = await reconcile(odd, [{ key: ['2'], values: ['2', 'x', 'p', 'q', 'r'] }], [state.get('2') as TableRow]);
    expect(Object.entries(keyOnlyReport.notCarried)).toEqual([
      ['__proto__', 1],
      ['constructor', 1],
      ['col,2', 1],
    ]);
  });
});
