import { noopContext, parseConfig, type SourceRecord, staticOffsets } from '@buyonline/connect-api';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { LogicalReplicationTask, postgresSourceConfigSchema } from '../index.ts';

const url = process.env.PG_URL ?? 'postgres://buyonline:buyonline@127.0.0.1:15432/buyonline';
const id = `it_parity_${process.pid}_${Date.now() % 100000}`;
const sql = postgres(url, { max: 2, onnotice: () => undefined });
const slots: string[] = [];

afterAll(async () => {
  for (const slot of slots) {
    await sql`select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = ${slot} and not active`.catch(() => undefined);
    await sql.unsafe(`drop publication if exists "${slot}"`);
  }
  await sql.unsafe(`drop schema if exists "${id}" cascade`);
  await sql.end();
});

/** Polls until `count` data records came (committing what the task hands out), or 30 s passed. */
async function pollUntil(t: LogicalReplicationTask, count: number): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  const deadline = Date.now() + 30_000;
  while (out.length < count && Date.now() < deadline) {
    const batch = await t.poll(new AbortController().signal);
    for (const r of batch) if (!r.positionOnly) out.push(r);
    if (batch.length > 0 && !batch.at(-1)?.inTransaction) await t.commit(batch);
  }
  return out;
}

interface Captured {
  /** `after` of each record by the row's id. */
  snapshot: Map<number, Record<string, unknown>>;
  stream: Map<number, Record<string, unknown>>;
  failures: string[];
}

/**
 * Captures `table` of the test schema: the rows `insert` writes with ids 1…n are read by the
 * snapshot; then `insert` runs again with ids shifted by `shift` and the stream reads those.
 */
async function captureBoth(table: string, rows: number, insert: (idShift: number) => Promise<void>, shift = 1000): Promise<Captured> {
  const slot = `${id}_${table}`.toLowerCase();
  slots.push(slot);
  await insert(0);
  const config = parseConfig(postgresSourceConfigSchema, {
    mode: 'logical',
    url,
    tables: [`${id}.${table}`],
    topicTemplate: 't',
    slot,
    publication: slot,
    snapshotChunkSize: 50,
    pollIntervalMs: 50,
  });
  const t = new LogicalReplicationTask(config, noopContext());
  await t.start(staticOffsets());
  try {
    const captured: Captured = { snapshot: new Map(), stream: new Map(), failures: [] };
    const sort = (records: SourceRecord[], into: Map<number, Record<string, unknown>>) => {
      for (const r of records) {
        if (r.failure) {
          captured.failures.push(r.failure.message);
          continue;
        }
        const after = (r.value as { after: Record<string, unknown> }).after;
        into.set(Number(after.id), after);
      }
    };
    sort(await pollUntil(t, rows), captured.snapshot);
    await insert(shift);
    sort(await pollUntil(t, rows), captured.stream);
    return captured;
  } finally {
    await t.stop();
  }
}

/** The same datum in the snapshot's row `id` and the stream's row `id + shift`, column by column (ids left out). */
function pairs(captured: Captured, shift = 1000): { column: string; id: number; snapshot: unknown; stream: unknown }[] {
  const out: { column: string; id: number; snapshot: unknown; stream: unknown }[] = [];
  for (const [rowId, snap] of captured.snapshot) {
    const streamed = captured.stream.get(rowId + shift);
    for (const column of Object.keys(snap)) {
      if (column === 'id') continue;
      out.push({ column, id: rowId, snapshot: snap[column], stream: streamed?.[column] });
    }
  }
  return out;
}

describe('snapshot and stream convert the same datum to the same value', { timeout: 60_000 }, () => {
  it('the reported row: inet[], point, interval[] and char(3)[] (one to three elements)', async () => {
    await sql.unsafe(`create schema if not exists "${id}"`);
    await sql.unsafe(`create table "${id}".hosts (id int primary key, ips inet[], pts point, ivs interval[], ch char(3)[])`);
    const insert = async (shift: number) => {
      await sql.unsafe(
        `insert into "${id}".hosts values
          (${1 + shift}, '{10.0.0.1,10.0.0.2}', '(1,2)', '{1 day,"2 hours 3 minutes"}', '{ab,c}'),
          (${2 + shift}, '{10.0.0.1}', '(-1.5,2e10)', '{-1 year}', '{xyz}'),
          (${3 + shift}, '{10.0.0.1,NULL,::1/128}', null, '{1 day,NULL,P1Y2M}', '{" a",NULL,"b,c"}')`,
      );
    };
    const captured = await captureBoth('hosts', 3, insert);
    expect(captured.failures).toEqual([]);
    expect(captured.snapshot.get(1)).toEqual({ id: 1, ips: ['10.0.0.1', '10.0.0.2'], pts: '(1,2)', ivs: ['P1D', 'PT2H3M'], ch: ['ab ', 'c  '] });
    expect(captured.snapshot.get(3)).toEqual({ id: 3, ips: ['10.0.0.1', null, '::1'], pts: null, ivs: ['P1D', null, 'P1Y2M'], ch: [' a ', null, 'b,c'] });
    for (const pair of pairs(captured)) expect(pair.stream, `${pair.column} of row ${pair.id}`).toEqual(pair.snapshot);
  });

  it("Debezium's extremes: int8 over the whole int64 range, timestamps past 9999, in 294247 and BC, ±infinity, numeric NaN, -0.0", async () => {
    await sql.unsafe(`create schema if not exists "${id}"`);
    await sql.unsafe(
      `create table "${id}".extremes (id int primary key, big int8, bigs int8[], ts timestamp, tstz timestamptz, d date, n numeric(10,2), f float8, r float4)`,
    );
    const insert = async (shift: number) => {
      await sql.unsafe(
        `insert into "${id}".extremes values
          (${1 + shift}, 1550166368505037572, '{1550166368505037572,NULL,-9223372036854775808}', '21016-10-16 10:11:12.123456', '21016-10-16 10:11:12.123456+00', '21016-10-16', 'NaN', '-0.0', '-0.0'),
          (${2 + shift}, 9223372036854775807, '{9223372036854775807}', '294247-01-10 04:00:54.775806', '294247-01-10 04:00:54.775806+00', '4713-01-01 BC', -12345678.91, 'NaN', 'Infinity'),
          (${3 + shift}, -9223372036854775808, '{}', '4713-01-01 00:00:00 BC', '4713-01-01 00:00:00+00 BC', 'infinity', 0, '-Infinity', '1e-45'),
          (${4 + shift}, 9007199254740993, null, 'infinity', '-infinity', '-infinity', null, '1e308', null)`,
      );
    };
    const captured = await captureBoth('extremes', 4, insert);
    expect(captured.failures).toEqual([]);
    const first = captured.snapshot.get(1) as Record<string, unknown>;
    expect(first.big).toBe(1550166368505037572n);
    expect(first.bigs).toEqual([1550166368505037572n, null, -9223372036854775808n]);
    expect(first.n).toBeNaN();
    expect(Object.is(first.f, -0)).toBe(true);
    expect(Object.is(first.r, -0)).toBe(true);
    const second = captured.snapshot.get(2) as Record<string, unknown>;
    expect(second.big).toBe(9223372036854775807n);
    expect(second.ts).toBe(9223372036854775806n);
    expect(second.n).toBe('-12345678.91');
    const third = captured.snapshot.get(3) as Record<string, unknown>;
    expect(third.ts).toBe(-210863520000000000n);
    expect(third.d).toBe(2147483647);
    const fourth = captured.snapshot.get(4) as Record<string, unknown>;
    expect([fourth.big, fourth.ts, fourth.tstz, fourth.d]).toEqual([9007199254740993n, 9223372036854775807n, -9223372036854775808n, -2147483648]);
    for (const pair of pairs(captured)) expect(pair.stream, `${pair.column} of row ${pair.id}`).toEqual(pair.snapshot);
    for (const pair of pairs(captured)) expect(Object.is(pair.stream, -0), `${pair.column} of row ${pair.id}`).toBe(Object.is(pair.snapshot, -0));
  });
});
