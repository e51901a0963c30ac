import { DataError, isoToMicros } from '@buyonline/connect-api';
import { type ChangeSourceFields, hasSource, isChangeValue, type ChangeValue as SharedChangeValue } from '@buyonline/schemas';

/** A row image: column name → value in the form the source (or the sink's deserializer) gives it. */
export type Row = Record<string, unknown>;

/** The change envelope, as @buyonline/schemas declares it (its one home), with its source block: what the transforms read. */
export type ChangeValue = SharedChangeValue<Row> & { source: ChangeSourceFields };

/** Whether a value is a change envelope with its source block. */
export function isSourcedChange(value: unknown): value is ChangeValue {
  return isChangeValue(value) && hasSource(value);
}

/** The value as a change envelope, or a DataError saying which transform could not read it. */
export function asChangeValue(value: unknown, transform: string): ChangeValue {
  if (isSourcedChange(value)) return value;
  throw new DataError(
    `${transform}: the record value is not a change envelope (op, before, after, source); put transforms that read rows before \`envelope\` in the chain`,
  );
}

/** `<schema>.<table>` of the change, when its source says. */
export function qualifiedTableOf(value: ChangeValue): string | undefined {
  const { schema, table } = value.source;
  return typeof schema === 'string' && typeof table === 'string' ? `${schema}.${table}` : undefined;
}

/** The row a change is about: the after-image, or the before-image of a delete; null for a truncate. */
export function currentRow(value: ChangeValue): Row | null {
  return value.after ?? value.before;
}

/** Microseconds since the epoch from a number (source side) or an ISO-8601 string (sink side). */
export function toMicros(value: unknown, what: string): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return isoToMicros(value);
  throw new DataError(`${what}: expected microseconds since the epoch or an ISO-8601 timestamp, got ${typeof value}`);
}

export function microsToMillis(micros: number | null): number | null {
  return micros === null ? null : Math.floor(micros / 1000);
}
