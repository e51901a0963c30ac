import { createHash } from 'node:crypto';
import { ConfigError } from '@buyonline/connect-api';
import { PG_PROPERTIES } from '@buyonline/schemas';

/**
 * How PostgreSQL names become Kafka and Avro names (docs/naming.md). PostgreSQL accepts any
 * character in a quoted identifier; a Kafka topic is at most 249 characters of [a-zA-Z0-9._-]
 * and an Avro name is [A-Za-z_][A-Za-z0-9_]*. Names are escaped, not merged: what two names
 * still share after escaping is refused by `checkDistinct`, naming both originals.
 */

/** The Avro field property that carries a column's PostgreSQL name when its Avro name differs. */
export const ORIGINAL_NAME = PG_PROPERTIES.name;
/** The record properties that carry a table's PostgreSQL schema and table when its namespace differs. */
export const ORIGINAL_SCHEMA = PG_PROPERTIES.schema;
export const ORIGINAL_TABLE = PG_PROPERTIES.table;

export const MAX_TOPIC_LENGTH = 249;

/** Every UTF-16 unit outside `keep` as `_uXXXX` (lower-case hex, as Debezium's avro_unicode mode). */
function escapeUnits(text: string, keep: RegExp): string {
  let out = '';
  for (const ch of text) {
    if (keep.test(ch)) out += ch;
    else for (let i = 0; i < ch.length; i++) out += `_u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`;
  }
  return out;
}

/**
 * The Avro field name of a column: a character outside [A-Za-z0-9_] becomes `_uXXXX`, a
 * leading digit gets a `_` in front, and `__proto__` (valid Avro, but it would set a JavaScript
 * record's prototype when decoded) has its first `_` escaped.
 */
export function avroFieldName(column: string): string {
  if (column === '__proto__') return '_u005f_proto__';
  const escaped = escapeUnits(column, /^[A-Za-z0-9_]$/);
  return /^[0-9]/.test(escaped) ? `_${escaped}` : escaped;
}

/** A part of an Avro namespace: invalid characters become `_`, a leading digit gets a `_` (Debezium's avro mode; names registered before stay the same). */
export function avroNamespacePart(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[0-9]/.test(cleaned) ? `_${cleaned}` : cleaned;
}

/** A schema or table name as a part of a topic name: a character outside [a-zA-Z0-9._-] becomes `_uXXXX`. */
export function topicPart(text: string): string {
  return escapeUnits(text, /^[A-Za-z0-9._-]$/);
}

/**
 * A topic name Kafka accepts: refused when the configured parts (prefix, template) hold a
 * character Kafka does not allow; longer than 249 characters, the first 240 and a hash of the
 * whole name.
 */
export function kafkaTopicName(topic: string, table: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(topic) || topic === '.' || topic === '..') {
    throw new ConfigError(`source.topicPrefix/topicTemplate: the topic of ${table} would be "${topic}", which Kafka refuses (only letters, digits, '.', '_' and '-')`);
  }
  if (topic.length <= MAX_TOPIC_LENGTH) return topic;
  const hash = createHash('sha256').update(topic).digest('hex').slice(0, 8);
  return `${topic.slice(0, MAX_TOPIC_LENGTH - 9)}-${hash}`;
}

/**
 * Refuses two originals that share a derived name, naming both (`show`n) after `what`: `entries` are
 * [derived, original] pairs; `equal` maps a derived name to what must be distinct (Kafka, for
 * one, tells `.` from `_` apart in topic names but not in its metric names).
 */
export function checkDistinct(
  what: string,
  entries: Iterable<readonly [string, string]>,
  equal: (derived: string) => string = (d) => d,
  show: (original: string) => string = (o) => JSON.stringify(o),
): void {
  const seen = new Map<string, { derived: string; original: string }>();
  for (const [derived, original] of entries) {
    const key = equal(derived);
    const other = seen.get(key);
    if (other && other.original !== original) {
      const same = other.derived === derived ? `both ${derived}` : `${other.derived} and ${derived}, which Kafka cannot tell apart`;
      throw new ConfigError(`${what} ${show(other.original)} and ${show(original)} would have the same name (${same}); rename one of them or leave one out`);
    }
    if (!other) seen.set(key, { derived, original });
  }
}
