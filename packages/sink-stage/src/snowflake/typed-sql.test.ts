import { describe, expect, it } from 'vitest';
import {
  addColumnStatement,
  columnsOfSchema,
  createTypedTableStatement,
  currentRowToLine,
  insertFromLandingStatement,
  mergeStatement,
  parseTopic2TableMap,
  readExpression,
  type SnowflakeSqlTarget,
  selectCurrentStatement,
  snowflakeTypeOf,
  snowflakeStageConfigSchema,
  tableColumns,
  tableNameForTopic,
  truncateCurrentStatement,
  typedCopyStatement,
} from '../index.ts';

const target: SnowflakeSqlTarget = { database: 'DB', schema: 'CDC', stageName: 'ST', pathPrefix: 'cdc', pathStyle: 'plain', targetTable: 'X', variantColumn: 'RECORD' };
const ref = { topic: 'buyonline.public.products', partition: 1, startOffset: 10, endOffset: 19 };

/** A change envelope as the source writes it: `after` is the row record. */
const envelope = (fields: unknown[]) => ({
  type: 'record',
  name: 'Value',
  fields: [
    { name: 'op', type: { type: 'enum', name: 'Operation', symbols: ['c', 'u', 'd', 'r', 't'] } },
    { name: 'before', type: ['null', 'Row'], default: null },
    { name: 'after', type: ['null', { type: 'record', name: 'Row', fields }], default: null },
  ],
});
const products = envelope([
  { name: 'id', type: 'long' },
  { name: 'name', type: 'string' },
  { name: 'category', type: ['null', 'string'], default: null },
  { name: 'price', type: { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 } },
  { name: 'in_stock', type: 'boolean' },
  { name: 'weight', type: ['null', 'double'] },
  { name: 'updated_timestamp', type: { type: 'long', logicalType: 'timestamp-micros' } },
  { name: 'local_ts', type: { type: 'long', logicalType: 'local-timestamp-micros' } },
  { name: 'born', type: { type: 'int', logicalType: 'date' } },
  { name: 'opens', type: { type: 'long', logicalType: 'time-micros' } },
  { name: 'attrs', type: ['null', { type: 'string', 'buyonline.pg.type': 'jsonb' }] },
  { name: 'tags', type: ['null', { type: 'array', items: ['null', 'string'] }] },
  { name: 'photo', type: ['null', 'bytes'] },
  { name: 'amount', type: { type: 'string', 'buyonline.pg.type': 'numeric' } },
  { name: 'mood', type: { type: 'string', 'buyonline.pg.type': 'enum' } },
  { name: 'camelCase', type: 'int' },
]);

describe('table names per topic (the Snowflake Kafka connector rule)', () => {
  it('keeps a valid identifier, renames the others with the hash suffix, upper case', () => {
    expect(tableNameForTopic('orders')).toBe('ORDERS');
    // Java: "buyonline.public.products".hashCode()
    expect(tableNameForTopic('buyonline.public.products')).toMatch(/^BUYONLINE_PUBLIC_PRODUCTS_\d+$/);
    expect(tableNameForTopic('a.b')).not.toBe(tableNameForTopic('a_b'));
    expect(tableNameForTopic('1topic')).toMatch(/^_TOPIC_\d+$/);
    expect(tableNameForTopic('ab')).toBe('AB');
    expect(tableNameForTopic('a-b')).toBe(`A_B_${Math.abs(((97 * 31 + 45) * 31 + 98) | 0)}`);
  });
  it('takes the topic2table map first, and refuses a malformed or ambiguous one', () => {
    const map = parseTopic2TableMap('buyonline.public.products:PRODUCTS, buyonline.public.orders:ORDERS');
    expect(tableNameForTopic('buyonline.public.products', map)).toBe('PRODUCTS');
    expect(() => parseTopic2TableMap('a:T,b:T')).toThrow(/two topics to table T/);
    expect(() => parseTopic2TableMap('a:T,a:U')).toThrow(/topic a twice/);
    expect(() => parseTopic2TableMap('nocolon')).toThrow(/not topic:TABLE/);
  });
  it('is a config setting, typed tables by default, variant reachable; merge needs typed', () => {
    const base = { stage: 'snowflake', account: 'a', username: 'u', password: 'p', database: 'D' };
    const c = snowflakeStageConfigSchema.parse({ ...base, topic2table: 't1:A,t2:B' });
    expect(c.tableFormat).toBe('typed');
    expect(c.typedCopy).toBe('transform');
    expect(c.merge).toBe(false);
    expect(c.topic2table).toEqual({ t1: 'A', t2: 'B' });
    expect(snowflakeStageConfigSchema.parse({ ...base, tableFormat: 'variant' }).tableFormat).toBe('variant');
    expect(snowflakeStageConfigSchema.safeParse({ ...base, topic2table: 'bad' }).error?.issues[0]?.message).toMatch(/not topic:TABLE/);
    expect(snowflakeStageConfigSchema.safeParse({ ...base, tableFormat: 'variant', merge: 'true' }).success).toBe(false);
  });
});

describe('columns from the value schema', () => {
  it('types numeric(p,s), a decimal with a double branch for NaN, by its decimal', () => {
    const decimal = { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 };
    expect(snowflakeTypeOf(['null', decimal, 'double'])).toBe('NUMBER(12,2)');
    expect(snowflakeTypeOf(['null', { type: 'array', items: ['null', 'int'] }, 'string'])).toBe('VARIANT');
  });

  it('one typed column per row field, then the change metadata', () => {
    const columns = tableColumns(columnsOfSchema(products));
    expect(columns.slice(0, 16)).toEqual([
      { name: 'ID', type: 'NUMBER(38,0)' },
      { name: 'NAME', type: 'VARCHAR' },
      { name: 'CATEGORY', type: 'VARCHAR' },
      { name: 'PRICE', type: 'NUMBER(12,2)' },
      { name: 'IN_STOCK', type: 'BOOLEAN' },
      { name: 'WEIGHT', type: 'FLOAT' },
      { name: 'UPDATED_TIMESTAMP', type: 'TIMESTAMP_TZ(6)' },
      { name: 'LOCAL_TS', type: 'TIMESTAMP_NTZ(6)' },
      { name: 'BORN', type: 'DATE' },
      { name: 'OPENS', type: 'TIME(6)' },
      { name: 'ATTRS', type: 'VARIANT' },
      { name: 'TAGS', type: 'VARIANT' },
      { name: 'PHOTO', type: 'BINARY' },
      { name: 'AMOUNT', type: 'VARCHAR' },
      { name: 'MOOD', type: 'VARCHAR' },
      { name: 'camelCase', type: 'NUMBER(38,0)' },
    ]);
    expect(columns.slice(16).map((c) => c.name)).toEqual([
      '__OP', '__DELETED', '__UNCHANGED_TOAST', '__SOURCE_LSN', '__SOURCE_TXID', '__SOURCE_TS', '__SOURCE_SNAPSHOT', '__SOURCE_POSITION',
      '__PROCESSED_AT', '__KAFKA_TOPIC', '__KAFKA_PARTITION', '__KAFKA_OFFSET', '__KAFKA_TIMESTAMP',
    ]);
  });
  it('follows references to named types (the envelope names its row record once, in before)', () => {
    const named = {
      type: 'record',
      name: 'Envelope',
      namespace: 'io.buyonline.cdc',
      fields: [
        { name: 'op', type: { type: 'enum', name: 'Operation', symbols: ['c'] } },
        { name: 'before', type: ['null', { type: 'record', name: 'Row', fields: [{ name: 'id', type: 'long' }, { name: 'mood', type: ['null', { type: 'enum', name: 'Mood', symbols: ['ok'] }] }, { name: 'again', type: ['null', 'Mood'] }] }] },
        { name: 'after', type: ['null', 'io.buyonline.cdc.Row'] },
      ],
    };
    expect(columnsOfSchema(named)).toEqual([
      { name: 'ID', type: 'NUMBER(38,0)' },
      { name: 'MOOD', type: 'VARCHAR' },
      { name: 'AGAIN', type: 'VARCHAR' },
    ]);
  });
  it('refuses fields that would collide or shadow metadata', () => {
    expect(() => columnsOfSchema(envelope([{ name: 'a', type: 'int' }, { name: 'A', type: 'int' }]))).toThrow(/upper case/);
    expect(() => columnsOfSchema(envelope([{ name: '__op', type: 'int' }]))).toThrow(/change metadata/);
  });
  it('reads each column from the line with a cast to its type', () => {
    expect(readExpression('$1', { name: 'PRICE', type: 'NUMBER(12,2)' })).toBe('$1:price::NUMBER(12,2)');
    expect(readExpression('$1', { name: 'camelCase', type: 'NUMBER(38,0)' })).toBe('$1:camelCase::NUMBER(38,0)');
    expect(readExpression('$1', { name: 'PHOTO', type: 'BINARY' })).toBe("TO_BINARY(SUBSTR($1:photo::VARCHAR, 3), 'HEX')");
    expect(readExpression('$1', { name: 'ATTRS', type: 'VARIANT' })).toBe("IFF(TYPEOF($1:attrs) = 'VARCHAR', TRY_PARSE_JSON($1:attrs::VARCHAR), $1:attrs)");
    expect(readExpression('$1', { name: '__KAFKA_OFFSET', type: 'NUMBER(38,0)' })).toBe('$1:__kafka.offset::NUMBER(38,0)');
    expect(readExpression('$1', { name: '__SOURCE_POSITION', type: 'VARCHAR' })).toContain("SPLIT_PART($1:__source.lsn::VARCHAR, '/', 1)");
  });
});

describe('typed statements', () => {
  const columns = [{ name: 'ID', type: 'NUMBER(38,0)' }, { name: 'NAME', type: 'VARCHAR' }, { name: '__OP', type: 'VARCHAR' }];
  it('creates the table, adds a column the schema gained', () => {
    expect(createTypedTableStatement(target, 'PRODUCTS', columns)).toBe('CREATE TABLE IF NOT EXISTS "DB"."CDC"."PRODUCTS" ("ID" NUMBER(38,0), "NAME" VARCHAR, "__OP" VARCHAR)');
    expect(addColumnStatement(target, 'PRODUCTS', { name: 'COLOUR', type: 'VARCHAR' })).toBe('ALTER TABLE "DB"."CDC"."PRODUCTS" ADD COLUMN IF NOT EXISTS "COLOUR" VARCHAR');
  });
  it('COPYs one file with a transformation into named columns', () => {
    expect(typedCopyStatement(target, 'PRODUCTS', columns, ref)).toBe(
      'COPY INTO "DB"."CDC"."PRODUCTS" ("ID", "NAME", "__OP") FROM (SELECT $1:id::NUMBER(38,0), $1:name::VARCHAR, $1:__op::VARCHAR ' +
        'FROM @"DB"."CDC"."ST"/cdc/buyonline.public.products/1/buyonline.public.products+1+00000000000000000010+00000000000000000019.jsonl.gz) FILE_FORMAT=(TYPE=JSON) ON_ERROR=ABORT_STATEMENT',
    );
  });
  it('inserts from the landing table only an offset range the table does not hold yet', () => {
    const sql = insertFromLandingStatement(target, 'PRODUCTS', 'PRODUCTS_LANDING', 'RECORD', columns, ref);
    expect(sql).toContain('INSERT INTO "DB"."CDC"."PRODUCTS" ("ID", "NAME", "__OP") SELECT l."RECORD":id::NUMBER(38,0)');
    expect(sql).toContain('l."RECORD":__kafka.offset::NUMBER BETWEEN 10 AND 19');
    expect(sql).toContain(`AND NOT EXISTS (SELECT 1 FROM "DB"."CDC"."PRODUCTS" AS d WHERE d."__KAFKA_TOPIC" = 'buyonline.public.products' AND d."__KAFKA_PARTITION" = 1 AND d."__KAFKA_OFFSET" BETWEEN 10 AND 19)`);
  });
  it('MERGEs the latest version per touched key, newer only; truncates remove older rows', () => {
    const sql = mergeStatement(target, 'PRODUCTS', 'PRODUCTS_CURRENT', columns, ['ID'], ref);
    expect(sql).toContain('MERGE INTO "DB"."CDC"."PRODUCTS_CURRENT" AS t USING (SELECT c.* FROM "DB"."CDC"."PRODUCTS" AS c WHERE EXISTS');
    expect(sql).toContain('QUALIFY ROW_NUMBER() OVER (PARTITION BY c."ID" ORDER BY c."__SOURCE_POSITION" DESC, c."__KAFKA_OFFSET" DESC) = 1');
    expect(sql).toContain('WHEN MATCHED AND s."__DELETED" AND (s."__SOURCE_POSITION" > t."__SOURCE_POSITION" OR');
    expect(sql).toContain(
      `THEN UPDATE SET "ID" = IFF(CONTAINS(COALESCE(TO_VARCHAR(s."__UNCHANGED_TOAST"), ''), '"id"'), t."ID", s."ID"), ` +
        `"NAME" = IFF(CONTAINS(COALESCE(TO_VARCHAR(s."__UNCHANGED_TOAST"), ''), '"name"'), t."NAME", s."NAME"), "__OP" = s."__OP"`,
    );
    expect(sql).toContain('WHEN NOT MATCHED AND NOT s."__DELETED" THEN INSERT ("ID", "NAME", "__OP") VALUES (s."ID", s."NAME", s."__OP")');
    expect(mergeStatement(target, 'T', 'T_CURRENT', columns, ['A', 'B'], ref)).toContain('ON t."A" = s."A" AND t."B" = s."B"');
    expect(truncateCurrentStatement(target, 'PRODUCTS', 'PRODUCTS_CURRENT', ref)).toBe(
      `DELETE FROM "DB"."CDC"."PRODUCTS_CURRENT" WHERE "__SOURCE_POSITION" < (SELECT MAX(f."__SOURCE_POSITION") FROM "DB"."CDC"."PRODUCTS" AS f WHERE f."__KAFKA_TOPIC" = 'buyonline.public.products' AND f."__KAFKA_PARTITION" = 1 AND f."__KAFKA_OFFSET" BETWEEN 10 AND 19 AND f."__OP" = 't')`,
    );
  });
});

describe('reading a current-state table back as stage lines (reconcile)', () => {
  const columns = [
    { name: 'ID', type: 'NUMBER(38,0)' },
    { name: 'PRICE', type: 'NUMBER(12,2)' },
    { name: 'AT', type: 'TIMESTAMP_TZ' },
    { name: 'LOCAL', type: 'TIMESTAMP_NTZ' },
    { name: 'OPENS', type: 'TIME' },
    { name: 'PHOTO', type: 'BINARY' },
    { name: 'OK', type: 'BOOLEAN' },
    { name: 'TAGS', type: 'VARIANT' },
    { name: '__OP', type: 'VARCHAR' },
    { name: '__SOURCE_LSN', type: 'VARCHAR' },
    { name: '__KAFKA_PARTITION', type: 'NUMBER(10,0)' },
    { name: '__KAFKA_OFFSET', type: 'NUMBER(38,0)' },
  ];
  it('renders each value as text in SQL', () => {
    expect(selectCurrentStatement(target, 'T_CURRENT', columns.slice(0, 6))).toBe(
      `SELECT TO_VARCHAR("ID") AS "ID", TO_VARCHAR("PRICE") AS "PRICE", TO_VARCHAR("AT", 'YYYY-MM-DD HH24:MI:SS.FF6TZH:TZM') AS "AT", ` +
        `TO_VARCHAR("LOCAL", 'YYYY-MM-DD HH24:MI:SS.FF6') AS "LOCAL", TO_VARCHAR("OPENS", 'HH24:MI:SS.FF6') AS "OPENS", TO_VARCHAR("PHOTO", 'HEX') AS "PHOTO" FROM "DB"."CDC"."T_CURRENT"`,
    );
  });
  it('turns Snowflake\'s and fakesnow\'s renderings into the stage line\'s JSON forms', () => {
    const expected = {
      id: '7',
      price: '12.50',
      at: '2024-01-02T03:04:05.123456Z',
      local: '2024-01-02T03:04:05.000001',
      opens: '12:34:56.500000',
      photo: '\\x0aff',
      ok: true,
      tags: ['a', null],
      __op: 'u',
      __deleted: false,
      __source: { lsn: '0/16B3748', txid: null },
      __kafka: { topic: 'tp', partition: 1, offset: 42 },
    };
    const meta = { __OP: 'u', __SOURCE_LSN: '0/16B3748', __KAFKA_PARTITION: '1', __KAFKA_OFFSET: '42' };
    // a real account, with the formats asked for
    const snowflake = { ID: '7', PRICE: '12.50', AT: '2024-01-02 03:04:05.123456+00:00', LOCAL: '2024-01-02 03:04:05.000001', OPENS: '12:34:56.500000', PHOTO: '0AFF', OK: true, TAGS: '["a",null]', ...meta };
    // fakesnow (DuckDB's casts; formats ignored)
    const fakesnow = { ID: '7', PRICE: '12.50', AT: '2024-01-02 03:04:05.123456+00', LOCAL: '2024-01-02 03:04:05.000001', OPENS: '12:34:56.5', PHOTO: '\\x0A\\xFF', OK: true, TAGS: ['a', null], ...meta };
    expect(currentRowToLine(snowflake, columns, 'tp')).toEqual(expected);
    expect(currentRowToLine(fakesnow, columns, 'tp')).toEqual(expected);
    expect(currentRowToLine({ ...snowflake, AT: '2024-01-02 05:04:05.123456+02:00' }, columns, 'tp').at).toBe('2024-01-02T03:04:05.123456Z');
  });
});
