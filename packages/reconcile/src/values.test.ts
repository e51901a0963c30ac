import { describe, expect, it } from 'vitest';
import { type ColumnSpec, compareDecimals, compareFloats, compareIntegers, compareText, fromPgText, fromStage, kindOf, parsePgArray, type ValueKind } from './values.ts';

const col = (kind: ValueKind, array = false): ColumnSpec => ({ name: 'c', kind, array });

describe('canonical values: PostgreSQL text output and the stage JSON meet in one form', () => {
  // [kind, PostgreSQL text output (DateStyle ISO, TimeZone UTC, bytea hex), stage JSON value, canonical]
  const cases: [ValueKind, string, unknown, string][] = [
    ['int', '9007199254740', 9007199254740, '9007199254740'],
    ['int', '-5', -5, '-5'],
    ['float', '0.1', 0.1, '0.1'],
    ['float', '1.5e-07', 1.5e-7, '1.5e-7'],
    ['float', '1e+100', 1e100, '1e+100'],
    ['float', 'NaN', 'NaN', 'NaN'],
    ['float', '-Infinity', '-Infinity', '-Infinity'],
    ['numeric', '10.00', '10.00', '10'],
    ['numeric', '-0.50', '-0.50', '-0.5'],
    ['numeric', 'NaN', 'NaN', 'NaN'],
    ['numeric', '-Infinity', '-Infinity', '-Infinity'],
    ['numeric', '123456789012345678901234567890.123', '123456789012345678901234567890.123', '123456789012345678901234567890.123'],
    ['bool', 't', true, 'true'],
    ['bool', 'f', false, 'false'],
    ['date', '2026-11-25', '2026-11-25', '2026-11-25'],
    ['time', '13:12:41', '13:12:41.000000', '13:12:41.000000'],
    ['time', '13:12:41.5', '13:12:41.500000', '13:12:41.500000'],
    ['time', '24:00:00', '24:00:00.000000', '24:00:00.000000'],
    ['timestamp', '2026-11-25 13:12:41.111039', '2026-11-25T13:12:41.111039', '2026-11-25T13:12:41.111039'],
    ['timestamp', '2026-11-25 13:12:41', '2026-11-25T13:12:41.000000', '2026-11-25T13:12:41.000000'],
    ['timestamptz', '2026-11-25 13:12:41.11+00', '2026-11-25T13:12:41.110000Z', '2026-11-25T13:12:41.110000Z'],
    ['timestamptz', '1999-01-01 00:00:00+00', '1999-01-01T00:00:00.000000Z', '1999-01-01T00:00:00.000000Z'],
    ['bytea', '\\x00ff10', '\\x00ff10', '\\x00ff10'],
    ['uuid', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
    ['text', 'ab  ', 'ab  ', 'ab  '], // char(4): the padding is part of the value, as the source carries it
    ['text', '{"a": 1}', '{"a": 1}', '{"a": 1}'],
    // The whole range (contract C2): more year digits, BC, infinity.
    ['timestamp', '21016-01-01 00:00:00', '21016-01-01T00:00:00.000000', '21016-01-01T00:00:00.000000'],
    ['timestamp', '4713-01-01 00:00:00 BC', '4713-01-01T00:00:00.000000 BC', '4713-01-01T00:00:00.000000 BC'],
    ['timestamp', 'infinity', 'infinity', 'infinity'],
    ['timestamptz', '4713-01-01 00:00:00.5+00 BC', '4713-01-01T00:00:00.500000Z BC', '4713-01-01T00:00:00.500000Z BC'],
    ['timestamptz', '-infinity', '-infinity', '-infinity'],
    ['date', '4713-01-01 BC', '4713-01-01 BC', '4713-01-01 BC'],
  ];
  it.each(cases)('%s: %j from PostgreSQL and %j from the stage are both %j', (kind, pg, stage, canonical) => {
    expect(fromPgText(col(kind), pg)).toBe(canonical);
    expect(fromStage(col(kind), stage)).toBe(canonical);
  });

  it('an array of more than one dimension or with other bounds: its text, as the source carries it', () => {
    expect(fromPgText(col('int', true), '{{1,2},{3,NULL}}')).toBe('{{1,2},{3,NULL}}');
    expect(fromStage(col('int', true), '{{1,2},{3,NULL}}')).toBe('{{1,2},{3,NULL}}');
    expect(fromPgText(col('text', true), '[0:1]={a,b}')).toBe('[0:1]={a,b}');
    expect(fromStage(col('text', true), '[0:1]={a,b}')).toBe('[0:1]={a,b}');
  });

  it('an int64 past 2^53 (a bigint from parseStageLine) by its digits', () => {
    expect(fromPgText(col('int'), '9223372036854775807')).toBe('9223372036854775807');
    expect(fromStage(col('int'), 9_223_372_036_854_775_807n)).toBe('9223372036854775807');
    expect(fromStage(col('int', true), [1_550_166_368_505_037_572n, 7])).toBe(fromPgText(col('int', true), '{1550166368505037572,7}'));
  });

  it('json and jsonb by their content: the spacing and key order PostgreSQL prints meet the compact JSON a typed Snowflake table gives back', () => {
    const canonical = '{"a":1,"b":[1,{"c":"x","d":null}]}';
    expect(kindOf('json', 'b')).toBe('json');
    expect(kindOf('jsonb', 'b')).toBe('json');
    expect(fromPgText(col('json'), '{"b": [1, {"d": null, "c": "x"}], "a": 1}')).toBe(canonical);
    expect(fromStage(col('json'), '{"a":1,"b":[1,{"c":"x","d":null}]}')).toBe(canonical); // TO_VARCHAR of the VARIANT
    expect(fromStage(col('json'), { b: [1, { c: 'x', d: null }], a: 1 })).toBe(canonical); // a VARIANT read as an object
    expect(fromStage(col('json'), '{"b": [1, {"d": null, "c": "x"}], "a": 1}')).toBe(canonical); // the local stage carries PostgreSQL's text
    expect(fromPgText(col('json'), '"text"')).toBe('"text"');
    expect(fromPgText(col('json', true), '{"{\\"a\\": 1}",NULL}')).toBe('["{\\"a\\":1}",null]');
    // a value that is not JSON is compared as the text it is, on both sides
    expect(fromPgText(col('json'), 'not json')).toBe('not json');
    expect(fromPgText(col('json'), '{"a": 1}')).not.toBe(fromPgText(col('json'), '{"a": 2}'));
  });

  it('numeric by value: a scale change (ALTER COLUMN … TYPE numeric(12,3)) does not make older rows differ', () => {
    // PostgreSQL prints the new scale for every row; the stage keeps the scale each row was written with.
    expect(fromPgText(col('numeric'), '2.750')).toBe(fromStage(col('numeric'), '2.75'));
    expect(fromPgText(col('numeric'), '2.750')).toBe(fromStage(col('numeric'), '2.7500'));
    expect(fromPgText(col('numeric'), '3.000')).toBe(fromStage(col('numeric'), '3'));
    expect(fromPgText(col('numeric'), '0.000')).toBe(fromStage(col('numeric'), '-0.0'));
    expect(fromPgText(col('numeric'), '-0.010')).toBe(fromStage(col('numeric'), '-.01'));
    expect(fromPgText(col('numeric'), '120.5')).toBe(fromStage(col('numeric'), '0120.50'));
    // a typed Snowflake table may give a NUMBER back as a JSON number
    expect(fromPgText(col('numeric'), '2.750')).toBe(fromStage(col('numeric'), 2.75));
    expect(fromPgText(col('numeric'), '1200000000000000000000')).toBe(fromStage(col('numeric'), '1.2e21'));
    expect(fromPgText(col('numeric'), '0.00012')).toBe(fromStage(col('numeric'), '1.2E-4'));
    expect(fromPgText(col('numeric', true), '{2.750,NULL,10.0}')).toBe(fromStage(col('numeric', true), ['2.75', null, '10']));
    // different values stay different, however long
    expect(fromPgText(col('numeric'), '2.751')).not.toBe(fromStage(col('numeric'), '2.75'));
    expect(fromPgText(col('numeric'), '123456789012345678901234567890.1230')).toBe('123456789012345678901234567890.123');
    expect(fromPgText(col('numeric'), '123456789012345678901234567890.1231')).not.toBe(fromStage(col('numeric'), '123456789012345678901234567890.123'));
    expect(fromPgText(col('numeric'), '-2.75')).not.toBe(fromStage(col('numeric'), '2.75'));
  });

  it('SQL NULL, a JSON null and a missing value are all null', () => {
    expect(fromPgText(col('text'), null)).toBeNull();
    expect(fromStage(col('text'), null)).toBeNull();
    expect(fromStage(col('int'), undefined)).toBeNull();
    expect(fromStage(col('text'), '')).toBe('');
  });

  it('arrays: element by element, as a JSON array; NULL elements stay null', () => {
    expect(fromPgText(col('int', true), '{1,NULL,3}')).toBe('["1",null,"3"]');
    expect(fromStage(col('int', true), [1, null, 3])).toBe('["1",null,"3"]');
    expect(fromPgText(col('timestamptz', true), '{"2026-01-01 00:00:00+00"}')).toBe('["2026-01-01T00:00:00.000000Z"]');
    expect(fromStage(col('timestamptz', true), ['2026-01-01T00:00:00.000000Z'])).toBe('["2026-01-01T00:00:00.000000Z"]');
    expect(fromPgText(col('text', true), '{}')).toBe('[]');
  });

  it('parses array literals with quoting, escapes and bounds', () => {
    expect(parsePgArray('{a,"b c","with \\"quote\\" and \\\\",NULL,"NULL"}')).toEqual(['a', 'b c', 'with "quote" and \\', null, 'NULL']);
    expect(parsePgArray('[0:1]={x,y}')).toEqual(['x', 'y']);
    expect(parsePgArray('{"\\\\x0102"}')).toEqual(['\\x0102']);
    expect(() => parsePgArray('nope')).toThrow(/array literal/);
    // box's delimiter is ';' (pg_type.typdelim), its elements hold commas unquoted
    expect(parsePgArray('{(1,1),(0,0);NULL;(2.5,3),(-1,-1)}', ';')).toEqual(['(1,1),(0,0)', null, '(2.5,3),(-1,-1)']);
  });

  it('maps types as the source does: enums and domains are text, uuid its own', () => {
    expect(kindOf('int8', 'b')).toBe('int');
    expect(kindOf('mood', 'e')).toBe('text');
    expect(kindOf('positive_int', 'd')).toBe('text');
    expect(kindOf('varchar', 'b')).toBe('text');
    expect(kindOf('uuid', 'b')).toBe('uuid');
  });
});

describe('key order: the order PostgreSQL sorts the key in', () => {
  const sorted = (values: string[], compare: (a: string, b: string) => number) => [...values].sort(compare);
  it('integers by value, whatever their length and sign', () => {
    expect(sorted(['10', '9', '-1', '-20', '0', '123456789012345678901'], compareIntegers)).toEqual(['-20', '-1', '0', '9', '10', '123456789012345678901']);
  });
  it('integers: the fast path (up to 15 digits) and the exact one agree with BigInt order', () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    const values = ['0', '-1', '1', '999999999999999', '-999999999999999', '1000000000000000', '-1000000000000000', '007', '-0', '12345678901234567890'];
    for (let i = 0; i < 200; i++) values.push(String((rand() % 2 ? -1 : 1) * rand() * (rand() % 1000)));
    for (const a of values) {
      for (const b of values) {
        const x = BigInt(a);
        const y = BigInt(b);
        const sign = (n: number) => (n < 0 ? -1 : n > 0 ? 1 : 0);
        // equal values written differently (007, -0) are still ordered, consistently
        const want = x < y ? -1 : x > y ? 1 : a === b ? 0 : sign(compareIntegers(a, b));
        expect(sign(compareIntegers(a, b)), `${a} vs ${b}`).toBe(want);
        expect(sign(compareIntegers(a, b)), `${a} vs ${b}`).toBe(-sign(compareIntegers(b, a)) || 0);
      }
    }
  }, 60_000); // many random keys, each also ordered by BigInt: seconds while CI runs the other packages' tests beside it
  it('decimals exactly by value; -Infinity < numbers < Infinity < NaN', () => {
    expect(sorted(['NaN', '1.10', '1.05', '-2.5', '0.00', '10', 'Infinity', '-Infinity', '-0.1'], compareDecimals)).toEqual([
      '-Infinity',
      '-2.5',
      '-0.1',
      '0.00',
      '1.05',
      '1.10',
      '10',
      'Infinity',
      'NaN',
    ]);
    expect(compareDecimals('1.0', '1.00')).toBe(0);
  });
  it('floats by value, NaN last', () => {
    expect(sorted(['NaN', '1e+100', '-Infinity', '0.1', '1.5e-7'], compareFloats)).toEqual(['-Infinity', '1.5e-7', '0.1', '1e+100', 'NaN']);
  });
  it('text in code point order ("C" collation), also past U+FFFF', () => {
    expect(sorted(['b', 'B', 'a', 'ä', '\u{1F600}', '\uFF21', 'ab'], compareText)).toEqual(['B', 'a', 'ab', 'b', 'ä', '\uFF21', '\u{1F600}']);
  });
});
