// The Debezium PostgreSQL connector the bench runs beside the pipeline: its own slot and
// publication on the same table, Debezium's defaults otherwise (DEBEZIUM_CONFIG, a JSON
// object in the environment, overrides or adds settings, e.g. {"poll.interval.ms":"10"}).
import type { BenchNames } from '../setup/names.ts';

export function connectorConfig(pgUrl: string, names: BenchNames, overrides: Record<string, string> = {}): Record<string, string> {
  const url = new URL(pgUrl);
  const [schema] = names.table.split('.') as [string];
  return {
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'tasks.max': '1',
    'plugin.name': 'pgoutput',
    'slot.name': names.debezium.slot,
    'publication.name': names.debezium.publication,
    'publication.autocreate.mode': 'filtered',
    'database.hostname': url.hostname,
    'database.port': url.port || '5432',
    'database.user': decodeURIComponent(url.username),
    'database.password': decodeURIComponent(url.password),
    'database.dbname': url.pathname.replace(/^\//, ''),
    'topic.prefix': names.debezium.topicPrefix,
    'schema.include.list': schema,
    'table.include.list': names.table,
    'snapshot.mode': 'initial',
    // the worker runs with exactly.once.source.support=enabled: one Kafka transaction per poll
    'exactly.once.support': 'required',
    'transaction.boundary': 'poll',
    ...overrides,
  };
}

/** DEBEZIUM_CONFIG's settings: a JSON object of strings (numbers and booleans are taken as their text). */
export function parseConfigOverrides(text: string | undefined): Record<string, string> {
  if (!text?.trim()) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`DEBEZIUM_CONFIG is not JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('DEBEZIUM_CONFIG must be a JSON object of connector settings');
  return Object.fromEntries(
    Object.entries(parsed).map(([key, value]) => {
      if (!['string', 'number', 'boolean'].includes(typeof value)) throw new Error(`DEBEZIUM_CONFIG: ${key} must be a string, number or boolean`);
      return [key, String(value)];
    }),
  );
}

/** The config as it may be printed and saved: the password masked. */
export function redacted(config: Record<string, string>): Record<string, string> {
  return { ...config, 'database.password': '********' };
}
