import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseStageFileName } from '@buyonline/sink-stage/testing';
import type { Sql } from 'postgres';
import type { TopicRecord } from './kafka-topic.ts';
import { type CarriedChange, type CommittedVersion, lsnValue, type RowFields, versionProblems } from './row-versions.ts';

/**
 * Every committed version of the rows of any tables, whatever their columns and names (the
 * products-only log of row-versions.ts, for a whole schema). Each captured table carries a
 * `rev bigint` column that a BEFORE trigger sets from one sequence on every insert and update,
 * so a version is known by its table, key and rev; an AFTER ROW trigger copies each version's
 * whole row (`to_jsonb`) into a history table of another schema, in the writing transaction
 * (a rolled-back write leaves nothing), and a BEFORE TRUNCATE trigger logs each TRUNCATE.
 * The comparison itself is row-versions.ts's `versionProblems`, per table.
 */

/** A captured table as the history knows it: its PostgreSQL name and its key columns in key order (a keyless table: a column that tells its rows apart). */
export interface HistoryTable {
  table: string;
  key: readonly string[];
  /** No primary key: its records have no Kafka key, so one row's changes spread over partitions and are ordered by source position. */
  keyless?: boolean;
}

export interface HistoryRow {
  seq: number;
  tbl: string;
  /** TG_OP: INSERT, UPDATE, DELETE, TRUNCATE. */
  op: string;
  old: Record<string, unknown> | null;
  new: Record<string, unknown> | null;
  /** The images as PostgreSQL printed them (a bigint beyond 2^53 keeps its digits here). */
  oldText: string | null;
  newText: string | null;
}

export const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Installs the `rev` and history triggers on every table of `schema` listed (each must have a `rev bigint` column); the rows already there are logged as inserts. */
export function tableHistorySql(schema: string, logSchema: string, tables: readonly HistoryTable[]): string {
  const s = quoteIdent(schema);
  const l = quoteIdent(logSchema);
  const parts = [
    `CREATE SCHEMA ${l};`,
    `CREATE SEQUENCE ${l}.rev;`,
    `CREATE TABLE ${l}.history (seq bigserial PRIMARY KEY, tbl text NOT NULL, op text NOT NULL, old jsonb, new jsonb);`,
    `CREATE FUNCTION ${l}.set_rev() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN NEW.rev := nextval('${l}.rev'); RETURN NEW; END $fn$;`,
    `CREATE FUNCTION ${l}.log_row() RETURNS trigger LANGUAGE plpgsql AS $fn$
     BEGIN
       INSERT INTO ${l}.history (tbl, op, old, new)
       VALUES (TG_TABLE_NAME, TG_OP, CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END, CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END);
       RETURN NULL;
     END $fn$;`,
    `CREATE FUNCTION ${l}.log_truncate() RETURNS trigger LANGUAGE plpgsql AS $fn$
     BEGIN INSERT INTO ${l}.history (tbl, op) VALUES (TG_TABLE_NAME, 'TRUNCATE'); RETURN NULL; END $fn$;`,
  ];
  for (const { table } of tables) {
    const t = `${s}.${quoteIdent(table)}`;
    parts.push(
      `CREATE TRIGGER e2e_rev BEFORE INSERT OR UPDATE ON ${t} FOR EACH ROW EXECUTE FUNCTION ${l}.set_rev();`,
      `UPDATE ${t} SET rev = nextval('${l}.rev');`,
      `INSERT INTO ${l}.history (tbl, op, new) SELECT '${table.replaceAll("'", "''")}', 'INSERT', to_jsonb(r) FROM ${t} r;`,
      `CREATE TRIGGER e2e_history AFTER INSERT OR UPDATE OR DELETE ON ${t} FOR EACH ROW EXECUTE FUNCTION ${l}.log_row();`,
      `CREATE TRIGGER e2e_history_truncate BEFORE TRUNCATE ON ${t} FOR EACH STATEMENT EXECUTE FUNCTION ${l}.log_truncate();`,
    );
  }
  return parts.join('\n');
}

export async function readHistory(sql: Sql, logSchema: string): Promise<HistoryRow[]> {
  const rows = await sql.unsafe<{ seq: number; tbl: string; op: string; old: string | null; new: string | null }[]>(
    `select seq::int as seq, tbl, op, old::text as old, new::text as new from ${quoteIdent(logSchema)}.history order by seq`,
  );
  return rows.map((r) => ({
    seq: r.seq,
    tbl: r.tbl,
    op: r.op,
    old: r.old === null ? null : (JSON.parse(r.old) as Record<string, unknown>),
    new: r.new === null ? null : (JSON.parse(r.new) as Record<string, unknown>),
    oldText: r.old,
    newText: r.new,
  }));
}

/** A version as the checks know it: the table, the key (JSON of the key values as text), the op and the rev (null for a delete). */
export interface TableVersion {
  seq: number;
  tbl: string;
  key: string | null;
  op: 'c' | 'u' | 'd' | 't';
  rev: string | null;
  row: Record<string, unknown> | null;
  rowText: string | null;
}

const text = (v: unknown) => (v === null || v === undefined ? 'null' : String(v));

/** The history as versions: a key change is a delete of the old key and an insert of the new one (as the pipeline carries it). */
export function committedVersions(history: readonly HistoryRow[], tables: readonly HistoryTable[]): TableVersion[] {
  const keyOf = (tbl: string, row: Record<string, unknown>) => JSON.stringify((tables.find((t) => t.table === tbl)?.key ?? []).map((c) => text(row[c])));
  const out: TableVersion[] = [];
  for (const h of history) {
    const add = (op: TableVersion['op'], row: Record<string, unknown> | null, rowText: string | null) =>
      out.push({ seq: h.seq, tbl: h.tbl, key: row ? keyOf(h.tbl, row) : null, op, rev: op === 'd' || !row ? null : text(row.rev), row, rowText });
    if (h.op === 'TRUNCATE') add('t', null, null);
    else if (h.op === 'INSERT') add('c', h.new, h.newText);
    else if (h.op === 'DELETE') add('d', h.old, h.oldText);
    else if (h.old && h.new && keyOf(h.tbl, h.old) !== keyOf(h.tbl, h.new)) {
      add('d', h.old, h.oldText);
      add('c', h.new, h.newText);
    } else add('u', h.new, h.newText);
  }
  return out;
}

/** One change the pipeline carried, of one table (a Kafka record or a stage line). */
export interface TableChange {
  tbl: string;
  /** `r`, `c`, `u`, `d`, `t`. */
  op: string;
  key: string | undefined;
  rev: string | undefined;
  lsn: string | null;
  topic: string;
  partition: number;
  offset: number;
  /** The row's fields as carried (the after image; a delete's before image). */
  row: Record<string, unknown> | undefined;
}

/** Where a PostgreSQL column is found in a stage line: its own name, one more `_` before a leading `__` (contract C4). */
export function stageName(column: string): string {
  return column.startsWith('__') ? `_${column}` : column;
}

/**
 * The PostgreSQL names of a topic's Avro fields that had to be renamed (contract C4: the field
 * carries `buyonline.pg.name`), from the value schema the registry holds for the topic.
 */
export async function pgNamesOfTopic(registryUrl: string, topic: string): Promise<Map<string, string>> {
  const res = await fetch(`${registryUrl}/subjects/${encodeURIComponent(`${topic}-value`)}/versions/latest`);
  if (!res.ok) throw new Error(`registry: no value schema for ${topic} (HTTP ${res.status})`);
  const names = new Map<string, string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) for (const n of node) walk(n);
    else if (node !== null && typeof node === 'object') {
      const field = node as { name?: unknown; 'buyonline.pg.name'?: unknown };
      if (typeof field.name === 'string' && typeof field['buyonline.pg.name'] === 'string') names.set(field.name, field['buyonline.pg.name']);
      for (const v of Object.values(node)) walk(v);
    }
  };
  walk(JSON.parse(((await res.json()) as { schema: string }).schema));
  return names;
}

function keyText(tables: readonly HistoryTable[], tbl: string, row: Record<string, unknown> | undefined, nameOf: (c: string) => string): string | undefined {
  const key = tables.find((t) => t.table === tbl)?.key;
  if (!row || !key) return undefined;
  return JSON.stringify(key.map((c) => text(row[nameOf(c)])));
}

interface EnvelopeValue {
  op: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  source: { table: string; lsn: string | null } | null;
}

/**
 * Kafka records of the captured tables as changes (the table from the envelope's `source.table`),
 * their fields under their PostgreSQL names (`pgNames`: pgNamesOfTopic).
 */
export function changesOfRecords(topic: string, records: readonly TopicRecord[], tables: readonly HistoryTable[], pgNames: ReadonlyMap<string, string>): TableChange[] {
  const out: TableChange[] = [];
  for (const r of records) {
    const v = r.value as EnvelopeValue | null;
    if (!v) continue;
    const image = v.after ?? v.before ?? undefined;
    const row = image && Object.fromEntries(Object.entries(image).map(([k, value]) => [pgNames.get(k) ?? k, value]));
    const tbl = v.source?.table ?? '?';
    out.push({
      tbl,
      op: v.op,
      key: v.op === 't' ? undefined : keyText(tables, tbl, row, (c) => c),
      rev: row?.rev === undefined || row.rev === null ? undefined : String(row.rev),
      lsn: v.source?.lsn ?? null,
      topic,
      partition: r.partition,
      offset: r.offset,
      row,
    });
  }
  return out;
}

/** One stage line, parsed and as written (an integer beyond 2^53 keeps its digits only in `raw`). */
export interface RawStageLine {
  line: Record<string, unknown> & {
    __op: string;
    __source: { table: string; lsn: string | null } | null;
    __kafka: { topic: string; partition: number; offset: number };
  };
  raw: string;
  topic: string;
  file: string;
}

/** Every line of every finished file of every topic in the stage, and the temp files left over. */
export function readWholeStage(root: string): { lines: RawStageLine[]; topics: string[]; tempFiles: string[] } {
  const lines: RawStageLine[] = [];
  const tempFiles: string[] = [];
  const topics = existsSync(root) ? readdirSync(root) : [];
  for (const topic of topics) {
    for (const partitionDir of readdirSync(join(root, topic))) {
      for (const name of readdirSync(join(root, topic, partitionDir))) {
        if (name.endsWith('.tmp')) tempFiles.push(name);
        if (!parseStageFileName(name)) continue;
        for (const raw of readFileSync(join(root, topic, partitionDir, name), 'utf8').split('\n')) {
          if (raw) lines.push({ line: JSON.parse(raw) as RawStageLine['line'], raw, topic, file: name });
        }
      }
    }
  }
  return { lines, topics, tempFiles };
}

export function changesOfStage(lines: readonly RawStageLine[], tables: readonly HistoryTable[]): TableChange[] {
  return lines.map(({ line, topic }) => {
    const tbl = line.__source?.table ?? '?';
    const row = line.__op === 't' ? undefined : line;
    return {
      tbl,
      op: line.__op,
      key: line.__op === 't' ? undefined : keyText(tables, tbl, row, stageName),
      rev: row?.rev === undefined || row.rev === null ? undefined : String(row.rev),
      lsn: line.__source?.lsn ?? null,
      topic,
      partition: line.__kafka.partition,
      offset: line.__kafka.offset,
      row,
    };
  });
}

/** A delete is known by its key and its place in the key's history (its before image may hold only the key). */
const DELETED: RowFields = { name: 'deleted', category: null, price: '', ts: '' };
const fieldsOf = (op: string, rev: string | null | undefined): RowFields => (op === 'd' ? DELETED : { name: rev ?? 'no rev', category: null, price: '', ts: '' });

/**
 * Whether each committed version of each table was carried exactly once, in commit order per
 * key, and nothing else (row-versions.ts's rules: a snapshot read may stand for the versions
 * committed before it; every TRUNCATE carried on one position). Problems name table and key.
 */
export function exactlyOnceProblems(committed: readonly TableVersion[], carried: readonly TableChange[], tableList: readonly HistoryTable[]): string[] {
  const problems: string[] = [];
  const keyless = new Set(tableList.filter((x) => x.keyless).map((x) => x.table));
  const tables = [...new Set([...committed.map((v) => v.tbl), ...carried.map((c) => c.tbl)])].sort();
  for (const tbl of tables) {
    const ids = new Map<string, number>();
    const idOf = (key: string) => {
      const known = ids.get(key);
      if (known !== undefined) return known;
      ids.set(key, ids.size + 1);
      return ids.size;
    };
    const versions: CommittedVersion[] = committed
      .filter((v) => v.tbl === tbl)
      .map((v) => ({ seq: v.seq, id: v.key === null ? null : idOf(v.key), op: v.op, fields: v.op === 't' ? null : fieldsOf(v.op, v.rev) }));
    let mine = carried.filter((c) => c.tbl === tbl);
    if (keyless.has(tbl)) {
      // One row's changes are in several partitions: their order is the source's (commit LSN; a
      // snapshot read at its consistent point), then Kafka's within one partition.
      mine = [...mine]
        .sort((a, b) => (lsnValue(a.lsn) < lsnValue(b.lsn) ? -1 : lsnValue(a.lsn) > lsnValue(b.lsn) ? 1 : a.partition - b.partition || a.offset - b.offset))
        .map((c, i) => ({ ...c, partition: 0, offset: i }));
    }
    const changes: CarriedChange[] = mine.map((c) => ({
        op: c.op,
        id: c.key === undefined ? undefined : idOf(c.key),
        fields: c.op === 't' ? undefined : fieldsOf(c.op, c.rev),
        lsn: c.lsn,
        partition: c.partition,
        offset: c.offset,
      }));
    const keys = new Map([...ids].map(([k, id]) => [id, k]));
    for (const p of versionProblems(versions, changes, { everyVersion: true })) {
      problems.push(`${tbl}: ${p.replace(/^id (\d+) (\S+) \{"name":"([^"]*)".*?\}/, (_, id: string, op: string, rev: string) => `key ${keys.get(Number(id))} ${op} rev ${rev}`)}`);
    }
  }
  return problems;
}

/** Each Kafka record (topic, partition, offset) in the stage once, none missing, none extra. */
export function stageOffsetProblems(records: readonly { topic: string; partition: number; offset: number }[], stage: readonly TableChange[]): string[] {
  const where = (c: { topic: string; partition: number; offset: number }) => `${c.topic}[${c.partition}]@${c.offset}`;
  const inStage = new Map<string, number>();
  for (const c of stage) inStage.set(where(c), (inStage.get(where(c)) ?? 0) + 1);
  const inKafka = new Set(records.map(where));
  const problems: string[] = [];
  for (const [k, n] of inStage) if (n > 1) problems.push(`${k}: ${n} times in the stage`);
  for (const k of inKafka) if (!inStage.has(k)) problems.push(`${k}: in Kafka, not in the stage`);
  for (const k of inStage.keys()) if (!inKafka.has(k)) problems.push(`${k}: in the stage, not in Kafka`);
  return problems;
}
