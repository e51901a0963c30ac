import { ConfigError } from '@buyonline/connect-api';
import { describe, expect, it } from 'vitest';
import { topicFor } from './index.ts';
import { checkTopics } from './tables.ts';

const config = { topicPrefix: 'buyonline', topicTemplate: '{prefix}.{schema}.{table}' };

describe('topics of tables', () => {
  it('escape what Kafka refuses in the schema and table, and stay within 249 characters', () => {
    expect(topicFor(config, { schema: 'Quoted_" . Schema', table: 'Quoted_" . Table' })).toBe('buyonline.Quoted__u0022_u0020._u0020Schema.Quoted__u0022_u0020._u0020Table');
    const long = topicFor(config, { schema: 's', table: '"'.repeat(63) });
    expect(long).toMatch(/^[A-Za-z0-9._-]{249}$/);
  });

  it('refuses two tables that share a topic, or topics Kafka cannot tell apart, or an Avro namespace, naming both', () => {
    const clash = (a: [string, string], b: [string, string]) => () =>
      checkTopics(config, [
        { schema: a[0], table: a[1] },
        { schema: b[0], table: b[1] },
      ]);
    expect(clash(['x', 'a.b'], ['x.a', 'b'])).toThrow(ConfigError);
    expect(clash(['x', 'a.b'], ['x.a', 'b'])).toThrow('source: tables x."a.b" and "x.a".b would have the same name (both x.a.b)');
    expect(clash(['s', 'a_b'], ['s', 'a.b'])).toThrow('the topics of s.a_b and s."a.b" would have the same name (buyonline.s.a_b and buyonline.s.a.b, which Kafka cannot tell apart)');
    expect(clash(['s', 'a-b'], ['s', 'a$b'])).toThrow('Avro namespaces of s."a-b" and s.a$b would have the same name (both buyonline.s.a_b)');
    expect(clash(['s', 'a'], ['s', 'b'])).not.toThrow();
  });
});
