/**
 * Every committed row version, and whether the pipeline carried each one exactly once.
 *
 * PostgreSQL itself keeps the log of what was written: an AFTER ROW trigger on the captured
 * table appends each version (insert, update, delete; a key change as a delete of the old key
 * and an insert of the new one) to a history table in the same transaction, so a rolled-back
 * write leaves nothing and every committed one is there, whoever wrote it (the workload, seed,
 * a scenario's own SQL). A BEFORE TRUNCATE statement trigger logs each TRUNCATE.
 * Per key, the history's order is commit order: a second writer of a row waits on the row lock
 * until the first has committed, so its trigger runs (and takes its sequence number) later.
 */

/** The fields of a version the e2e compares (as PostgreSQL renders them, and the stage writes them). */
export interface RowFields {
  name: string;
  category: string | null;
  price: string;
  ts: string;
}

/** One committed version, from the history table. `t`: a TRUNCATE of the table (no key). */
export interface CommittedVersion {
  seq: number;
  id: number | null;
  op: 'c' | 'u' | 'd' | 't';
  fields: RowFields | null;
}

/** One change as the pipeline carried it: a Kafka record or a stage line. */
export interface CarriedChange {
  /** `r` snapshot read, `c`/`u`/`d` change, `t` truncate of the table. */
  op: string;
  id: number | undefined;
  fields: RowFields | undefined;
  /** The source position (commit end LSN; a snapshot's consistent point); null when polling. */
  lsn: string | null;
  partition: number;
  offset: number;
}

const historyTable = 'e2e_row_history';

/** Installs the history (table + triggers) on `schema.table` and logs the rows it already holds as inserts. */
export function historySql(schema: string, table: string): string {
  const s = `"${schema}"`;
  const t = `${s}."${table}"`;
  const h = `${s}.${historyTable}`;
  const utc = (ts: string) => `to_char((${ts}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
  // Through jsonb: a plpgsql plan that read NEW.name directly breaks once a column changes type.
  const insert = (row: 'OLD' | 'NEW', op: string) => {
    const field = (name: string) => `to_jsonb(${row})->>'${name}'`;
    return `INSERT INTO ${h} (id, op, name, category, price, ts) VALUES ((${field('id')})::bigint, '${op}', ${field('name')}, ${field('category')}, ${field('price')}, ${utc(`(${field('updated_timestamp')})::timestamptz`)});`;
  };
  return `
CREATE TABLE IF NOT EXISTS ${h} (
  seq bigserial PRIMARY KEY,
  id bigint,
  op text NOT NULL,
  name text, category text, price text, ts text
);
CREATE OR REPLACE FUNCTION ${s}.e2e_history_row() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND to_jsonb(OLD)->'id' IS DISTINCT FROM to_jsonb(NEW)->'id') THEN
    ${insert('OLD', 'd')}
  END IF;
  IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND to_jsonb(OLD)->'id' IS DISTINCT FROM to_jsonb(NEW)->'id') THEN
    ${insert('NEW', 'c')}
  ELSIF TG_OP = 'UPDATE' THEN
    ${insert('NEW', 'u')}
  END IF;
  RETURN NULL;
END
$fn$;
CREATE OR REPLACE FUNCTION ${s}.e2e_history_truncate() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO ${h} (op) VALUES ('t');
  RETURN NULL;
END
$fn$;
DROP TRIGGER IF EXISTS e2e_history_row ON ${t};
CREATE TRIGGER e2e_history_row AFTER INSERT OR UPDATE OR DELETE ON ${t} FOR EACH ROW EXECUTE FUNCTION ${s}.e2e_history_row();
DROP TRIGGER IF EXISTS e2e_history_truncate ON ${t};
CREATE TRIGGER e2e_history_truncate BEFORE TRUNCATE ON ${t} FOR EACH STATEMENT EXECUTE FUNCTION ${s}.e2e_history_truncate();
INSERT INTO ${h} (id, op, name, category, price, ts)
  SELECT id, 'c', name::text, category::text, price::text, ${utc('updated_timestamp')} FROM ${t} ORDER BY id;
`;
}

/** The history's query; rows come back in commit order per key. */
export function historyQuery(schema: string): string {
  return `select seq::int as seq, id::int as id, op, name, category, price, ts from "${schema}".${historyTable} order by seq`;
}

export function toCommittedVersion(row: { seq: number; id: number | null; op: string; name: string; category: string | null; price: string; ts: string }): CommittedVersion {
  const op = row.op as CommittedVersion['op'];
  return { seq: row.seq, id: row.id, op, fields: op === 't' ? null : { name: row.name, category: row.category, price: row.price, ts: row.ts } };
}

function sameFields(a: RowFields | null | undefined, b: RowFields | null | undefined): boolean {
  return !!a && !!b && a.name === b.name && a.category === b.category && a.price === b.price && a.ts === b.ts;
}

function show(id: number | null | undefined, op: string, fields: RowFields | null | undefined): string {
  return `id ${id} ${op} ${JSON.stringify(fields ?? null)}`;
}

export function lsnValue(lsn: string | null | undefined): bigint {
  if (!lsn) return -1n;
  const [hi = '0', lo = '0'] = lsn.split('/');
  return (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`);
}

/** Kafka order: one key lives in one partition, so per key this is the order it was produced in. */
function byKafkaOrder(a: CarriedChange, b: CarriedChange): number {
  return a.partition - b.partition || a.offset - b.offset;
}

/**
 * Compares what was carried with what was committed, per key in commit order, and returns
 * what is wrong (empty when nothing is):
 * - each change (`c`/`u`/`d`) is a committed version of its key, carried once, in order;
 * - `everyVersion`: no committed version is skipped between two carried changes, none before
 *   a key's first change unless that is a snapshot read, none after its last. A snapshot read
 *   shows a key's committed state and may stand for the versions before it (those committed
 *   before the snapshot, or while a lost slot was being replaced); a change may not;
 * - each snapshot read shows a state the key really had, once per snapshot;
 * - `everyVersion`: each TRUNCATE is carried (once per partition it went to, on one position).
 * Without `everyVersion` (polling reads only the rows' latest state, so it cannot see a
 * version overwritten before the next poll) the carried changes must still be committed
 * versions, in order, none twice.
 */
export function versionProblems(history: readonly CommittedVersion[], carried: readonly CarriedChange[], opts: { everyVersion: boolean }): string[] {
  const problems: string[] = [];
  const versionsOf = new Map<number, CommittedVersion[]>();
  for (const v of [...history].sort((a, b) => a.seq - b.seq)) {
    if (v.op === 't' || v.id === null) continue;
    versionsOf.set(v.id, [...(versionsOf.get(v.id) ?? []), v]);
  }
  const changesOf = new Map<number, CarriedChange[]>();
  const truncates: CarriedChange[] = [];
  for (const c of [...carried].sort(byKafkaOrder)) {
    if (c.op === 't') truncates.push(c);
    else if (c.id !== undefined) changesOf.set(c.id, [...(changesOf.get(c.id) ?? []), c]);
  }

  const snapshotReads = new Set<string>();
  const ids = [...new Set([...versionsOf.keys(), ...changesOf.keys()])].sort((a, b) => a - b);
  for (const id of ids) {
    const versions = versionsOf.get(id) ?? [];
    let at = -1; // the last version accounted for
    for (const change of changesOf.get(id) ?? []) {
      if (change.op === 'r') {
        const read = `${id}|${change.lsn}|${JSON.stringify(change.fields)}`;
        if (snapshotReads.has(read)) problems.push(`${show(id, 'r', change.fields)}: read twice by one snapshot (at ${change.lsn})`);
        snapshotReads.add(read);
        let j = versions.findIndex((v, i) => i >= Math.max(at, 0) && v.op !== 'd' && sameFields(v.fields, change.fields));
        if (j < 0) {
          problems.push(`${show(id, 'r', change.fields)}: a snapshot read of a state PostgreSQL never committed after ${at >= 0 ? 'the versions already carried' : 'nothing'}`);
          continue;
        }
        // One transaction may leave a key unchanged twice; a snapshot sees its end.
        while (versions[j + 1]?.op === 'u' && sameFields(versions[j + 1]?.fields, change.fields)) j++;
        at = j;
        continue;
      }
      const j = versions.findIndex((v, i) => i > at && v.op === change.op && sameFields(v.fields, change.fields));
      if (j < 0) {
        const earlier = versions.some((v, i) => i <= at && v.op === change.op && sameFields(v.fields, change.fields));
        problems.push(
          earlier
            ? `${show(id, change.op, change.fields)}: carried twice or out of commit order (partition ${change.partition} offset ${change.offset})`
            : `${show(id, change.op, change.fields)}: not a version PostgreSQL committed (partition ${change.partition} offset ${change.offset})`,
        );
        continue;
      }
      if (opts.everyVersion) for (let i = at + 1; i < j; i++) problems.push(`${show(id, versions[i]?.op ?? '?', versions[i]?.fields)}: committed, never carried`);
      at = j;
    }
    if (opts.everyVersion) for (let i = at + 1; i < versions.length; i++) problems.push(`${show(id, versions[i]?.op ?? '?', versions[i]?.fields)}: committed, never carried`);
  }

  if (opts.everyVersion) {
    const committed = history.filter((v) => v.op === 't').length;
    const positions = new Set(truncates.map((t) => t.lsn));
    if (positions.size !== committed) problems.push(`${committed} TRUNCATE committed, ${positions.size} carried (positions ${[...positions].join(', ') || 'none'})`);
    const seen = new Set<string>();
    for (const t of truncates) {
      const where = `${t.lsn}@${t.partition}`;
      if (seen.has(where)) problems.push(`TRUNCATE at ${t.lsn} carried twice in partition ${t.partition}`);
      seen.add(where);
    }
  }
  return problems;
}

/**
 * The latest state per key: each key's last change in Kafka order (a delete removes it), then
 * every TRUNCATE removes the keys whose latest change came before it, ordered by source
 * position (`lsn`) and then Kafka offset.
 */
export function latestState<T extends CarriedChange>(changes: readonly T[]): Map<number, T> {
  const latest = new Map<number, T>();
  const truncates: T[] = [];
  for (const c of [...changes].sort(byKafkaOrder)) {
    if (c.op === 't') truncates.push(c);
    else if (c.id === undefined) continue;
    else if (c.op === 'd') latest.delete(c.id);
    else latest.set(c.id, c);
  }
  const before = (a: CarriedChange, b: CarriedChange) => {
    const x = lsnValue(a.lsn);
    const y = lsnValue(b.lsn);
    return x < y || (x === y && a.offset < b.offset);
  };
  for (const [id, c] of latest) if (truncates.some((t) => before(c, t))) latest.delete(id);
  return latest;
}
