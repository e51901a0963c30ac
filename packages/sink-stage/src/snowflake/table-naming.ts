import { ConfigError } from '@buyonline/connect-api';

/** A name Snowflake takes unquoted: a letter or `_`, then letters, digits, `_` or `$`. */
const VALID_IDENTIFIER = /^[_a-zA-Z][_$a-zA-Z0-9]+$/;

/** Java's String.hashCode (the Snowflake Kafka connector's suffix for a renamed topic). */
function javaHashCode(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0;
  return hash;
}

/**
 * The table a topic loads into, as the Snowflake Kafka connector names it
 * (`Utils.generateValidName`): the `topic2table` map first; else the topic itself when it is a
 * valid unquoted identifier; else the topic with every character an identifier cannot hold
 * replaced by `_`, then `_` and the absolute value of the topic's Java hash code
 * (`buyonline.public.products` → `BUYONLINE_PUBLIC_PRODUCTS_<hash>`, so two topics that differ
 * only in their dots cannot share a table). The connector writes the name unquoted, so
 * Snowflake keeps it in upper case; so does this (quoted, upper-cased).
 */
export function tableNameForTopic(topic: string, map: Readonly<Record<string, string>> = {}): string {
  if (topic.length === 0) throw new ConfigError('a topic name cannot be empty');
  const mapped = map[topic];
  if (mapped !== undefined) return mapped;
  if (VALID_IDENTIFIER.test(topic)) return topic.toUpperCase();
  let name = /^[_a-zA-Z]/.test(topic) ? topic[0] : '_';
  for (const ch of topic.slice(1)) name += /[_$a-zA-Z0-9]/.test(ch) ? ch : '_';
  return `${name}_${Math.abs(javaHashCode(topic))}`.toUpperCase();
}

/**
 * `topicA:TABLE_A,topicB:TABLE_B` (the connector's `snowflake.topic2table.map`) → a map.
 * Names are taken as written (quoted); a topic or a table named twice is refused.
 */
export function parseTopic2TableMap(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const tables = new Set<string>();
  for (const entry of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const colon = entry.lastIndexOf(':');
    const topic = entry.slice(0, colon).trim();
    const table = entry.slice(colon + 1).trim();
    if (colon <= 0 || !topic || !table) throw new ConfigError(`topic2table map entry ${JSON.stringify(entry)} is not topic:TABLE`);
    if (topic in out) throw new ConfigError(`topic2table map names topic ${topic} twice`);
    if (tables.has(table)) throw new ConfigError(`topic2table map sends two topics to table ${table}`);
    out[topic] = table;
    tables.add(table);
  }
  return out;
}
