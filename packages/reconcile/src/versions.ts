import { stageName } from '@buyonline/sink-stage';
import type { KeyParts, TableShape } from './shape.ts';
import { fromStage } from './values.ts';

/**
 * Which stage line of a key is its latest version, and what a TRUNCATE removes.
 *
 * Order is the source's, never the partition number's:
 * - log-based capture: `__source.lsn`, the commit LSN of the writing transaction (an LSN
 *   `X/Y` is the 64-bit number X·2³² + Y, compared as a number), then the Kafka offset: the
 *   changes of one transaction share its LSN, and one key always lands in one partition,
 *   where offsets follow the order the changes were made in;
 * - polling: the poll position `(txid, id)` in `__source.position`, which only moves forward
 *   (a later version of a row is always read at a later position);
 * - neither (a line from another producer): the Kafka offset alone.
 *
 * A position is encoded as a fixed-width hex string, so that comparing two positions is
 * comparing two strings: major (LSN or txid), minor (0 or the polled id), partition, offset.
 */

/** One field's value (canonical, see values.ts) and the position of the version it was written by. */
export type FieldValue = [value: string | null, position: string];

/** The latest known state of one key, as far as the lines seen so far tell. */
export interface KeyVersion {
  /** Position of the latest line of the key. */
  position: string;
  deleted: boolean;
  /** `schema.table` of that line (what a TRUNCATE applies to). */
  table: string;
  /**
   * Per compared column (the shape's `columns`), its value as the latest line that carried it
   * wrote it: a line leaves out an unchanged TOASTed value it did not have
   * (`__unchanged_toast`), so an older line's value stands; a delete carries no values.
   */
  fields: (FieldValue | undefined)[];
  /**
   * Lines met twice at the same position (the same Kafka record, so the same change, in the
   * stage twice) while this key's versions were folded: always found for the line that decides
   * the key's state, and for an older one when its copies are folded together.
   */
  duplicates?: number;
}

export type StageEntry =
  | { kind: 'row'; key: KeyParts; version: KeyVersion }
  | { kind: 'truncate'; table: string; position: string }
  /** A line without a value for every key column, or of another table than the one reconciled. */
  | { kind: 'skip'; reason: 'no-key' | 'other-table' };

const U64 = (1n << 64n) - 1n;
const I64_OFFSET = 1n << 63n;

function hex(value: bigint, width: number): string {
  return (value < 0n ? 0n : value > U64 ? U64 : value).toString(16).padStart(width, '0');
}

/** `X/Y` (hex halves, as PostgreSQL prints an LSN) → 64-bit number; undefined when it is not one. */
export function parseLsn(text: unknown): bigint | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text);
  if (!m) return undefined;
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

function integer(v: unknown): bigint | undefined {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
  return undefined;
}

interface SourceBlock {
  lsn?: unknown;
  position?: unknown;
  schema?: unknown;
  table?: unknown;
}

/** The source part of a line's position: [major, minor] (both 0 when the line has none). */
function sourceOrder(source: SourceBlock | null | undefined): [bigint, bigint] {
  const lsn = parseLsn(source?.lsn);
  if (lsn !== undefined) return [lsn, 0n];
  if (typeof source?.position === 'string') {
    try {
      const p = JSON.parse(source.position) as { txid?: unknown; id?: unknown };
      const txid = integer(p.txid);
      const id = integer(p.id);
      if (txid !== undefined) return [txid, (id ?? 0n) + I64_OFFSET];
    } catch {
      // not a polling position: fall back to Kafka order
    }
  }
  return [0n, 0n];
}

export function encodePosition(major: bigint, minor: bigint, partition: bigint, offset: bigint): string {
  return hex(major, 16) + hex(minor, 16) + hex(partition, 8) + hex(offset, 16);
}

const SOURCE_CHARS = 32; // major + minor
const PARTITION_END = SOURCE_CHARS + 8;

/** A line's own field (a column named like an Object.prototype member, `constructor`, is not inherited). */
const own = (object: Record<string, unknown>, name: string): unknown => (Object.hasOwn(object, name) ? object[name] : undefined);

/** The columns' names in stage lines (the sink's `stageName`: `__op` → `___op`), once per shape. */
const namesByShape = new WeakMap<TableShape, readonly string[]>();
function stageNames(shape: TableShape): readonly string[] {
  let names = namesByShape.get(shape);
  if (!names) {
    names = shape.columns.map((c) => stageName(c.name));
    namesByShape.set(shape, names);
  }
  return names;
}

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/**
 * Classifies one parsed stage line of `shape`'s topic: its key is the key columns' values
 * (from the row, else from `__kafka.key`, each column under its stage name), its values the compared columns' (a column the
 * line does not have is unknown, as is one `__unchanged_toast` names). A line whose `__source`
 * names another table is skipped, so is a line without a value for every key column.
 */
export function stageEntry(line: Record<string, unknown>, shape: TableShape): StageEntry {
  const source = (line.__source ?? null) as SourceBlock | null;
  const lineSchema = str(source?.schema);
  const lineTable = str(source?.table);
  if ((lineSchema !== null && lineSchema !== shape.schema) || (lineTable !== null && lineTable !== shape.table)) return { kind: 'skip', reason: 'other-table' };
  const kafka = line.__kafka as { partition?: unknown; offset?: unknown; key?: Record<string, unknown> | null } | undefined;
  const [major, minor] = sourceOrder(source);
  const position = encodePosition(major, minor, integer(kafka?.partition) ?? 0n, integer(kafka?.offset) ?? 0n);
  const table = `${lineSchema ?? ''}.${lineTable ?? ''}`;
  if (line.__op === 't') return { kind: 'truncate', table, position };
  const names = stageNames(shape);
  const key: string[] = [];
  for (const i of shape.key) {
    const column = shape.columns[i] as TableShape['columns'][number];
    const name = names[i] as string;
    const value = fromStage(column, own(line, name) ?? (kafka?.key ? own(kafka.key, name) : undefined));
    if (value === null) return { kind: 'skip', reason: 'no-key' };
    key.push(value);
  }
  const deleted = line.__deleted === true || line.__op === 'd';
  const unchanged = Array.isArray(line.__unchanged_toast) ? (line.__unchanged_toast as unknown[]) : [];
  // A column the line does not have at all was not in the schema it was written with (added
  // since): unknown, like an unchanged TOASTed value, not null.
  const fields = shape.columns.map((column, i): FieldValue | undefined => {
    const name = names[i] as string;
    return deleted || unchanged.includes(name) || (!Object.hasOwn(line, name) && !shape.key.includes(i)) ? undefined : [fromStage(column, own(line, name)), position];
  });
  return { kind: 'row', key, version: { position, deleted, table, fields } };
}

/**
 * The two versions of one key taken together: the later line decides whether the key exists;
 * each field comes from the latest line that carried it. Order-independent (a max per part),
 * so versions can be folded in any order, across files and sort runs.
 */
export function mergeVersions(a: KeyVersion, b: KeyVersion): KeyVersion {
  const [older, newer] = a.position <= b.position ? [a, b] : [b, a];
  const fields = newer.fields.map((n, i) => {
    const o = older.fields[i];
    return o && (!n || o[1] > n[1]) ? o : n;
  });
  const duplicates = (a.duplicates ?? 0) + (b.duplicates ?? 0) + (a.position === b.position ? 1 : 0);
  const merged: KeyVersion = { position: newer.position, deleted: newer.deleted, table: newer.table, fields };
  if (duplicates > 0) merged.duplicates = duplicates;
  return merged;
}

/**
 * The TRUNCATEs seen, per table: a row version is gone when its table was truncated later.
 * "Later" is by source position; at the same LSN (the same transaction) a TRUNCATE is after a
 * change only when both are in the same partition with the change at a lower offset (across
 * partitions, offsets say nothing about order, and the change is taken to follow the TRUNCATE).
 */
export class Truncates {
  /** Per table: the highest TRUNCATE source position, and per partition its highest offset at that position. */
  private readonly latest = new Map<string, { source: string; partitions: Map<string, string> }>();

  get size(): number {
    return this.latest.size;
  }

  add(table: string, position: string): void {
    const source = position.slice(0, SOURCE_CHARS);
    const partition = position.slice(SOURCE_CHARS, PARTITION_END);
    const offset = position.slice(PARTITION_END);
    const known = this.latest.get(table);
    if (!known || source > known.source) {
      this.latest.set(table, { source, partitions: new Map([[partition, offset]]) });
      return;
    }
    if (source === known.source && (known.partitions.get(partition) ?? '') < offset) known.partitions.set(partition, offset);
  }

  removes(version: KeyVersion): boolean {
    const t = this.latest.get(version.table);
    if (!t) return false;
    const source = version.position.slice(0, SOURCE_CHARS);
    if (source < t.source) return true;
    if (source > t.source) return false;
    const offset = t.partitions.get(version.position.slice(SOURCE_CHARS, PARTITION_END));
    return offset !== undefined && version.position.slice(PARTITION_END) < offset;
  }
}
