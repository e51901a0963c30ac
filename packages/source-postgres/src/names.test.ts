import { ConfigError } from '@buyonline/connect-api';
import { describe, expect, it } from 'vitest';
import { avroFieldName, avroNamespacePart, checkDistinct, kafkaTopicName, topicPart } from './names.ts';

const AVRO_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

describe('names PostgreSQL allows, as Kafka and Avro names', () => {
  it('escapes what Avro refuses in a field name as _uXXXX and prefixes a leading digit', () => {
    expect(avroFieldName('price')).toBe('price');
    expect(avroFieldName('p:k')).toBe('p_u003ak');
    expect(avroFieldName('col,2')).toBe('col_u002c2');
    expect(avroFieldName('123starts_with_digit')).toBe('_123starts_with_digit');
    expect(avroFieldName('Quoted_" . Column')).toBe('Quoted__u0022_u0020_u002e_u0020Column');
    expect(avroFieldName('prix €')).toBe('prix_u0020_u20ac');
    expect(avroFieldName('𝄞')).toBe('_ud834_udd1e');
    for (const name of ['p:k', 'col,2', '123', '', ' ', 'é', '__op', '$x', '9'.repeat(63)]) {
      if (name !== '') expect(avroFieldName(name)).toMatch(AVRO_NAME);
    }
  });

  it('keeps __ names Avro accepts, except __proto__, which would set a decoded record’s prototype', () => {
    expect(avroFieldName('__op')).toBe('__op');
    expect(avroFieldName('__deleted')).toBe('__deleted');
    expect(avroFieldName('__proto__')).toBe('_u005f_proto__');
    expect(avroFieldName('__proto__')).toMatch(AVRO_NAME);
  });

  it('names namespace parts as before (Debezium’s avro mode), so schemas registered already keep their names', () => {
    expect(avroNamespacePart('my-table')).toBe('my_table');
    expect(avroNamespacePart('Quoted_" . Schema')).toBe('Quoted_____Schema');
    expect(avroNamespacePart('1st')).toBe('_1st');
  });

  it('escapes what Kafka refuses in a topic part, and keeps . _ -', () => {
    expect(topicPart('Quoted_" . Table')).toBe('Quoted__u0022_u0020._u0020Table');
    expect(topicPart('my-table.v2_x')).toBe('my-table.v2_x');
    expect(topicPart('$x')).toBe('_u0024x');
  });

  it('refuses a topic whose configured parts Kafka refuses, and shortens one over 249 characters with a hash', () => {
    expect(() => kafkaTopicName('my prefix.s.t', 's.t')).toThrow(ConfigError);
    expect(() => kafkaTopicName('my prefix.s.t', 's.t')).toThrow(/s\.t.*"my prefix\.s\.t"/);
    const long = `p.${'a'.repeat(300)}`;
    const short = kafkaTopicName(long, 'x');
    expect(short).toHaveLength(249);
    expect(short.startsWith(long.slice(0, 240))).toBe(true);
    expect(kafkaTopicName(`p.${'a'.repeat(299)}b`, 'x')).not.toBe(short);
    expect(kafkaTopicName('p.s.t', 's.t')).toBe('p.s.t');
  });

  it('refuses two originals that share a name after escaping, naming both', () => {
    expect(() => checkDistinct('columns of s.t:', [[avroFieldName('p:k'), 'p:k'], [avroFieldName('a'), 'a'], [avroFieldName('p_u003ak'), 'p_u003ak']])).toThrow(ConfigError);
    expect(() => checkDistinct('columns of s.t:', [[avroFieldName('p:k'), 'p:k'], [avroFieldName('p_u003ak'), 'p_u003ak']])).toThrow(
      'columns of s.t: "p:k" and "p_u003ak" would have the same name (both p_u003ak)',
    );
    expect(() => checkDistinct('x', [['a', 'a'], ['b', 'b']])).not.toThrow();
  });

  it('can compare derived names the way Kafka does (. and _ alike in topics)', () => {
    const kafka = (t: string) => t.replaceAll('.', '_');
    expect(() => checkDistinct('topics of', [['p.s.a_b', 's.a_b'], ['p.s.a.b', 's.a.b']], kafka)).toThrow(/"s\.a_b" and "s\.a\.b".*p\.s\.a_b and p\.s\.a\.b/);
  });
});
