import { ConfigError } from '@buyonline/connect-api';
import type { SnowflakeClient } from './client.ts';
import { qualifiedName, quoteIdent, type SnowflakeSqlTarget } from './sql.ts';
import { tableNameForTopic } from './table-naming.ts';
import { fieldOfColumn, isMetadataColumn, type TypedColumn, typeOfInfoSchemaRow } from './typed-columns.ts';
import { columnsStatement, currentTableOf } from './typed-sql.ts';

const base = (type: string) => type.replace(/\(.*$/, '');

/**
 * The select list that reads a typed table's columns back, each value as text Snowflake renders
 * the same way whatever its session's output formats (timestamps with six fraction digits and the
 * offset, binary as hex); `currentRowToLine` turns the text into the stage line's JSON forms.
 */
export function typedSelectList(columns: readonly TypedColumn[]): string {
  return columns
    .map((c) => {
      const name = quoteIdent(c.name);
      switch (base(c.type)) {
        case 'TIMESTAMP_TZ':
          return `TO_VARCHAR(${name}, 'YYYY-MM-DD HH24:MI:SS.FF6TZH:TZM') AS ${name}`;
        case 'TIMESTAMP_NTZ':
          return `TO_VARCHAR(${name}, 'YYYY-MM-DD HH24:MI:SS.FF6') AS ${name}`;
        case 'TIME':
          return `TO_VARCHAR(${name}, 'HH24:MI:SS.FF6') AS ${name}`;
        case 'BINARY':
          return `TO_VARCHAR(${name}, 'HEX') AS ${name}`;
        case 'NUMBER':
        case 'DATE':
          return `TO_VARCHAR(${name}) AS ${name}`;
        default:
          return name;
      }
    })
    .join(', ');
}

/** Reads a current-state table back (see `typedSelectList`). */
export function selectCurrentStatement(t: Pick<SnowflakeSqlTarget, 'database' | 'schema'>, current: string, columns: readonly TypedColumn[]): string {
  return `SELECT ${typedSelectList(columns)} FROM ${qualifiedName(t.database, t.schema, current)}`;
}

const STAMP = /^(\d{4,}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/;
const CLOCK = /^(\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?$/;
const micros = (f: string | undefined) => (f ?? '').slice(0, 6).padEnd(6, '0');

/** One rendered value → the stage line's JSON form of it (see stage-row.ts and the deserializer's logical types). */
export function lineValue(type: string, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  const text = String(value);
  switch (base(type)) {
    case 'TIMESTAMP_TZ':
    case 'TIMESTAMP_NTZ': {
      const m = STAMP.exec(text);
      if (!m) return text;
      const zone = base(type) === 'TIMESTAMP_TZ' ? 'Z' : '';
      if (zone && m[4] && !/^(Z|[+-]00(:?00)?)$/.test(m[4])) {
        const ms = Date.parse(`${m[1]}T${m[2]}${m[4].length === 3 ? `${m[4]}:00` : m[4]}`);
        return `${new Date(ms).toISOString().slice(0, 19)}.${micros(m[3])}Z`;
      }
      return `${m[1]}T${m[2]}.${micros(m[3])}${zone}`;
    }
    case 'TIME': {
      const m = CLOCK.exec(text);
      return m ? `${m[1]}.${micros(m[2])}` : text;
    }
    case 'BINARY':
      return `\\x${text.replaceAll('\\x', '').toLowerCase()}`;
    case 'BOOLEAN':
      return value === true || text === 'true' || text === '1';
    case 'VARIANT':
    case 'ARRAY':
    case 'OBJECT':
      if (typeof value !== 'string') return value;
      try {
        return JSON.parse(value) as unknown;
      } catch {
        return value;
      }
    default:
      return typeof value === 'number' ? value : text;
  }
}

/** A current-table row → a stage line (row fields by their names, `__op`, `__source`, `__kafka`), as reconcile reads lines. */
export function currentRowToLine(row: Record<string, unknown>, columns: readonly TypedColumn[], topic: string): Record<string, unknown> {
  const line: Record<string, unknown> = {};
  for (const c of columns) if (!isMetadataColumn(c.name)) line[fieldOfColumn(c.name)] = lineValue(c.type, row[c.name]);
  // values the typed columns could not hold (NULL there) are in __RAW, exact, by their line key
  const raw = lineValue('VARIANT', row.__RAW);
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) for (const [key, value] of Object.entries(raw)) if (key in line) line[key] = value;
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  line.__op = row.__OP ?? 'c';
  line.__deleted = false;
  line.__source = { lsn: row.__SOURCE_LSN ?? null, txid: row.__SOURCE_TXID ?? null };
  line.__kafka = { topic, partition: num(row.__KAFKA_PARTITION), offset: num(row.__KAFKA_OFFSET) };
  return line;
}

/** Every row of a topic's `<table>_CURRENT`, as stage lines (reconcile compares them with PostgreSQL). The answer is held in memory. */
export async function readCurrentTableLines(
  client: SnowflakeClient,
  t: Pick<SnowflakeSqlTarget, 'database' | 'schema'>,
  topic: string,
  topic2table: Readonly<Record<string, string>> = {},
): Promise<Record<string, unknown>[]> {
  const current = currentTableOf(tableNameForTopic(topic, topic2table));
  const columns = (await client.execute(columnsStatement(t, current))).map((r) => ({ name: String(r.COLUMN_NAME ?? r.column_name), type: typeOfInfoSchemaRow(r) }));
  if (columns.length === 0) throw new ConfigError(`the current-state table ${t.database}.${t.schema}.${current} of topic ${topic} does not exist (SNOWFLAKE_MERGE=true creates it)`);
  const rows = await client.execute(selectCurrentStatement(t, current, columns));
  return rows.map((row) => currentRowToLine(row, columns, topic));
}
