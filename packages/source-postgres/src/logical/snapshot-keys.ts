import { CdcError } from '@buyonline/connect-api';
import type { Sql } from 'postgres';
import { qualified } from '../sql-identifiers.ts';
import type { ColumnInfo } from './column-types.ts';

/** How PostgreSQL orders the key column: what the snapshot's chunk query and range checks need. */
export interface KeyOrder {
  column: string;
  /** The column's own type, typmod included (`character(4)`, `numeric(12,2)`): the stored last key is cast back to it. */
  castType: string;
  /** The column's collation, quoted and qualified; null for a type without collations. */
  collation: string | null;
  /** The collation compares bytes (C, POSIX): the order of UTF-8 bytes, so JavaScript can reproduce it. */
  bytewise: boolean;
}

type Compare = (a: string, b: string) => number;

const sign = (x: number | bigint): number => (x < 0 ? -1 : x > 0 ? 1 : 0);

function compareBigInt(a: string, b: string): number {
  return sign(BigInt(a) - BigInt(b));
}

/** real/double as PostgreSQL orders them: -Infinity < … < Infinity < NaN, and -0 = 0. */
function compareFloat(a: string, b: string): number {
  const [x, y] = [Number(a), Number(b)];
  if (Number.isNaN(x) || Number.isNaN(y)) return Number(Number.isNaN(x)) - Number(Number.isNaN(y));
  return x < y ? -1 : x > y ? 1 : 0;
}

/** numeric, exactly: digit strings, never floats; -Infinity < numbers < Infinity < NaN. */
function compareNumeric(a: string, b: string): number {
  const rank = (s: string) => (s === 'NaN' ? 3 : s === 'Infinity' ? 2 : s === '-Infinity' ? -2 : 0);
  const [ra, rb] = [rank(a), rank(b)];
  if (ra !== 0 || rb !== 0) return sign(ra - rb);
  const parse = (s: string) => {
    const negative = s.startsWith('-');
    const [int = '', frac = ''] = s.replace(/^[-+]/, '').split('.');
    const i = int.replace(/^0+/, '');
    const f = frac.replace(/0+$/, '');
    return { sign: i === '' && f === '' ? 0 : negative ? -1 : 1, int: i, frac: f };
  };
  const [x, y] = [parse(a), parse(b)];
  if (x.sign !== y.sign) return sign(x.sign - y.sign);
  const magnitude = sign(x.int.length - y.int.length) || compareDigits(x.int, y.int) || compareDigits(x.frac, y.frac);
  return magnitude === 0 ? 0 : x.sign * magnitude;
}

function compareDigits(a: string, b: string): number {
  const width = Math.max(a.length, b.length);
  const [x, y] = [a.padEnd(width, '0'), b.padEnd(width, '0')];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** uuid compares its 16 bytes: the lower-case hex digits in order. */
function compareUuid(a: string, b: string): number {
  const [x, y] = [a.replaceAll('-', '').toLowerCase(), b.replaceAll('-', '').toLowerCase()];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Days since 1970-01-01 of a proleptic Gregorian date with an astronomical year (1 BC = year 0). */
function civilDays(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const DATE_TIME = /^(\d+)-(\d\d)-(\d\d)(?: (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?)?(?:([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?)?( BC)?$/;

/**
 * A date or timestamp in PostgreSQL's ISO output (DateStyle ISO; the task's sessions use
 * TimeZone UTC, but any printed offset is honoured) as microseconds since 1970, ±infinity
 * beyond every value.
 */
function instant(text: string): bigint | number {
  if (text === 'infinity') return Number.POSITIVE_INFINITY;
  if (text === '-infinity') return Number.NEGATIVE_INFINITY;
  const m = DATE_TIME.exec(text);
  if (!m) throw new CdcError('DATA_INVALID', `not a date or timestamp in ISO form: ${text}`);
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', offSign, offH = '0', offM = '0', offS = '0', bc] = m;
  const year = bc ? 1 - Number(y) : Number(y);
  const days = BigInt(civilDays(year, Number(mo), Number(d)));
  const seconds = BigInt(Number(h) * 3600 + Number(mi) * 60 + Number(s));
  const offset = BigInt((offSign === '-' ? -1 : 1) * (Number(offH) * 3600 + Number(offM) * 60 + Number(offS)));
  return (days * 86_400n + seconds - (offSign ? offset : 0n)) * 1_000_000n + BigInt(frac.padEnd(6, '0'));
}

function compareInstant(a: string, b: string): number {
  const [x, y] = [instant(a), instant(b)];
  if (typeof x === 'number' || typeof y === 'number') return x === y ? 0 : x < y ? -1 : 1;
  return sign(x - y);
}

/** Byte order of UTF-8, as PostgreSQL compares under the C collation (char(n) ignores trailing blanks). */
function compareBytes(a: string, b: string, trimTrailingBlanks: boolean): number {
  const trim = (s: string) => (trimTrailingBlanks ? s.replace(/ +$/, '') : s);
  return Buffer.compare(Buffer.from(trim(a)), Buffer.from(trim(b)));
}

/** Types whose order does not depend on a collation, reproduced exactly from their text form. */
const IN_MEMORY: Record<string, Compare> = {
  int2: compareBigInt,
  int4: compareBigInt,
  int8: compareBigInt,
  oid: compareBigInt,
  float4: compareFloat,
  float8: compareFloat,
  numeric: compareNumeric,
  uuid: compareUuid,
  date: compareInstant,
  timestamp: compareInstant,
  timestamptz: compareInstant,
};

const orderKey = (schema: string, table: string, key: ColumnInfo) => JSON.stringify([schema, table, key.name, key.typeName, key.typeMod]);
const pairKey = (column: string, a: string, b: string) => JSON.stringify([column, a, b]);

/**
 * The order of the captured table's primary key, as PostgreSQL defines it: its default btree
 * operator class and the column's collation, which is the order of the primary key index.
 * The snapshot walks that index in chunks, and a resumed snapshot's key ranges are tested in
 * that same order. Types whose order JavaScript reproduces exactly (integers, numeric, uuid,
 * dates and timestamps, floats, text under a byte-wise collation) compare in memory; any
 * other (text under a linguistic collation, enums, domains, …) is compared by PostgreSQL
 * itself, once per key, through `resolve`.
 */
export class SnapshotKeys {
  private readonly orders = new Map<string, KeyOrder>();
  private last: KeyOrder | undefined;
  /** Per key column, what PostgreSQL answered for pairs of values (the last `resolve` of that column). */
  private resolved = new Map<string, Map<string, number>>();

  /** Reads the key's type and collation from the catalog (once per table shape). */
  async describe(sql: Sql, schema: string, table: string, key: ColumnInfo): Promise<KeyOrder> {
    const cacheKey = orderKey(schema, table, key);
    const known = this.orders.get(cacheKey);
    if (known) {
      this.last = known;
      return known;
    }
    const [row] = await sql<{ cast_type: string; collation: string | null; bytewise: boolean | null }[]>`
      select format_type(a.atttypid, a.atttypmod) as cast_type,
             case when a.attcollation <> 0 then quote_ident(cn.nspname) || '.' || quote_ident(co.collname) end as collation,
             case when co.collprovider = 'd'
                    then (select coalesce(to_jsonb(d) ->> 'datlocprovider', 'c') = 'c' and d.datcollate in ('C', 'POSIX')
                            from pg_database d where d.datname = current_database())
                  else co.collprovider = 'c' and co.collcollate in ('C', 'POSIX') end as bytewise
        from pg_attribute a
        left join pg_collation co on co.oid = a.attcollation
        left join pg_namespace cn on cn.oid = co.collnamespace
       where a.attrelid = ${qualified(schema, table)}::regclass and a.attname = ${key.name} and not a.attisdropped`;
    if (!row) throw new CdcError('CONFIG_INVALID', `${schema}.${table} has no column ${key.name}`);
    const order: KeyOrder = { column: key.name, castType: row.cast_type, collation: row.collation, bytewise: row.bytewise === true };
    this.orders.set(cacheKey, order);
    this.last = order;
    return order;
  }

  /**
   * The next chunk of the snapshot: rows after `lastKey` in the key's order, walking the
   * primary key index (the bound is the key's own type and collation, never text).
   */
  chunkQuery(order: KeyOrder, table: string, columns: string, key: string, lastKey: string | null, limit: number): { text: string; params: (string | number)[] } {
    if (lastKey === null) return { text: `select ${columns} from ${table} t order by t.${key} limit $1`, params: [limit] };
    const bound = `$1::text::${order.castType}${order.collation ? ` collate ${order.collation}` : ''}`;
    return { text: `select ${columns} from ${table} t where t.${key} > ${bound} order by t.${key} limit $2`, params: [lastKey, limit] };
  }

  /**
   * Compares two keys (their text output) as PostgreSQL orders them. A key whose order only
   * PostgreSQL knows must have been resolved against the other first.
   */
  compare(key: ColumnInfo, a: string, b: string, order: KeyOrder | undefined = this.last): number {
    const inMemory = IN_MEMORY[key.typeName];
    if (inMemory) return inMemory(a, b);
    if (order?.column === key.name && order.bytewise) return compareBytes(a, b, key.typeName === 'bpchar');
    const resolved = this.resolved.get(key.name);
    const known = resolved?.get(pairKey(key.name, a, b));
    if (known !== undefined) return known;
    const reverse = resolved?.get(pairKey(key.name, b, a));
    if (reverse !== undefined) return -reverse;
    throw new CdcError('CONFIG_INVALID', `the order of key ${key.name} (${key.typeName}) is PostgreSQL's: ${JSON.stringify(a)} was not resolved against ${JSON.stringify(b)}`);
  }

  /** Whether `compare` of this key needs `resolve` first (its order is not reproduced in memory). */
  async needsResolve(sql: Sql, schema: string, table: string, key: ColumnInfo): Promise<boolean> {
    if (IN_MEMORY[key.typeName]) return false;
    return !(await this.describe(sql, schema, table, key)).bytewise;
  }

  /**
   * Lets PostgreSQL compare each of `keys` with each of `bounds` (one query), so that
   * `compare` answers for those pairs; replaces what an earlier call resolved.
   */
  async resolve(sql: Sql, schema: string, table: string, key: ColumnInfo, keys: readonly string[], bounds: readonly string[]): Promise<void> {
    if (!(await this.needsResolve(sql, schema, table, key)) || keys.length === 0 || bounds.length === 0) return;
    const order = await this.describe(sql, schema, table, key);
    const typed = (v: string) => `${v}::${order.castType}${order.collation ? ` collate ${order.collation}` : ''}`;
    const rows = await sql.unsafe<{ k: string; b: string; c: number }[]>(
      `select k, b, case when ${typed('k')} < ${typed('b')} then -1 when ${typed('k')} > ${typed('b')} then 1 else 0 end as c
         from (select distinct k from jsonb_array_elements_text($1::text::jsonb) k) keys,
              (select distinct b from jsonb_array_elements_text($2::text::jsonb) b) bounds`,
      [JSON.stringify(keys), JSON.stringify(bounds)],
    );
    this.resolved.set(key.name, new Map(rows.map((r) => [pairKey(key.name, r.k, r.b), r.c])));
  }
}
