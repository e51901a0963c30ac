import { type AvroSchema, DataError } from '@buyonline/connect-api';
import { STAGE_METADATA as LINE, PG_PROPERTIES } from '@buyonline/schemas';
import { originalName, stageName } from '../stage-names.ts';
import { quoteIdent, quoteLiteral } from './sql.ts';

/** A column of a typed table: its name and its Snowflake type as DDL writes it. */
export interface TypedColumn {
  name: string;
  type: string;
}

/**
 * The change-metadata columns every typed table has, after the row's own columns, each with the
 * JSON path of the stage line it is read from. `__SOURCE_POSITION` is computed (see
 * `positionExpression`): the order of versions, compared as text.
 */
export const METADATA_COLUMNS: readonly (TypedColumn & { path: string })[] = [
  { name: '__OP', type: 'VARCHAR', path: LINE.op },
  { name: '__DELETED', type: 'BOOLEAN', path: LINE.deleted },
  { name: '__UNCHANGED_TOAST', type: 'VARIANT', path: LINE.unchangedToast },
  { name: '__SOURCE_LSN', type: 'VARCHAR', path: `${LINE.source}.lsn` },
  { name: '__SOURCE_TXID', type: 'NUMBER(38,0)', path: `${LINE.source}.txid` },
  { name: '__SOURCE_TS', type: 'TIMESTAMP_TZ(6)', path: `${LINE.source}.ts_us` },
  { name: '__SOURCE_SNAPSHOT', type: 'BOOLEAN', path: `${LINE.source}.snapshot` },
  { name: '__SOURCE_POSITION', type: 'VARCHAR', path: '' },
  { name: '__PROCESSED_AT', type: 'TIMESTAMP_TZ(6)', path: LINE.processedAt },
  { name: '__KAFKA_TOPIC', type: 'VARCHAR', path: `${LINE.kafka}.topic` },
  { name: '__KAFKA_PARTITION', type: 'NUMBER(10,0)', path: `${LINE.kafka}.partition` },
  { name: '__KAFKA_OFFSET', type: 'NUMBER(38,0)', path: `${LINE.kafka}.offset` },
  { name: '__KAFKA_TIMESTAMP', type: 'TIMESTAMP_TZ(3)', path: `${LINE.kafka}.timestamp` },
  // computed (see rawExpression): the exact line values the row's typed columns could not hold
  { name: '__RAW', type: 'VARIANT', path: '' },
];
/** The metadata column that keeps, exact, the line values the row's typed columns could not hold. */
export const RAW_COLUMN = '__RAW';
const METADATA_BY_NAME = new Map(METADATA_COLUMNS.map((c) => [c.name, c]));

/**
 * A field's column name: a field in lower case (PostgreSQL's usual column names) becomes upper
 * case, so analysts write `SELECT name` without quotes; any other field keeps its name (quoted).
 * A name in upper case can thus come from two fields (`id`, `ID`): see `lineKeysOfColumn`.
 */
export function columnNameOf(field: string): string {
  return field === field.toLowerCase() ? field.toUpperCase() : field;
}

/** The stage-line field a row column is read from (the inverse of `columnNameOf`). */
export function fieldOfColumn(column: string): string {
  return column === column.toUpperCase() ? column.toLowerCase() : column;
}

type Avro = AvroSchema | string | unknown[];

/** The Snowflake type of one Avro field type (the deserializer's JSON forms: see docs/snowflake.md). */
export function snowflakeTypeOf(avro: Avro): string {
  if (typeof avro === 'string') {
    switch (avro) {
      case 'boolean':
        return 'BOOLEAN';
      case 'int':
      case 'long':
        return 'NUMBER(38,0)';
      case 'float':
      case 'double':
        return 'FLOAT';
      case 'bytes':
        return 'BINARY';
      case 'string':
        return 'VARCHAR';
      case 'null':
        return 'VARIANT';
      default:
        return 'VARIANT'; // a named type defined elsewhere in the schema (a record or an enum)
    }
  }
  if (Array.isArray(avro)) {
    const branches = avro.filter((b) => b !== 'null') as Avro[];
    // numeric(p,s) from source-postgres: its decimal, and a double that carries NaN (docs/types.md).
    const decimal = branches.find((b) => typeof b === 'object' && !Array.isArray(b) && (b as Record<string, unknown>).logicalType === 'decimal');
    if (decimal && branches.length === 2 && branches.includes('double')) return snowflakeTypeOf(decimal);
    return branches.length === 1 ? snowflakeTypeOf(branches[0] as Avro) : 'VARIANT';
  }
  const t = avro as Record<string, unknown>;
  const logical = t.logicalType;
  if (logical === 'decimal') {
    const precision = Number(t.precision);
    const scale = Number(t.scale ?? 0);
    return precision >= 1 && precision <= 38 && scale >= 0 && scale <= precision ? `NUMBER(${precision},${scale})` : 'VARCHAR';
  }
  if (logical === 'date') return 'DATE';
  if (logical === 'time-micros' || logical === 'time-millis') return 'TIME(6)';
  if (logical === 'timestamp-micros' || logical === 'timestamp-millis') return 'TIMESTAMP_TZ(6)';
  if (logical === 'local-timestamp-micros' || logical === 'local-timestamp-millis') return 'TIMESTAMP_NTZ(6)';
  const pgType = t[PG_PROPERTIES.type];
  if (pgType === 'json' || pgType === 'jsonb') return 'VARIANT';
  switch (t.type) {
    case 'enum':
      return 'VARCHAR';
    case 'array':
    case 'map':
    case 'record':
      return 'VARIANT';
    case 'fixed':
      return 'BINARY';
    default:
      return typeof t.type === 'string' || Array.isArray(t.type) ? snowflakeTypeOf(t.type as Avro) : 'VARIANT';
  }
}

interface AvroField {
  name: string;
  type: Avro;
  [property: string]: unknown;
}

/**
 * The key of a field in the stage line: the column's original name (its `buyonline.pg.name`
 * property, else the field's name), with one more leading `_` when it starts with `__`, so no
 * column can take the place of the line's metadata (`__op` → `___op`, `__proto__` → `___proto__`).
 */
export function lineKeyOf(field: { name: string; [property: string]: unknown }): string {
  return stageName(originalName(field));
}

const fieldsOf = (record: unknown): AvroField[] | undefined => {
  if (!record || typeof record !== 'object' || Array.isArray(record)) return undefined;
  const fields = (record as { fields?: unknown }).fields;
  return Array.isArray(fields) ? (fields as AvroField[]) : undefined;
};

/** Every named type (record, enum, fixed) a schema defines, by name and by full name: later uses refer to them by name. */
function namedTypes(schema: unknown, namespace = '', out = new Map<string, Record<string, unknown>>()): Map<string, Record<string, unknown>> {
  if (Array.isArray(schema)) {
    for (const branch of schema) namedTypes(branch, namespace, out);
    return out;
  }
  if (!schema || typeof schema !== 'object') return out;
  const t = schema as Record<string, unknown>;
  let ns = namespace;
  if (typeof t.name === 'string' && (t.type === 'record' || t.type === 'enum' || t.type === 'fixed')) {
    ns = typeof t.namespace === 'string' ? t.namespace : t.name.includes('.') ? t.name.slice(0, t.name.lastIndexOf('.')) : namespace;
    const short = t.name.slice(t.name.lastIndexOf('.') + 1);
    out.set(short, t);
    out.set(ns ? `${ns}.${short}` : short, t);
  }
  if (Array.isArray(t.fields)) for (const f of t.fields as AvroField[]) namedTypes(f.type, ns, out);
  if (t.items !== undefined) namedTypes(t.items, ns, out);
  if (t.values !== undefined) namedTypes(t.values, ns, out);
  if (typeof t.type === 'object') namedTypes(t.type, ns, out);
  return out;
}

/** A field type with references to named types replaced by their definitions (one level: what the column type needs). */
function resolved(type: Avro, named: Map<string, Record<string, unknown>>): Avro {
  if (typeof type === 'string') return named.get(type) ?? type;
  if (Array.isArray(type)) return type.map((b) => resolved(b as Avro, named));
  return type;
}

/** The row record of a change envelope (its `after` branch), or the value's own record when it is not an envelope. */
function rowRecordOf(valueSchema: AvroSchema, named: Map<string, Record<string, unknown>>): AvroField[] {
  const top = fieldsOf(valueSchema);
  if (!top) throw new DataError(`the value schema ${String(valueSchema.name ?? '')} is not a record: a typed table needs one`);
  const after = top.find((f) => f.name === 'after');
  if (top.some((f) => f.name === 'op') && after) {
    const type = resolved(after.type, named);
    const branches = Array.isArray(type) ? type : [type];
    const row = branches.map(fieldsOf).find((f) => f !== undefined);
    if (!row) throw new DataError(`the value schema ${String(valueSchema.name ?? '')} has an "after" that is not a record`);
    return row;
  }
  return top;
}

/**
 * The row's columns a value schema describes, in field order: one per field of the row record
 * (the envelope's `after`), named after the field's key in the stage line (`lineKeyOf`: the
 * original column name; a name starting with `__` has one more `_`, so it never names change
 * metadata). A field whose column name another field has already is refused, naming both.
 */
export function columnsOfSchema(valueSchema: AvroSchema): TypedColumn[] {
  const seen = new Map<string, string>();
  const out: TypedColumn[] = [];
  const named = namedTypes(valueSchema);
  for (const field of rowRecordOf(valueSchema, named)) {
    const key = lineKeyOf(field);
    const name = columnNameOf(key);
    const other = seen.get(name);
    if (other !== undefined) throw new DataError(`columns ${other} and ${key} would both be Snowflake column ${name}`);
    seen.set(name, key);
    out.push({ name, type: snowflakeTypeOf(resolved(field.type, named)) });
  }
  return out;
}

/**
 * The columns of a record key's fields (the key's Avro field names, as the records carry them):
 * the column of the row field of that name, which has the original name (`buyonline.pg.name`).
 */
export function keyColumnsOf(valueSchema: AvroSchema, keyFields: readonly string[]): string[] {
  const row = rowRecordOf(valueSchema, namedTypes(valueSchema));
  return keyFields.map((name) => columnNameOf(lineKeyOf(row.find((f) => f.name === name) ?? { name })));
}

/** Every column of the typed table for these row columns: the row's, then the metadata. */
export function tableColumns(rowColumns: readonly TypedColumn[]): TypedColumn[] {
  return [...rowColumns, ...METADATA_COLUMNS.map(({ name, type }) => ({ name, type }))];
}

export const isMetadataColumn = (name: string) => METADATA_BY_NAME.has(name);

/**
 * The Snowflake type of an INFORMATION_SCHEMA.COLUMNS row (DATA_TYPE, NUMERIC_PRECISION,
 * NUMERIC_SCALE), as a cast names it: the table itself says how its columns are read, so a file
 * loaded after a restart needs no schema.
 */
export function typeOfInfoSchemaRow(row: Record<string, unknown>): string {
  const dataType = String(row.DATA_TYPE ?? row.data_type ?? '').toUpperCase();
  switch (dataType) {
    case 'NUMBER':
    case 'DECIMAL':
    case 'NUMERIC':
    case 'FIXED': {
      const p = Number(row.NUMERIC_PRECISION ?? row.numeric_precision ?? 38);
      const s = Number(row.NUMERIC_SCALE ?? row.numeric_scale ?? 0);
      return `NUMBER(${p},${s})`;
    }
    case 'TEXT':
    case 'VARCHAR':
    case 'STRING':
      return 'VARCHAR';
    case 'FLOAT':
    case 'REAL':
    case 'DOUBLE':
      return 'FLOAT';
    default:
      return dataType;
  }
}

const YEAR_OUT_OF_RANGE = '^([0-9]{5,}-.*|.* BC|-?infinity)$';
/**
 * Per column type, the stage line's text forms (see docs/snowflake.md) the type cannot hold,
 * as a pattern of the value's text: PostgreSQL's `time` goes to 24:00:00, Snowflake's TIME stops
 * before; its dates and timestamps have four-digit years, AD, and no infinity; NUMBER has no NaN
 * or infinity (a decimal's column; NUMBER(38,0) is an int's or a long's, never NaN). Such a value is NULL in its column and kept, exact, in `__RAW`.
 */
const REFUSED: Readonly<Record<string, string>> = {
  TIME: '^24:.*$',
  DATE: YEAR_OUT_OF_RANGE,
  TIMESTAMP_TZ: YEAR_OUT_OF_RANGE,
  TIMESTAMP_NTZ: YEAR_OUT_OF_RANGE,
  TIMESTAMP_LTZ: YEAR_OUT_OF_RANGE,
  NUMBER: '^(NaN|-?Infinity)$',
};
const baseType = (type: string) => type.replace(/\(.*$/, '');

/** The condition under which a row column's line value is one its type cannot hold; undefined for a type that holds every form. */
function refusedCondition(root: string, column: TypedColumn): string | undefined {
  // NUMBER(38,0) is what int and long load into: never NaN (a numeric(38,0) is the one decimal left unguarded)
  if (isMetadataColumn(column.name) || column.type === 'NUMBER(38,0)') return undefined;
  const pattern = REFUSED[baseType(column.type)];
  return pattern === undefined ? undefined : `RLIKE(${oneOf(valuePaths(root, column).map((v) => `${v}::VARCHAR`))}, ${quoteLiteral(pattern)})`;
}

/**
 * The line keys a row column may be read from: one, or — for a name in upper case, which a field
 * in lower case (`id` → `ID`) and a field of that very name (`ID`) both give — the two, lower case
 * first. One value schema never holds both (`columnsOfSchema` refuses the pair).
 */
export function lineKeysOfColumn(column: string): string[] {
  const lower = fieldOfColumn(column);
  return lower === column ? [column] : [lower, column];
}

/** The `root:path`s a column's value may be at in the line (two for a name in upper case). */
function valuePaths(root: string, column: TypedColumn): string[] {
  const meta = METADATA_BY_NAME.get(column.name);
  if (meta) return [`${root}:${meta.path}`];
  const keys = lineKeysOfColumn(column.name);
  return keys.length === 1 ? [`${root}:${jsonPath(column.name)}`] : keys.map((k, i) => `${root}:${jsonPath(k, i > 0)}`);
}

const oneOf = (expressions: readonly string[]) => (expressions.length === 1 ? (expressions[0] ?? 'NULL') : `COALESCE(${expressions.join(', ')})`);

/**
 * `__RAW`: an object of the row's line values its typed columns could not hold (each NULL in its
 * column), by the field's key in the line, exact as the line held them; NULL when the row has none.
 */
export function rawExpression(root: string, columns: readonly TypedColumn[]): string {
  const refused = columns.flatMap((c) => {
    const condition = refusedCondition(root, c);
    return condition === undefined ? [] : [{ key: fieldOfColumn(c.name), condition, value: oneOf(valuePaths(root, c)) }];
  });
  if (refused.length === 0) return 'NULL';
  const pairs = refused.map((r) => `${quoteLiteral(r.key)}, IFF(${r.condition}, ${r.value}, NULL)`);
  return `IFF(${refused.map((r) => r.condition).join(' OR ')}, OBJECT_CONSTRUCT(${pairs.join(', ')}), NULL)`;
}

/** The expressions that read a table's columns from a stage line, in the columns' order (`__RAW` from the others). */
export function readExpressions(root: string, columns: readonly TypedColumn[]): string[] {
  return columns.map((c) => (c.name === RAW_COLUMN ? rawExpression(root, columns) : readExpression(root, c)));
}

/**
 * The expression that reads one column from a stage line (`root` is `$1` in a COPY
 * transformation, a VARIANT column in an INSERT … SELECT): a cast of the JSON value to the
 * column's type. Bytes are `\x`-hex text; a VARIANT column takes a JSON document's text parsed
 * (json/jsonb fields) or the value as it is (arrays, maps, records).
 */
export function readExpression(root: string, column: TypedColumn): string {
  if (column.name === '__SOURCE_POSITION') return positionExpression(root);
  if (column.name === RAW_COLUMN) throw new Error('__RAW is read from the other columns: readExpressions');
  // a name in upper case: the typed value of whichever spelling the line has (each cast on its own: an
  // emulator's COALESCE of two VARIANTs casts to text with the JSON quotes)
  const typed = oneOf(valuePaths(root, column).map((value) => typedValue(value, column.type)));
  const refused = refusedCondition(root, column);
  return refused === undefined ? typed : `IFF(${refused}, NULL, ${typed})`;
}

/** One line value (a VARIANT path) cast to the column's type. */
function typedValue(value: string, type: string): string {
  switch (baseType(type)) {
    case 'VARIANT':
    case 'OBJECT':
    case 'ARRAY':
      return `IFF(TYPEOF(${value}) = 'VARCHAR', TRY_PARSE_JSON(${value}::VARCHAR), ${value})`;
    case 'BINARY':
      return `TO_BINARY(SUBSTR(${value}::VARCHAR, 3), 'HEX')`;
    case 'FLOAT':
      // NaN and ±Infinity are strings in the line; Snowflake's FLOAT takes 'NaN', 'inf' and '-inf'
      return `IFF(TYPEOF(${value}) = 'VARCHAR', REPLACE(${value}::VARCHAR, 'Infinity', 'inf')::FLOAT, ${value}::FLOAT)`;
    default:
      return `${value}::${type}`;
  }
}

/** A JSON path element: bare when it is a plain name (unless `quoted`), else quoted as an identifier. */
function jsonPath(field: string, quoted = false): string {
  return !quoted && /^[A-Za-z_][A-Za-z0-9_]*$/.test(field) ? field : quoteIdent(field);
}

/**
 * The order of a version as text: the commit LSN `X/Y` as two 8-digit hex halves (log-based
 * capture), else the writing transaction's id padded to 20 digits (polling), else empty (a
 * line without a source position). Versions of one key compare by this, then by Kafka offset.
 */
export function positionExpression(root: string): string {
  const lsn = `${root}:__source.lsn::VARCHAR`;
  return (
    `COALESCE(LPAD(UPPER(SPLIT_PART(${lsn}, '/', 1)), 8, '0') || LPAD(UPPER(SPLIT_PART(${lsn}, '/', 2)), 8, '0'), ` +
    `LPAD(${root}:__source.txid::VARCHAR, 20, '0'), '')`
  );
}
