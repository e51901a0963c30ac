import { DataError, isoToMicros } from '@buyonline/connect-api';
import { describe, expect, it } from 'vitest';
import { type ColumnInfo, dateToDays, mapColumn, timestamptzToMicros, timeToMicros } from './column-types.ts';

const col = (typeName: string, extra: Partial<ColumnInfo> = {}): ColumnInfo => ({
  name: 'c',
  typeName,
  typeType: 'b',
  typeMod: -1,
  notNull: false,
  isKey: false,
  ...extra,
});

describe('PostgreSQL → Avro column mapping', () => {
  it('maps numeric(p,s) to a decimal with the same precision and scale, keeping the exact text; NaN as a double', () => {
    const decimal = { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 4 };
    const m = mapColumn(col('numeric', { typeMod: ((12 << 16) | 4) + 4 }));
    expect(m.avro).toEqual([decimal, 'double']);
    expect(m.fromText('-99999999.9999')).toBe('-99999999.9999');
    expect(m.fromText('NaN')).toBeNaN();
  });

  it('keeps a numeric(p,s) key a plain decimal (its bytes and partition unchanged), refusing NaN there', () => {
    const key = mapColumn(col('numeric', { typeMod: ((12 << 16) | 4) + 4, isKey: true }));
    expect(key.avro).toEqual({ type: 'bytes', logicalType: 'decimal', precision: 12, scale: 4 });
    expect(key.fromText('1.5000')).toBe('1.5000');
    expect(() => key.fromText('NaN')).toThrow(/NaN in a key column/);
  });

  it('keeps numeric without a declared precision as exact text', () => {
    const m = mapColumn(col('numeric'));
    expect(m.avro).toEqual({ type: 'string', 'buyonline.pg.type': 'numeric' });
    expect(m.fromText('123456789012345678901234567890.123456789')).toBe('123456789012345678901234567890.123456789');
  });

  it('carries int8 over the whole 64-bit range: a number while safe, a bigint beyond, never rounded', () => {
    const m = mapColumn(col('int8'));
    expect(m.avro).toBe('long');
    expect(m.fromText('4503599627370495')).toBe(4503599627370495);
    expect(m.fromText('9007199254740991')).toBe(9007199254740991);
    expect(m.fromText('-9007199254740991')).toBe(-9007199254740991);
    expect(m.fromText('9007199254740992')).toBe(9007199254740992n);
    expect(m.fromText('9007199254740993')).toBe(9007199254740993n);
    expect(m.fromText('1550166368505037572')).toBe(1550166368505037572n);
    expect(m.fromText('9223372036854775807')).toBe(9223372036854775807n);
    expect(m.fromText('-9223372036854775808')).toBe(-9223372036854775808n);
    expect(() => m.fromText('9223372036854775808')).toThrow(/64-bit range/);
    expect(() => m.fromText('1e3')).toThrow(/not an integer/);
  });

  it('reads integers as written, and refuses any other text', () => {
    const m = mapColumn(col('int4'));
    expect([m.fromText('0'), m.fromText('007'), m.fromText('-42'), m.fromText('999999999999999'), m.fromText('-1000000000000000')]).toEqual([0, 7, -42, 999_999_999_999_999, -1_000_000_000_000_000]);
    expect(Object.is(m.fromText('-0'), -0)).toBe(true);
    for (const text of ['', '-', '+5', ' 5', '5 ', '1.0', '1e3', '0x10', '--1', '١']) expect(() => m.fromText(text), text).toThrow(/is not an integer/);
  });

  it('reads booleans in both text forms (pgoutput t/f, ::text true/false)', () => {
    const m = mapColumn(col('bool'));
    expect([m.fromText('t'), m.fromText('true'), m.fromText('f'), m.fromText('false')]).toEqual([true, true, false, false]);
  });

  it('converts dates, times and timestamps at microsecond precision', () => {
    expect(dateToDays('1970-01-01')).toBe(0);
    expect(dateToDays('0001-01-01')).toBe(-719162);
    expect(dateToDays('1969-12-31')).toBe(-1);
    expect(timeToMicros('23:59:59.999999')).toBe(86_399_999_999);
    expect(timeToMicros('12:34:56.5')).toBe(45_296_500_000);
    expect(timestamptzToMicros('1970-01-01 00:00:00.000001+00')).toBe(1);
    expect(timestamptzToMicros('1960-06-15 12:00:00.000001+05:30')).toBe(Date.UTC(1960, 5, 15, 6, 30) * 1000 + 1);
    expect(timestamptzToMicros('infinity')).toBe(9223372036854775807n);
    expect(mapColumn(col('timestamp')).fromText('1969-12-31 23:59:59.999999')).toBe(-1);
  });

  it('maps uuid, json, enums and bytea to exact forms', () => {
    expect(mapColumn(col('uuid')).avro).toEqual({ type: 'string', logicalType: 'uuid' });
    expect(mapColumn(col('jsonb')).fromText('{"a": [1, 2.50]}')).toBe('{"a": [1, 2.50]}');
    expect(mapColumn(col('mood', { typeType: 'e' })).fromText('happy')).toBe('happy');
    expect(mapColumn(col('bytea')).fromText('\\x00ff10')).toEqual(Buffer.from([0, 255, 16]));
  });

  it('maps one-dimensional arrays element by element, NULLs, quoting and escapes included', () => {
    const ints = mapColumn(col('_int4', { element: { typeName: 'int4', typeType: 'b' } }));
    expect(ints.avro).toEqual([{ type: 'array', items: ['null', 'int'] }, { type: 'string', 'buyonline.pg.type': 'int4[]' }]);
    expect(ints.fromText('{1,NULL,-3}')).toEqual([1, null, -3]);
    expect(ints.fromText('{}')).toEqual([]);
    const texts = mapColumn(col('_text', { element: { typeName: 'text', typeType: 'b' } }));
    expect(texts.fromText('{"a b",NULL,"c,d","{braces}","NULL","","q\\"uote","back\\\\slash",plain}')).toEqual([
      'a b', null, 'c,d', '{braces}', 'NULL', '', 'q"uote', 'back\\slash', 'plain',
    ]);
    const bigs = mapColumn(col('_int8', { element: { typeName: 'int8', typeType: 'b' } }));
    expect(bigs.fromText('{1550166368505037572,NULL,1}')).toEqual([1550166368505037572n, null, 1]);
  });

  it("splits an array at its element type's delimiter: box[] uses ;", () => {
    const boxes = mapColumn(col('_box', { element: { typeName: 'box', typeType: 'b', delimiter: ';' } }));
    expect(boxes.fromText('{(1,1),(0,0);(3,3),(2,2);NULL}')).toEqual(['(1,1),(0,0)', '(3,3),(2,2)', null]);
    const points = mapColumn(col('_point', { element: { typeName: 'point', typeType: 'b', delimiter: ',' } }));
    expect(points.fromText('{"(1,2)","(-1.5,2e+10)"}')).toEqual(['(1,2)', '(-1.5,2e+10)']);
  });

  it('carries arrays of more dimensions or other bounds as their exact text, and refuses them in a key', () => {
    const ints = mapColumn(col('_int4', { element: { typeName: 'int4', typeType: 'b' } }));
    expect(ints.fromText('{{1,2},{3,NULL}}')).toBe('{{1,2},{3,NULL}}');
    expect(ints.fromText('[0:2]={1,2,3}')).toBe('[0:2]={1,2,3}');
    const key = mapColumn(col('_int4', { isKey: true, element: { typeName: 'int4', typeType: 'b' } }));
    expect(key.avro).toEqual({ type: 'array', items: ['null', 'int'] });
    expect(key.fromText('{1,2}')).toEqual([1, 2]);
    expect(() => key.fromText('{{1,2},{3,4}}')).toThrow(/more than one dimension/);
    for (const bad of ['1,2', '{1,2', '{1,"2}', '{1,,2}', '{1,2}x']) expect(() => ints.fromText(bad), bad).toThrow(DataError);
  });

  it('maps other types to their exact text, named by their PostgreSQL type', () => {
    expect(mapColumn(col('inet')).avro).toEqual({ type: 'string', 'buyonline.pg.type': 'inet' });
    expect(mapColumn(col('interval')).fromText('P1Y2M3DT4H5M6.5S')).toBe('P1Y2M3DT4H5M6.5S');
    expect(mapColumn(col('point')).fromText('(1,2)')).toBe('(1,2)');
    expect(mapColumn(col('hstore')).avro).toEqual({ type: 'string', 'buyonline.pg.type': 'hstore' });
    expect(mapColumn(col('address', { typeType: 'c' })).fromText('(1,"a b")')).toBe('(1,"a b")');
    expect(mapColumn(col('text')).avro).toBe('string');
    expect(mapColumn(col('bpchar')).fromText('ab ')).toBe('ab ');
    expect(Object.is(mapColumn(col('float8')).fromText('-0'), -0)).toBe(true);
    expect(mapColumn(col('float4')).fromText('-Infinity')).toBe(Number.NEGATIVE_INFINITY);
  });
});

/** The timestamptz text as ISO-8601 for Date.parse (an independent reading: offsets `+HH`, `+HH:MM`, `+HH:MM:00`). */
const viaDateParse = (text: string): number => isoToMicros(text.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00').replace(/([+-]\d{2}:\d{2}):00$/, '$1'));

const timestamp = (text: string): unknown => mapColumn(col('timestamp')).fromText(text);

describe('timestamptz text → µs', () => {
  it('reads every number of fractional digits, 0 to 6', () => {
    const second = Date.UTC(2026, 10, 25, 13, 12, 41) * 1000;
    expect(timestamptzToMicros('2026-11-25 13:12:41+00')).toBe(second);
    expect(timestamptzToMicros('2026-11-25 13:12:41.1+00')).toBe(second + 100_000);
    expect(timestamptzToMicros('2026-11-25 13:12:41.12+00')).toBe(second + 120_000);
    expect(timestamptzToMicros('2026-11-25 13:12:41.123+00')).toBe(second + 123_000);
    expect(timestamptzToMicros('2026-11-25 13:12:41.1234+00')).toBe(second + 123_400);
    expect(timestamptzToMicros('2026-11-25 13:12:41.12345+00')).toBe(second + 123_450);
    expect(timestamptzToMicros('2026-11-25 13:12:41.123456+00')).toBe(second + 123_456);
    expect(timestamptzToMicros('2026-11-25 13:12:41.000001+00')).toBe(second + 1);
  });

  it('applies zones of hours, of hours and minutes, and of zero seconds; refuses a seconds offset', () => {
    const noon = Date.UTC(2026, 0, 1, 12) * 1000;
    expect(timestamptzToMicros('2026-01-01 17:30:00+05:30')).toBe(noon);
    expect(timestamptzToMicros('2026-01-01 09:00:00-03')).toBe(noon);
    expect(timestamptzToMicros('2026-01-01 02:30:00-09:30')).toBe(noon);
    expect(timestamptzToMicros('2026-01-02 02:00:00+14')).toBe(noon);
    expect(timestamptzToMicros('2026-01-01 12:00:00-00')).toBe(noon);
    expect(timestamptzToMicros('2026-01-01 17:30:00+05:30:00')).toBe(noon);
    expect(timestamptzToMicros('2026-01-01 17:30:15+05:30:15')).toBe(noon);
    expect(() => timestamptzToMicros('2026-01-01 17:30:00+0530')).toThrow(DataError);
  });

  it('reads times before 1970 and across a day change of the zone', () => {
    expect(timestamptzToMicros('1969-12-31 23:59:59.999999+00')).toBe(-1);
    expect(timestamptzToMicros('1970-01-01 05:30:00.000001+05:30')).toBe(1);
    expect(timestamptzToMicros('1900-02-28 22:00:00-03')).toBe(Date.UTC(1900, 2, 1, 1) * 1000);
  });

  it('carries the whole range exactly: a number while the µs are safe, a bigint beyond; refuses a µs that reaches int64', () => {
    expect(timestamptzToMicros('2255-06-05 23:47:34.740991+00')).toBe(9_007_199_254_740_991);
    expect(timestamptzToMicros('2255-06-05 23:47:34.740992+00')).toBe(9_007_199_254_740_992n);
    expect(timestamptzToMicros('1684-07-28 00:12:25.259009+00')).toBe(-9_007_199_254_740_991);
    expect(timestamptzToMicros('1684-07-28 00:12:25.259008+00')).toBe(-9_007_199_254_740_992n);
    expect(timestamptzToMicros('0001-01-01 00:00:00+00')).toBe(-62_135_596_800_000_000n);
    expect(timestamptzToMicros('0001-12-31 23:59:59.999999+00 BC')).toBe(-62_135_596_800_000_001n);
    expect(timestamptzToMicros('4713-01-01 00:00:00+00 BC')).toBe(-210_863_520_000_000_000n);
    expect(timestamptzToMicros('21016-10-16 10:11:12.123456+00')).toBe(601_058_657_472_123_456n);
    expect(timestamptzToMicros('294247-01-10 04:00:54.775806+00')).toBe(9_223_372_036_854_775_806n);
    expect(() => timestamptzToMicros('294247-01-10 04:00:54.775807+00')).toThrow(/294247-01-10 04:00:54.775806/);
    expect(() => timestamptzToMicros('294276-12-31 23:59:59.999999+00')).toThrow(/no longer fit a 64-bit long/);
  });

  it('agrees with Date for BC years and years past 9999, in any zone', () => {
    for (const year of [-4712, -1000, -1, 0, 1, 99, 999, 10000, 21016, 99999, 275759]) {
      for (const [zone, offsetMinutes] of [['+00', 0], ['-03', -180], ['+05:30', 330], ['+05:53:28', 353 + 28 / 60]] as const) {
        const date = new Date(0);
        date.setUTCFullYear(year, 6, 14);
        date.setUTCHours(13, 2, 3);
        const expected = BigInt(date.getTime() - offsetMinutes * 60_000) * 1000n + 456n;
        const shown = year > 0 ? `${String(year).padStart(4, '0')}-07-14 13:02:03.000456${zone}` : `${String(1 - year).padStart(4, '0')}-07-14 13:02:03.000456${zone} BC`;
        expect([shown, BigInt(timestamptzToMicros(shown))]).toEqual([shown, expected]);
      }
    }
  });

  it('carries ±infinity as the int64 extremes; refuses malformed text', () => {
    expect(timestamptzToMicros('infinity')).toBe(9223372036854775807n);
    expect(timestamptzToMicros('-infinity')).toBe(-9223372036854775808n);
    expect(() => timestamptzToMicros('2026-13-01 00:00:00+00')).toThrow(DataError);
    expect(() => timestamptzToMicros('2026-01-01 12:00:00.1234567+00')).toThrow(DataError);
    expect(() => timestamptzToMicros('2026-01-01 12:00:00.+00')).toThrow(DataError);
    expect(() => timestamptzToMicros('2026-01-01 12:00:00')).toThrow(DataError);
    expect(() => timestamptzToMicros('2026-01-01 12:00:60+00')).toThrow(DataError);
  });

  it('agrees with Date.parse to the µs on every month end, hour, zone and fraction', () => {
    const zones = ['+00', '-03', '+05:30', '-09:30', '+14', '-12', '+23:59', '+05:30:00'];
    const checked: string[] = [];
    for (const year of [1828, 1899, 1900, 1904, 1969, 1970, 1999, 2000, 2024, 2026, 2100, 2111]) {
      for (let month = 1; month <= 12; month++) {
        for (const day of [1, 28, 29, 30, 31]) {
          for (const [h, z] of [[0, 0], [23, 1], [12, 2], [1, 3], [22, 4], [6, 5], [18, 6], [9, 7]] as const) {
            const fraction = ['', '.5', '.25', '.125', '.0625', '.03125', '.015625'][(month + day + h) % 7] as string;
            const pad = (n: number) => String(n).padStart(2, '0');
            checked.push(`${year}-${pad(month)}-${pad(day)} ${pad(h)}:${pad((day * 7) % 60)}:${pad((month * 5) % 60)}${fraction}${zones[z]}`);
          }
        }
      }
    }
    for (const text of checked) expect([text, timestamptzToMicros(text)]).toEqual([text, viaDateParse(text)]);
  });
});

describe('timestamp text → µs of the wall-clock time read as UTC', () => {
  it('reads fractions, times before 1970 and the exactness limits', () => {
    expect(timestamp('1969-12-31 23:59:59.999999')).toBe(-1);
    expect(timestamp('2026-11-25 13:12:41')).toBe(Date.UTC(2026, 10, 25, 13, 12, 41) * 1000);
    expect(timestamp('2026-11-25 13:12:41.12345')).toBe(Date.UTC(2026, 10, 25, 13, 12, 41) * 1000 + 123_450);
    expect(timestamp('2112-09-17 23:53:47.370495')).toBe(4_503_599_627_370_495);
    expect(timestamp('294247-01-10 04:00:54.775806')).toBe(9_223_372_036_854_775_806n);
    expect(timestamp('1900-01-01 00:00:00 BC')).toBe(-122_093_827_200_000_000n); // PostgreSQL: extract(epoch from '1900-01-01 00:00:00 BC'::timestamp)
  });

  it('carries ±infinity as the int64 extremes; refuses a zone and malformed text', () => {
    expect(timestamp('infinity')).toBe(9223372036854775807n);
    expect(timestamp('-infinity')).toBe(-9223372036854775808n);
    expect(() => timestamp('2026-01-01 00:00:00+00')).toThrow(DataError);
    expect(() => timestamp('2026-01-01 00:00:00.1234567')).toThrow(DataError);
    expect(() => timestamp('2026-01-01 0:00:00')).toThrow(DataError);
  });
});

describe('date text → days since the epoch', () => {
  it('reads years 1 to 9999 as written (years below 100 are not 19xx) and past 9999', () => {
    expect(dateToDays('0099-12-31')).toBe(-683004);
    expect(dateToDays('2000-02-29')).toBe(11016);
    expect(dateToDays('9999-12-31')).toBe(2932896);
    expect(dateToDays('10000-01-01')).toBe(2932897);
  });

  it('counts days as Date.UTC does for every month of years 1000 to 9999, leap years included', () => {
    const pad = (n: number, width = 2) => String(n).padStart(width, '0');
    const years = [1000, 1600, 1700, 1800, 1827, 1900, 1969, 1970, 1971, 2000, 2024, 2100, 2112, 2400, 9999];
    for (let year = 1001; year < 9999; year += 37) years.push(year);
    for (const year of years) {
      for (let month = 1; month <= 12; month++) {
        for (const day of [1, 28, 29, 30, 31]) {
          const text = `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
          expect([text, dateToDays(text)]).toEqual([text, Date.UTC(year, month - 1, day) / 86_400_000]);
        }
      }
    }
  });

  it('reads BC dates and years past 9999; ±infinity as the int32 extremes; refuses malformed text', () => {
    expect(dateToDays('2026-02-30')).toBe(dateToDays('2026-03-02'));
    expect(dateToDays('0001-12-31 BC')).toBe(dateToDays('0001-01-01') - 1);
    expect(dateToDays('4713-01-01 BC')).toBe(-2_440_550);
    expect(dateToDays('21016-10-16')).toBe(6_956_697);
    expect(dateToDays('5874897-12-31')).toBe(2_145_042_905);
    expect(dateToDays('infinity')).toBe(2_147_483_647);
    expect(dateToDays('-infinity')).toBe(-2_147_483_648);
    expect(() => dateToDays('2026-1-01')).toThrow(/not a date/);
    expect(() => dateToDays('2026-13-01')).toThrow(/not a date/);
  });
});

describe('time text → µs since midnight', () => {
  it('reads 00:00:00 to 24:00:00 with 0 to 6 fractional digits', () => {
    expect(timeToMicros('00:00:00')).toBe(0);
    expect(timeToMicros('24:00:00')).toBe(86_400_000_000);
    expect(timeToMicros('01:02:03.000004')).toBe(3_723_000_004);
    expect(timeToMicros('01:02:03.12')).toBe(3_723_120_000);
  });

  it('refuses malformed text', () => {
    for (const text of ['12:00:00.', '12:00:00.1234567', '1:00:00', '12:00', '12:00:00 ', 'ab:cd:ef', '12-00-00']) {
      expect(() => timeToMicros(text), text).toThrow(/not a time of day/);
    }
  });
});
