import { describe, expect, it } from 'vitest';
import { snowflakeStageConfigSchema } from '../config.ts';
import { currentRowToLine, selectCurrentStatement } from './current-table.ts';
import type { SnowflakeSqlTarget } from './sql.ts';
import { parseTopic2TableMap, tableNameForTopic } from './table-naming.ts';
import { columnsOfSchema, readExpression, readExpressions, snowflakeTypeOf, tableColumns } from './typed-columns.ts';
import { addColumnStatement, createTypedTableStatement, insertFromLandingStatement, mergeStatement, truncateCurrentStatement, typedCopyStatement } from './typed-sql.ts';

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
      '__PROCESSED_AT', '__KAFKA_TOPIC', '__KAFKA_PARTITION', '__KAFKA_OFFSET', '__KAFKA_TIMESTAMP', '__RAW',
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
  it('refuses columns that would collide, naming both', () => {
    expect(() => columnsOfSchema(envelope([{ name: 'a', type: 'int' }, { name: 'A', type: 'int' }]))).toThrow(/columns a and A would both be Snowflake column A/);
    expect(() => columnsOfSchema(envelope([{ name: 'ab', type: 'int' }, { name: 'a_b', type: 'int', 'buyonline.pg.name': 'ab' }]))).toThrow(/columns ab and ab would both be Snowflake column AB/);
  });
  it('a column starting with __ gets one more _ (the stage line\'s rule): it never names, nor crash-loops on, change metadata', () => {
    const fields = ['__op', '__deleted', '__source', '__proto__', '___op', '__kafka_offset'].map((name) => ({ name, type: ['null', 'string'] }));
    const columns = columnsOfSchema(envelope([{ name: 'id', type: 'long' }, ...fields]));
    expect(columns.map((c) => c.name)).toEqual(['ID', '___OP', '___DELETED', '___SOURCE', '___PROTO__', '____OP', '___KAFKA_OFFSET']);
    const all = tableColumns(columns).map((c) => c.name);
    expect(new Set(all).size).toBe(all.length);
    expect(readExpression('$1', { name: '___OP', type: 'VARCHAR' })).toBe('COALESCE($1:___op::VARCHAR, $1:"___OP"::VARCHAR)');
    expect(readExpression('$1', { name: '___PROTO__', type: 'VARCHAR' })).toBe('COALESCE($1:___proto__::VARCHAR, $1:"___PROTO__"::VARCHAR)');
  });
  it('a column named all in upper case (ID, SKU) is a column of that name, read from either spelling of the line key', () => {
    expect(columnsOfSchema(envelope([{ name: 'ID', type: 'long' }, { name: 'SKU_2', type: 'string' }, { name: 'name', type: 'string' }]))).toEqual([
      { name: 'ID', type: 'NUMBER(38,0)' },
      { name: 'SKU_2', type: 'VARCHAR' },
      { name: 'NAME', type: 'VARCHAR' },
    ]);
    // the table's column ID may come from a field id (the usual case) or ID: the line has one of the two
    expect(readExpression('$1', { name: 'ID', type: 'NUMBER(38,0)' })).toBe('COALESCE($1:id::NUMBER(38,0), $1:"ID"::NUMBER(38,0))');
    expect(readExpression('$1', { name: 'camelCase', type: 'NUMBER(38,0)' })).toBe('$1:camelCase::NUMBER(38,0)');
    expect(readExpression('$1', { name: '123', type: 'NUMBER(38,0)' })).toBe('$1:"123"::NUMBER(38,0)');
  });
  it('columns take the original PostgreSQL name (buyonline.pg.name) when the Avro name was sanitized', () => {
    const columns = columnsOfSchema(
      envelope([
        { name: 'id', type: 'long' },
        { name: 'p_k', type: 'int', 'buyonline.pg.name': 'p:k' },
        { name: 'col_2', type: 'int', 'buyonline.pg.name': 'col,2' },
        { name: '_123starts_with_digit', type: 'int', 'buyonline.pg.name': '123starts_with_digit' },
        { name: 'Quoted__Name', type: 'int', 'buyonline.pg.name': 'Quoted" . Name' },
        { name: 'op_', type: 'int', 'buyonline.pg.name': '__op' },
      ]),
    );
    expect(columns.map((c) => c.name)).toEqual(['ID', 'P:K', 'COL,2', '123STARTS_WITH_DIGIT', 'Quoted" . Name', '___OP']);
    expect(readExpression('$1', { name: 'P:K', type: 'NUMBER(38,0)' })).toBe('COALESCE($1:"p:k"::NUMBER(38,0), $1:"P:K"::NUMBER(38,0))');
    expect(readExpression('$1', { name: 'Quoted" . Name', type: 'NUMBER(38,0)' })).toBe('$1:"Quoted"" . Name"::NUMBER(38,0)');
    expect(createTypedTableStatement(target, 'T', columns.slice(4, 5))).toBe('CREATE TABLE IF NOT EXISTS "DB"."CDC"."T" ("Quoted"" . Name" NUMBER(38,0))');
  });
  it('reads each column from the line with a cast to its type', () => {
    expect(readExpression('$1', { name: 'PRICE', type: 'NUMBER(12,2)' })).toBe(`IFF(RLIKE(COALESCE($1:price::VARCHAR, $1:"PRICE"::VARCHAR), '^(NaN|-?Infinity)$'), NULL, COALESCE($1:price::NUMBER(12,2), $1:"PRICE"::NUMBER(12,2)))`);
    expect(readExpression('$1', { name: 'camelCase', type: 'NUMBER(38,0)' })).toBe('$1:camelCase::NUMBER(38,0)');
    expect(readExpression('$1', { name: 'PHOTO', type: 'BINARY' })).toBe(`COALESCE(TO_BINARY(SUBSTR($1:photo::VARCHAR, 3), 'HEX'), TO_BINARY(SUBSTR($1:"PHOTO"::VARCHAR, 3), 'HEX'))`);
    expect(readExpression('$1', { name: 'ATTRS', type: 'VARIANT' })).toBe(`COALESCE(IFF(TYPEOF($1:attrs) = 'VARCHAR', TRY_PARSE_JSON($1:attrs::VARCHAR), $1:attrs), IFF(TYPEOF($1:"ATTRS") = 'VARCHAR', TRY_PARSE_JSON($1:"ATTRS"::VARCHAR), $1:"ATTRS"))`);
    expect(readExpression('$1', { name: '__KAFKA_OFFSET', type: 'NUMBER(38,0)' })).toBe('$1:__kafka.offset::NUMBER(38,0)');
    expect(readExpression('$1', { name: '__SOURCE_POSITION', type: 'VARCHAR' })).toContain("SPLIT_PART($1:__source.lsn::VARCHAR, '/', 1)");
  });
});

describe('values a typed column cannot hold (documented in docs/snowflake.md)', () => {
  const columns = [
    { name: 'ID', type: 'NUMBER(38,0)' },
    { name: 'OPENS', type: 'TIME(6)' },
    { name: 'AT', type: 'TIMESTAMP_TZ(6)' },
    { name: 'LOCAL', type: 'TIMESTAMP_NTZ(6)' },
    { name: 'BORN', type: 'DATE' },
    { name: 'PRICE', type: 'NUMBER(12,2)' },
    { name: 'W', type: 'FLOAT' },
    ...tableColumns([]),
  ];
  it('a TIME 24:00:00, a date or timestamp past 9999, BC or ±infinity, a numeric NaN/±Infinity: NULL in the column, not a failed COPY', () => {
    expect(readExpression('$1', { name: 'OPENS', type: 'TIME(6)' })).toBe(`IFF(RLIKE(COALESCE($1:opens::VARCHAR, $1:"OPENS"::VARCHAR), '^24:.*$'), NULL, COALESCE($1:opens::TIME(6), $1:"OPENS"::TIME(6)))`);
    for (const [name, type] of [['AT', 'TIMESTAMP_TZ(6)'], ['LOCAL', 'TIMESTAMP_NTZ(6)'], ['BORN', 'DATE']] as const) {
      expect(readExpression('$1', { name, type })).toBe(`IFF(RLIKE(COALESCE($1:${name.toLowerCase()}::VARCHAR, $1:"${name}"::VARCHAR), '^([0-9]{5,}-.*|.* BC|-?infinity)$'), NULL, COALESCE($1:${name.toLowerCase()}::${type}, $1:"${name}"::${type}))`);
    }
    expect(readExpression('$1', { name: 'PRICE', type: 'NUMBER(12,2)' })).toBe(`IFF(RLIKE(COALESCE($1:price::VARCHAR, $1:"PRICE"::VARCHAR), '^(NaN|-?Infinity)$'), NULL, COALESCE($1:price::NUMBER(12,2), $1:"PRICE"::NUMBER(12,2)))`);
    // an int64 (even past 2^53: bare digits in the line) is exact in NUMBER(38,0)
    expect(readExpression('$1', { name: 'ID', type: 'NUMBER(38,0)' })).toBe('COALESCE($1:id::NUMBER(38,0), $1:"ID"::NUMBER(38,0))');
  });
  it('a float NaN/±Infinity is a FLOAT value (Snowflake spells infinity inf)', () => {
    expect(readExpression('$1', { name: 'W', type: 'FLOAT' })).toBe(`COALESCE(IFF(TYPEOF($1:w) = 'VARCHAR', REPLACE($1:w::VARCHAR, 'Infinity', 'inf')::FLOAT, $1:w::FLOAT), IFF(TYPEOF($1:"W") = 'VARCHAR', REPLACE($1:"W"::VARCHAR, 'Infinity', 'inf')::FLOAT, $1:"W"::FLOAT))`);
  });
  it('__RAW keeps the exact line value of each field its column could not hold, by the field\'s key; NULL when there is none', () => {
    expect(tableColumns([]).map((c) => c.name)).toContain('__RAW');
    const exprs = readExpressions('$1', columns);
    const raw = exprs[columns.findIndex((c) => c.name === '__RAW')];
    expect(raw).toBe(
      `IFF(RLIKE(COALESCE($1:opens::VARCHAR, $1:"OPENS"::VARCHAR), '^24:.*$') OR RLIKE(COALESCE($1:at::VARCHAR, $1:"AT"::VARCHAR), '^([0-9]{5,}-.*|.* BC|-?infinity)$') OR RLIKE(COALESCE($1:local::VARCHAR, $1:"LOCAL"::VARCHAR), '^([0-9]{5,}-.*|.* BC|-?infinity)$') ` +
        `OR RLIKE(COALESCE($1:born::VARCHAR, $1:"BORN"::VARCHAR), '^([0-9]{5,}-.*|.* BC|-?infinity)$') OR RLIKE(COALESCE($1:price::VARCHAR, $1:"PRICE"::VARCHAR), '^(NaN|-?Infinity)$'), OBJECT_CONSTRUCT(` +
        `'opens', IFF(RLIKE(COALESCE($1:opens::VARCHAR, $1:"OPENS"::VARCHAR), '^24:.*$'), COALESCE($1:opens, $1:"OPENS"), NULL), 'at', IFF(RLIKE(COALESCE($1:at::VARCHAR, $1:"AT"::VARCHAR), '^([0-9]{5,}-.*|.* BC|-?infinity)$'), COALESCE($1:at, $1:"AT"), NULL), ` +
        `'local', IFF(RLIKE(COALESCE($1:local::VARCHAR, $1:"LOCAL"::VARCHAR), '^([0-9]{5,}-.*|.* BC|-?infinity)$'), COALESCE($1:local, $1:"LOCAL"), NULL), 'born', IFF(RLIKE(COALESCE($1:born::VARCHAR, $1:"BORN"::VARCHAR), '^([0-9]{5,}-.*|.* BC|-?infinity)$'), COALESCE($1:born, $1:"BORN"), NULL), ` +
        `'price', IFF(RLIKE(COALESCE($1:price::VARCHAR, $1:"PRICE"::VARCHAR), '^(NaN|-?Infinity)$'), COALESCE($1:price, $1:"PRICE"), NULL)), NULL)`,
    );
    expect(readExpressions('$1', [{ name: 'ID', type: 'NUMBER(38,0)' }, ...tableColumns([])])).toContain('NULL');
    expect(typedCopyStatement(target, 'T', columns, ref)).toContain(`OBJECT_CONSTRUCT('opens'`);
    expect(insertFromLandingStatement(target, 'T', 'T_LANDING', 'RECORD', columns, ref)).toContain(`OBJECT_CONSTRUCT('opens', IFF(RLIKE(COALESCE(l."RECORD":opens::VARCHAR, l."RECORD":"OPENS"::VARCHAR)`);
  });
  it('reconcile reads a value kept in __RAW back as the line held it', () => {
    const row = { ID: '1', OPENS: null, AT: null, __RAW: '{"opens":"24:00:00.000000","at":"infinity"}', __OP: 'c', __KAFKA_PARTITION: '0', __KAFKA_OFFSET: '3' };
    const line = currentRowToLine(row, columns, 'tp');
    expect(line).toMatchObject({ id: '1', opens: '24:00:00.000000', at: 'infinity', local: null });
    expect(line).not.toHaveProperty('__raw');
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
      'COPY INTO "DB"."CDC"."PRODUCTS" ("ID", "NAME", "__OP") FROM (SELECT COALESCE($1:id::NUMBER(38,0), $1:"ID"::NUMBER(38,0)), COALESCE($1:name::VARCHAR, $1:"NAME"::VARCHAR), $1:__op::VARCHAR ' +
        'FROM @"DB"."CDC"."ST"/cdc/buyonline.public.products/1/buyonline.public.products+1+00000000000000000010+00000000000000000019.jsonl.gz) FILE_FORMAT=(TYPE=JSON) ON_ERROR=ABORT_STATEMENT',
    );
  });
  it('inserts from the landing table only an offset range the table does not hold yet', () => {
    const sql = insertFromLandingStatement(target, 'PRODUCTS', 'PRODUCTS_LANDING', 'RECORD', columns, ref);
    expect(sql).toContain('INSERT INTO "DB"."CDC"."PRODUCTS" ("ID", "NAME", "__OP") SELECT COALESCE(l."RECORD":id::NUMBER(38,0), l."RECORD":"ID"::NUMBER(38,0))');
    expect(sql).toContain('l."RECORD":__kafka.offset::NUMBER BETWEEN 10 AND 19');
    expect(sql).toContain(`AND NOT EXISTS (SELECT 1 FROM "DB"."CDC"."PRODUCTS" AS d WHERE d."__KAFKA_TOPIC" = 'buyonline.public.products' AND d."__KAFKA_PARTITION" = 1 AND d."__KAFKA_OFFSET" BETWEEN 10 AND 19)`);
  });
  it('MERGEs the latest version per touched key, newer only; truncates remove older rows', () => {
    const sql = mergeStatement(target, 'PRODUCTS', 'PRODUCTS_CURRENT', columns, ['ID'], ref);
    expect(sql).toContain('MERGE INTO "DB"."CDC"."PRODUCTS_CURRENT" AS t USING (SELECT c.* FROM "DB"."CDC"."PRODUCTS" AS c WHERE EXISTS');
    expect(sql).toContain('QUALIFY ROW_NUMBER() OVER (PARTITION BY c."ID" ORDER BY c."__SOURCE_POSITION" DESC, c."__KAFKA_OFFSET" DESC) = 1');
    expect(sql).toContain('WHEN MATCHED AND s."__DELETED" AND (s."__SOURCE_POSITION" > t."__SOURCE_POSITION" OR');
    expect(sql).toContain(
      `THEN UPDATE SET "ID" = IFF(CONTAINS(COALESCE(TO_VARCHAR(s."__UNCHANGED_TOAST"), ''), '"id"') OR CONTAINS(COALESCE(TO_VARCHAR(s."__UNCHANGED_TOAST"), ''), '"ID"'), t."ID", s."ID"), ` +
        `"NAME" = IFF(CONTAINS(COALESCE(TO_VARCHAR(s."__UNCHANGED_TOAST"), ''), '"name"') OR CONTAINS(COALESCE(TO_VARCHAR(s."__UNCHANGED_TOAST"), ''), '"NAME"'), t."NAME", s."NAME"), "__OP" = s."__OP"`,
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
