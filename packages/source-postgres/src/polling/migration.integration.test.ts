import { ConfigError } from '@buyonline/connect-api';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateTables } from '../index.ts';
import { cdcObjects } from './cdc-objects.ts';

const url = process.env.PG_URL ?? 'postgres://buyonline:buyonline@127.0.0.1:15432/buyonline';
const schema = `it_migrate_${process.pid}_${Date.now() % 100000}`;
const sql = postgres(url, { max: 4, onnotice: () => undefined });
const ref = (table: string) => ({ schema, table });

/** Everything `migrate` could change about a table: columns, triggers, indexes, replica identity. */
async function fingerprint(table: string): Promise<unknown> {
  const [row] = await sql`
    select c.relreplident::text as identity,
           (select json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod), 'not_null', a.attnotnull,
                                              'default', pg_get_expr(d.adbin, d.adrelid)) order by a.attnum)
              from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
             where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped) as columns,
           (select coalesce(json_agg(pg_get_triggerdef(g.oid) order by g.tgname), '[]') from pg_trigger g where g.tgrelid = c.oid and not g.tgisinternal) as triggers,
           (select coalesce(json_agg(pg_get_indexdef(i.indexrelid) order by i.indexrelid), '[]') from pg_index i where i.indrelid = c.oid) as indexes
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = ${schema} and c.relname = ${table}`;
  return row;
}

beforeAll(async () => {
  await sql.unsafe(`create schema "${schema}"`);
  await sql.unsafe(`create table "${schema}".audit (what text)`);
  // The table's own update trigger: the migration must not fire it (new columns are filled through their default).
  await sql.unsafe(`create function "${schema}".log_update() returns trigger language plpgsql as $$
    begin insert into "${schema}".audit values (TG_TABLE_NAME || ' ' || TG_OP); return new; end $$`);
});

afterAll(async () => {
  await sql.unsafe(`drop schema if exists "${schema}" cascade`);
  await sql.end();
});

describe('migrateTables', () => {
  it('prepares a listed table, fills its rows without firing its triggers, and leaves a table it was not asked to alone', async () => {
    for (const name of ['listed', 'neighbour']) {
      await sql.unsafe(`create table "${schema}".${name} (id int primary key, v text)`);
      await sql.unsafe(`create trigger audit_${name} after update on "${schema}".${name} for each row execute function "${schema}".log_update()`);
      await sql.unsafe(`insert into "${schema}".${name} values (1, 'a'), (2, 'b')`);
    }
    const neighbourBefore = await fingerprint('neighbour');
    await migrateTables(sql, [ref('listed')]);

    expect(await fingerprint('neighbour')).toEqual(neighbourBefore);
    const listed = (await fingerprint('listed')) as { columns: { name: string; type: string; not_null: boolean; default: string | null }[]; triggers: string[]; indexes: string[]; identity: string };
    expect(listed.columns.filter((c) => c.name.startsWith('cdc_'))).toEqual([
      { name: 'cdc_txid', type: 'xid8', not_null: true, default: null },
      { name: 'cdc_version', type: 'bigint', not_null: true, default: null },
    ]);
    expect(listed.triggers.some((t) => t.includes('listed_cdc_stamp') && t.includes('BEFORE INSERT OR UPDATE'))).toBe(true);
    expect(listed.indexes.some((i) => i.includes('listed_cdc_txid_id_idx') && i.includes('(cdc_txid, id)'))).toBe(true);
    expect(listed.identity).toBe('d'); // replica identity is the table owner's choice
    const rows = await sql.unsafe<{ txid: string; version: string }[]>(`select cdc_txid::text as txid, cdc_version::text as version from "${schema}".listed`);
    expect(rows.map((r) => r.version)).toEqual(['1', '1']);
    expect(new Set(rows.map((r) => r.txid)).size).toBe(1); // the migration's own transaction
    expect(await sql.unsafe(`select * from "${schema}".audit`)).toEqual([]);

    // The trigger keeps both columns: a new transaction id per write, version 1 then +1.
    await sql.unsafe(`insert into "${schema}".listed values (3, 'c')`);
    await sql.unsafe(`update "${schema}".listed set v = 'bb' where id = 2`);
    const stamped = await sql.unsafe<{ id: number; version: string; newer: boolean }[]>(
      `select id, cdc_version::text as version, cdc_txid > $1::xid8 as newer from "${schema}".listed order by id`,
      [rows[0]?.txid as string],
    );
    expect(stamped).toEqual([
      { id: 1, version: '1', newer: false },
      { id: 2, version: '2', newer: true },
      { id: 3, version: '1', newer: true },
    ]);
  });

  it('is idempotent: a second run changes nothing', async () => {
    await sql.unsafe(`create table "${schema}".twice (id int primary key)`);
    await migrateTables(sql, [ref('twice')]);
    await sql.unsafe(`insert into "${schema}".twice values (1)`);
    const once = await fingerprint('twice');
    const [before] = await sql.unsafe(`select cdc_txid::text as txid, cdc_version::text as version from "${schema}".twice`);
    await migrateTables(sql, [ref('twice'), ref('twice')]);
    expect(await fingerprint('twice')).toEqual(once);
    const [afterRun] = await sql.unsafe(`select cdc_txid::text as txid, cdc_version::text as version from "${schema}".twice`);
    expect(afterRun).toEqual(before);
  });

  it('refuses a table without a primary key, naming it, and changes none of the listed tables', async () => {
    await sql.unsafe(`create table "${schema}".keyless (v text)`);
    await sql.unsafe(`create table "${schema}".keyed (id int primary key)`);
    const keyedBefore = await fingerprint('keyed');
    const keylessBefore = await fingerprint('keyless');
    const run = migrateTables(sql, [ref('keyed'), ref('keyless')]);
    await expect(run).rejects.toBeInstanceOf(ConfigError);
    await expect(run).rejects.toThrow(new RegExp(`table ${schema}\\.keyless has no primary key`));
    expect(await fingerprint('keyed')).toEqual(keyedBefore);
    expect(await fingerprint('keyless')).toEqual(keylessBefore);
  });

  it('refuses a missing table and a cdc_txid column of another type, naming them', async () => {
    await expect(migrateTables(sql, [ref('missing')])).rejects.toThrow(new RegExp(`table ${schema}\\.missing does not exist`));
    await sql.unsafe(`create table "${schema}".clash (id int primary key, cdc_txid bigint)`);
    await expect(migrateTables(sql, [ref('clash')])).rejects.toThrow(new RegExp(`cdc_txid of ${schema}\\.clash has type int8`));
  });

  it('indexes a composite key in key order and gives long table names objects of their own', async () => {
    await sql.unsafe(`create table "${schema}".pairs (b text, a int, primary key (a, b))`);
    const long1 = `${'x'.repeat(55)}_one`;
    const long2 = `${'x'.repeat(55)}_two`;
    for (const name of [long1, long2]) await sql.unsafe(`create table "${schema}"."${name}" (id int primary key)`);
    await migrateTables(sql, [ref('pairs'), ref(long1), ref(long2)]);
    const pairs = (await fingerprint('pairs')) as { indexes: string[] };
    expect(pairs.indexes.some((i) => i.includes('(cdc_txid, a, b)'))).toBe(true);
    for (const name of [long1, long2]) {
      const objects = cdcObjects(name, ['id']);
      const f = (await fingerprint(name)) as { triggers: string[]; indexes: string[] };
      expect(f.triggers.some((t) => t.includes(objects.trigger))).toBe(true);
      expect(f.indexes.some((i) => i.includes(objects.index))).toBe(true);
    }
    expect(cdcObjects(long1, ['id']).index).not.toBe(cdcObjects(long2, ['id']).index);
  });

  it('prepares a partitioned table through its root (rows written to a partition are stamped)', async () => {
    await sql.unsafe(`create table "${schema}".events (id int, day date, primary key (id, day)) partition by range (day)`);
    await sql.unsafe(`create table "${schema}".events_2030 partition of "${schema}".events for values from ('2030-01-01') to ('2031-01-01')`);
    await sql.unsafe(`insert into "${schema}".events values (1, '2030-05-01')`);
    await migrateTables(sql, [ref('events')]);
    await sql.unsafe(`insert into "${schema}".events_2030 values (2, '2030-06-01')`);
    await sql.unsafe(`update "${schema}".events set id = id where id = 1`);
    const rows = await sql.unsafe(`select id, cdc_version::text as version from "${schema}".events order by id`);
    expect(rows).toEqual([
      { id: 1, version: '2' },
      { id: 2, version: '1' },
    ]);
    await expect(migrateTables(sql, [ref('events_2030')])).rejects.toThrow(/is a partition; migrate its partitioned root/);
  });
});
