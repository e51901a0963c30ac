// Test support only: shapes like the PostgreSQL source's records (see source-postgres's
// logical/table-schema.ts and change-records.ts), frozen so a transform that mutates its input fails.
import type { AvroSchema, Logger, PluginContext, Transform, TransformPlugin, TransformRecord } from '@buyonline/connect-api';
import { ConfigError, parseConfig } from '@buyonline/connect-api';
import { noopContext } from '@buyonline/connect-api/testing';
import avro from 'avsc';
import type { z } from 'zod';

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value) && !Buffer.isBuffer(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

const opField = {
  name: 'op',
  type: { type: 'enum', name: 'Operation', namespace: 'io.buyonline.cdc', symbols: ['c', 'u', 'd', 'r', 't'] },
};
const sourceField = {
  name: 'source',
  type: {
    type: 'record',
    name: 'Source',
    namespace: 'io.buyonline.cdc',
    fields: [
      { name: 'connector', type: 'string' },
      { name: 'db', type: 'string' },
      { name: 'schema', type: 'string' },
      { name: 'table', type: 'string' },
      { name: 'position', type: 'string' },
      { name: 'txid', type: ['null', 'long'], default: null },
      { name: 'lsn', type: ['null', 'string'], default: null },
      { name: 'snapshot', type: 'boolean', default: false },
      { name: 'ts_us', type: { type: 'long', logicalType: 'timestamp-micros' } },
    ],
  },
};

export interface Column {
  name: string;
  avro: unknown;
  key?: boolean;
}

/** The key and value schemas the source derives from a table (shapeTable's layout). */
export function tableSchemas(schema: string, table: string, columns: readonly Column[]): { keySchema: AvroSchema | null; valueSchema: AvroSchema } {
  const namespace = `shop.${schema}.${table}`;
  const row = {
    type: 'record',
    name: 'Value',
    fields: columns.map((c) => (c.key ? { name: c.name, type: c.avro } : { name: c.name, type: ['null', c.avro], default: null })),
  };
  const keyColumns = columns.filter((c) => c.key);
  return deepFreeze({
    keySchema: keyColumns.length === 0 ? null : { type: 'record', name: 'Key', namespace, fields: keyColumns.map((c) => ({ name: c.name, type: c.avro })) },
    valueSchema: {
      type: 'record',
      name: 'Envelope',
      namespace,
      fields: [
        opField,
        { name: 'before', type: ['null', row], default: null },
        { name: 'after', type: ['null', 'Value'], default: null },
        sourceField,
        { name: 'ts_us', type: { type: 'long', logicalType: 'timestamp-micros' } },
        { name: 'unchanged_toast', type: { type: 'array', items: 'string' }, default: [] },
      ],
    },
  });
}

export const CUSTOMER_COLUMNS: readonly Column[] = [
  { name: 'id', avro: 'long', key: true },
  { name: 'email', avro: 'string' },
  { name: 'name', avro: 'string' },
  { name: 'status', avro: { type: 'string', 'buyonline.pg.type': 'enum' } },
  { name: 'balance', avro: { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 } },
  { name: 'created_at', avro: { type: 'long', logicalType: 'timestamp-micros' } },
  { name: 'tags', avro: { type: 'array', items: ['null', 'string'] } },
  { name: 'photo', avro: 'bytes' },
  { name: 'notes', avro: 'string' },
];

export const customers = tableSchemas('public', 'customers', CUSTOMER_COLUMNS);
export const orders = tableSchemas('public', 'orders', [
  { name: 'id', avro: 'long', key: true },
  { name: 'customer_id', avro: 'long' },
  { name: 'total', avro: { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 } },
]);
/** A table without a primary key (REPLICA IDENTITY FULL): keyless records. */
export const events = tableSchemas('audit', 'events', [
  { name: 'kind', avro: 'string' },
  { name: 'payload', avro: { type: 'string', 'buyonline.pg.type': 'jsonb' } },
]);

export type Row = Record<string, unknown>;

export function customerRow(overrides: Row = {}): Row {
  return {
    id: 7,
    email: 'ada@example.com',
    name: 'Ada Lovelace',
    status: 'active',
    balance: '1234.50',
    created_at: 1_764_590_400_123_456,
    tags: ['vip', null],
    photo: Buffer.from([1, 2, 3]),
    notes: null,
    ...overrides,
  };
}

export interface TestRecord extends TransformRecord {
  sourceOffset: Record<string, string>;
  timestampMs: number;
}

interface ChangeOptions {
  topic?: string;
  schema?: string;
  table?: string;
  schemas?: { keySchema: AvroSchema | null; valueSchema: AvroSchema } | undefined;
  snapshot?: boolean;
  unchanged?: string[];
  lsn?: string | null;
}

/** A change record as the source produces it (schemas included unless `schemas: undefined` is asked for with `withoutSchemas`). */
export function change(op: 'c' | 'u' | 'd' | 'r' | 't', before: Row | null, after: Row | null, options: ChangeOptions = {}): TestRecord {
  const schema = options.schema ?? 'public';
  const table = options.table ?? 'customers';
  const schemas = 'schemas' in options ? options.schemas : customers;
  const image = after ?? before;
  const unchanged = options.unchanged ?? [];
  const keyFields = ((schemas?.keySchema as { fields?: { name: string }[] } | null)?.fields ?? []).map((f) => f.name);
  const key = op === 't' || !image || keyFields.length === 0 ? null : Object.fromEntries(keyFields.map((k) => [k, image[k]]));
  return deepFreeze({
    topic: options.topic ?? `shop.${schema}.${table}`,
    key,
    value: {
      op,
      before,
      after,
      source: {
        connector: 'postgres-logical',
        db: 'shopdb',
        schema,
        table,
        position: '{"lsn":"16/B374D848"}',
        txid: 5012,
        lsn: options.lsn === undefined ? '16/B374D848' : options.lsn,
        snapshot: options.snapshot ?? op === 'r',
        ts_us: 1_764_590_400_000_000,
      },
      ts_us: 1_764_590_401_500_999,
      unchanged_toast: unchanged,
    },
    ...(schemas ? { keySchema: schemas.keySchema, valueSchema: schemas.valueSchema } : {}),
    ...(unchanged.length > 0 ? { headers: { 'buyonline.unchanged-toast': unchanged.join(','), other: 'x' } } : {}),
    sourceOffset: { lsn: '16/B374D848' },
    timestampMs: 1_764_590_400_000,
  });
}

/** The same record as the sink sees it: no schemas, timestamps in their JSON (ISO-8601) form. */
export function asSinkRecord(record: TestRecord): TestRecord {
  const { keySchema: _k, valueSchema: _v, ...rest } = record;
  const value = record.value as { source: Row; ts_us: number };
  const iso = (micros: number) => `${new Date(Math.floor(micros / 1000)).toISOString().slice(0, 19)}.${String(micros % 1_000_000).padStart(6, '0')}Z`;
  return deepFreeze({ ...rest, value: { ...value, source: { ...value.source, ts_us: iso(value.source.ts_us as number) }, ts_us: iso(value.ts_us) } });
}

export function tombstone(record: TestRecord): TestRecord {
  return deepFreeze({ ...record, value: null });
}

/** Decimal as the source's exact string (the wire form), enough for avsc to check values. */
class DecimalText extends avro.types.LogicalType {
  override _fromValue(value: Buffer): string {
    return value.toString();
  }
  override _toValue(value: unknown): Buffer | undefined {
    return typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value) ? Buffer.from(value) : undefined;
  }
}

/** Parses the schema with avsc (throws when it is not valid Avro). */
export function avroType(schema: unknown): avro.Type {
  return avro.Type.forSchema(schema as avro.Schema, { logicalTypes: { decimal: DecimalText } });
}

/** The paths where `value` does not fit `schema` (empty when it does). */
export function avroProblems(schema: unknown, value: unknown): string[] {
  const problems: string[] = [];
  avroType(schema).isValid(value, { errorHook: (path, part) => problems.push(`${path.join('.') || '(root)'}: ${JSON.stringify(part)}`) });
  return problems;
}

/** A context whose logger keeps its warnings. */
export function recordingContext(): { ctx: PluginContext; warnings: { obj: object; msg: string | undefined }[] } {
  const warnings: { obj: object; msg: string | undefined }[] = [];
  const base = noopContext();
  const logger: Logger = { ...base.logger, warn: (obj, msg) => warnings.push({ obj, msg }), child: () => logger };
  return { ctx: { ...base, logger }, warnings };
}

/** A transform from its plugin and a configuration as a pipeline file would give it (parsed by its schema). */
export function make<S extends z.ZodType>(plugin: TransformPlugin<S>, config: unknown, ctx: PluginContext = noopContext()): Transform {
  return plugin.create(parseConfig(plugin.configSchema, config), ctx);
}

/** The message of the ConfigError the configuration gets. */
export function configProblem(plugin: TransformPlugin, config: unknown): string {
  try {
    parseConfig(plugin.configSchema, config);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error(`expected ${plugin.name} to refuse ${JSON.stringify(config)}`);
}

/** apply(), asserting the record was kept. */
export function kept<R extends TransformRecord>(transform: Transform, record: R): R {
  const out = transform.apply(record);
  if (out === null) throw new Error('the transform dropped the record');
  return out;
}

export function rowRecord(valueSchema: unknown): { name: string; fields: { name: string; type: unknown; default?: unknown; aliases?: string[] }[] } {
  const before = (valueSchema as { fields: { name: string; type: unknown[] }[] }).fields.find((f) => f.name === 'before');
  return before?.type[1] as { name: string; fields: { name: string; type: unknown }[] };
}
