import { ConfigError, parseConfig, type SourceRecord } from '@buyonline/connect-api';
import { noopContext, staticOffsets } from '@buyonline/connect-api/testing';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogicalReplicationTask } from './replication-task.ts';
import { ORIGINAL_NAME } from '../names.ts';
import { postgresSourceConfigSchema } from '../config.ts';

const url = process.env.PG_URL ?? 'postgres://buyonline:buyonline@127.0.0.1:15432/buyonline';
const registry = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:28081/apis/ccompat/v7';
const id = `it_names_${process.pid}_${Date.now() % 100000}`;
// The reported names: quotes, spaces and dots in the schema and table, and columns Avro refuses.
const SCHEMA = `${id}_Quoted_" . Schema`;
const TABLE = 'Quoted_" . Table';
const COLUMNS = ['p:k', 'col,2', '123starts_with_digit', '__op', '__deleted', '__source', '__proto__', '__kafka'];
const sql = postgres(url, { max: 2, onnotice: () => undefined });
const q = (name: string) => `"${name.replaceAll('"', '""')}"`;
const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function task(slot: string, overrides: Record<string, unknown> = {}) {
  const config = parseConfig(postgresSourceConfigSchema, {
    mode: 'logical',
    url,
    tableRegex: `${escapeRegex(SCHEMA)}\\..*`,
    topicPrefix: 'names',
    slot,
    publication: slot,
    pollIntervalMs: 20,
    ...overrides,
  });
  return new LogicalReplicationTask(config, noopContext());
}

/** Registers a schema as the producer's serializer does (Confluent API of the registry): the registry must accept it. */
async function register(subject: string, schema: unknown): Promise<{ status: number; body: string }> {
  const res = await fetch(`${registry}/subjects/${encodeURIComponent(subject)}/versions`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ schemaType: 'AVRO', schema: JSON.stringify(schema) }),
  });
  return { status: res.status, body: await res.text() };
}

async function drain(t: LogicalReplicationTask, enough: (records: SourceRecord[]) => boolean, maxPolls = 500): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for (let polls = 0; polls < maxPolls && !enough(out); polls++) {
    const batch = await t.poll(new AbortController().signal);
    out.push(...batch.filter((r) => !r.positionOnly));
    if (batch.length > 0 && !batch.at(-1)?.inTransaction) await t.commit(batch);
  }
  return out;
}

beforeAll(async () => {
  await sql.unsafe(`create schema ${q(SCHEMA)}`);
  await sql.unsafe(`create table ${q(SCHEMA)}.${q(TABLE)} (${q('p:k')} int primary key, ${COLUMNS.slice(1).map((c) => `${q(c)} text`).join(', ')})`);
  await sql.unsafe(`insert into ${q(SCHEMA)}.${q(TABLE)} values (1, ${COLUMNS.slice(1).map((c) => `'${c.replaceAll("'", "''")} 1'`).join(', ')})`);
  await sql.unsafe(`create table ${q(SCHEMA)}.clash (id int primary key, ${q('p:k')} text, ${q('p_u003ak')} text)`);
});

afterAll(async () => {
  await sql`select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name like ${`${id}%`} and not active`.catch(() => undefined);
  const pubs = await sql<{ pubname: string }[]>`select pubname from pg_publication where pubname like ${`${id}%`}`;
  for (const p of pubs) await sql.unsafe(`drop publication "${p.pubname}"`);
  await sql.unsafe(`drop schema if exists ${q(SCHEMA)} cascade`);
  await sql.end();
});

describe('names PostgreSQL accepts', () => {
  it('captures a quoted schema, table and columns Avro refuses: a topic Kafka accepts, schemas the registry accepts, original names kept', async () => {
    const t = task(`${id}_ok`, { tableRegex: `${escapeRegex(SCHEMA)}\\.${escapeRegex(TABLE)}` });
    try {
      await t.start(staticOffsets());
      const snapshot = await drain(t, (r) => r.length >= 1);
      await sql.unsafe(`insert into ${q(SCHEMA)}.${q(TABLE)} values (2, ${COLUMNS.slice(1).map((c) => `'${c.replaceAll("'", "''")} 2'`).join(', ')})`);
      const streamed = await drain(t, (r) => r.length >= 1);
      const records = [...snapshot, ...streamed];
      expect(records).toHaveLength(2);
      const [first] = records as [SourceRecord];

      expect(first.topic).toMatch(/^[A-Za-z0-9._-]{1,249}$/);
      expect(first.topic).toBe(`names.${id}_Quoted__u0022_u0020._u0020Schema.Quoted__u0022_u0020._u0020Table`);
      for (const [role, schema] of [['key', first.keySchema], ['value', first.valueSchema]] as const) {
        const answer = await register(`${first.topic}-${role}`, schema);
        expect(answer, `${role} schema`).toMatchObject({ status: 200 });
      }

      const key = first.keySchema as { fields: Record<string, unknown>[] };
      expect(key.fields).toEqual([{ name: 'p_u003ak', type: 'int', [ORIGINAL_NAME]: 'p:k' }]);
      const value = first.valueSchema as { fields: { name: string; type: unknown }[] };
      const before = value.fields.find((f) => f.name === 'before') as { type: [string, { fields: Record<string, unknown>[] }] };
      const row = before.type[1];
      expect(row.fields.map((f) => [f.name, f[ORIGINAL_NAME]])).toEqual([
        ['p_u003ak', 'p:k'],
        ['col_u002c2', 'col,2'],
        ['_123starts_with_digit', '123starts_with_digit'],
        ['__op', undefined],
        ['__deleted', undefined],
        ['__source', undefined],
        ['_u005f_proto__', '__proto__'],
        ['__kafka', undefined],
      ]);

      expect(records.map((r) => r.key)).toEqual([{ p_u003ak: 1 }, { p_u003ak: 2 }]);
      expect(records.map((r) => (r.value as { after: unknown }).after)).toEqual(
        [1, 2].map((n) => ({
          p_u003ak: n,
          col_u002c2: `col,2 ${n}`,
          _123starts_with_digit: `123starts_with_digit ${n}`,
          __op: `__op ${n}`,
          __deleted: `__deleted ${n}`,
          __source: `__source ${n}`,
          _u005f_proto__: `__proto__ ${n}`,
          __kafka: `__kafka ${n}`,
        })),
      );
      expect((first.value as { source: { schema: string; table: string } }).source).toMatchObject({ schema: SCHEMA, table: TABLE });
    } finally {
      await t.stop();
    }
  }, 60_000);

  it('refuses at start, naming both, two columns that share an Avro name, before anything is produced', async () => {
    const t = task(`${id}_clash`);
    let err: unknown;
    try {
      await t.start(staticOffsets());
    } catch (e) {
      err = e;
    } finally {
      await t.stop();
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain('"p:k" and "p_u003ak"');
    expect((err as Error).message).toContain('clash');
  }, 60_000);
});

describe('a column added while streaming', () => {
  it('that would share an Avro name with another stops the capture with a ConfigError naming both, producing none of its rows', async () => {
    await sql.unsafe(`create table ${q(SCHEMA)}.later (id int primary key, ${q('a:b')} text)`);
    const t = task(`${id}_later`, { tableRegex: `${escapeRegex(SCHEMA)}\\.later` });
    try {
      await t.start(staticOffsets());
      await drain(t, () => false, 20); // the (empty) snapshot, then idle polls
      await sql.unsafe(`alter table ${q(SCHEMA)}.later add column ${q('a_u003ab')} text`);
      await sql.unsafe(`insert into ${q(SCHEMA)}.later values (1, 'x', 'y')`);
      let err: unknown;
      const records: SourceRecord[] = [];
      for (let polls = 0; polls < 200 && err === undefined; polls++) {
        try {
          records.push(...(await t.poll(new AbortController().signal)).filter((r) => !r.positionOnly));
        } catch (e) {
          err = e;
        }
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toContain('"a:b" and "a_u003ab"');
      expect(records.map((r) => [r.topic, r.value])).toEqual([]);
    } finally {
      await t.stop();
    }
  }, 60_000);
});
