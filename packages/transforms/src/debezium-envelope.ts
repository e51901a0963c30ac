import { type AvroSchema, DataError } from '@buyonline/connect-api';
import { type ChangeValue, microsToMillis, toMicros } from './change-value.ts';
import { type AvroField, rowSchemaParts } from './row-schema.ts';

const nullable = (name: string, type: unknown, doc?: string): AvroField => ({ name, type: ['null', type], default: null, ...(doc ? { doc } : {}) });

/** The `source` block of Debezium's PostgreSQL connector (io.debezium.connector.postgresql.Source). */
const DEBEZIUM_SOURCE: AvroField = {
  name: 'source',
  type: {
    type: 'record',
    name: 'Source',
    namespace: 'io.debezium.connector.postgresql',
    fields: [
      { name: 'version', type: 'string' },
      { name: 'connector', type: 'string' },
      { name: 'name', type: 'string' },
      { name: 'ts_ms', type: 'long' },
      {
        name: 'snapshot',
        type: [
          {
            type: 'string',
            'connect.version': 1,
            'connect.parameters': { allowed: 'true,last,false,incremental' },
            'connect.default': 'false',
            'connect.name': 'io.debezium.data.Enum',
          },
          'null',
        ],
        default: 'false',
      },
      { name: 'db', type: 'string' },
      nullable('sequence', 'string'),
      nullable('ts_us', 'long'),
      { name: 'schema', type: 'string' },
      { name: 'table', type: 'string' },
      nullable('txId', 'long'),
      nullable('lsn', 'long'),
      nullable('xmin', 'long'),
    ],
  },
};

/** Debezium's transaction block (always null here: no transaction metadata topic). */
const DEBEZIUM_TRANSACTION: AvroField = nullable('transaction', {
  type: 'record',
  name: 'block',
  namespace: 'event',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'total_order', type: 'long' },
    { name: 'data_collection_order', type: 'long' },
  ],
});

/** Our value schema rewritten as Debezium's: the same row record in before / after, Debezium's source, op as a string. */
export function debeziumSchema(valueSchema: AvroSchema): AvroSchema {
  const { envelope, beforeIndex } = rowSchemaParts(valueSchema, 'envelope');
  const after = envelope.fields.find((f) => f.name === 'after');
  if (!after) throw new DataError(`envelope: the value schema ${envelope.namespace}.${envelope.name} has no \`after\` field`);
  return {
    type: 'record',
    name: envelope.name,
    ...(envelope.namespace === undefined ? {} : { namespace: envelope.namespace }),
    doc: 'One change of a row, in the value shape of Debezium’s PostgreSQL connector.',
    fields: [
      envelope.fields[beforeIndex],
      after,
      DEBEZIUM_SOURCE,
      DEBEZIUM_TRANSACTION,
      { name: 'op', type: 'string' },
      nullable('ts_ms', 'long'),
      nullable('ts_us', 'long'),
    ],
  };
}

/** Avro long through avsc stays exact below 2^52; LSNs are far below that in practice. */
const MAX_EXACT_LONG = 2 ** 52 - 1;

/** `16/B374D848` → 97500059720, the LSN as Debezium carries it. */
export function lsnToNumber(lsn: unknown): number | null {
  if (lsn === null || lsn === undefined) return null;
  if (typeof lsn === 'number') return lsn;
  const match = typeof lsn === 'string' ? /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(lsn) : null;
  if (!match) throw new DataError(`envelope: "${String(lsn)}" is not a PostgreSQL LSN (hi/lo in hex)`);
  const value = Number.parseInt(match[1] as string, 16) * 2 ** 32 + Number.parseInt(match[2] as string, 16);
  if (value > MAX_EXACT_LONG) throw new DataError(`envelope: LSN ${lsn} is above 2^52 and cannot be carried exactly as a long`);
  return value;
}

/** Debezium's value for one of our changes. `serverName` is Debezium's topic.prefix (source.name). */
export function debeziumValue(change: ChangeValue, serverName: string, version: string): Record<string, unknown> {
  const { source } = change;
  const sourceMicros = toMicros(source.ts_us, 'envelope: source.ts_us');
  const micros = toMicros(change.ts_us, 'envelope: ts_us');
  return {
    before: change.before,
    after: change.after,
    source: {
      version,
      connector: 'postgresql',
      name: serverName,
      ts_ms: microsToMillis(sourceMicros) ?? 0,
      snapshot: source.snapshot === true ? 'true' : 'false',
      db: source.db ?? '',
      sequence: null,
      ts_us: sourceMicros,
      schema: source.schema ?? '',
      table: source.table ?? '',
      txId: source.txid ?? null,
      lsn: lsnToNumber(source.lsn),
      xmin: null,
    },
    transaction: null,
    op: change.op,
    ts_ms: microsToMillis(micros),
    ts_us: micros,
  };
}
