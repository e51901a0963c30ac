// One large transaction through the producer, with large transactions streamed before they
// commit (pgoutput protocol 2) and without: the slot's spill and stream figures from
// pg_stat_replication_slots, and the time from COMMIT returning to its last row being readable
// by a read_committed consumer. Not a test: a measurement, run by hand on the native stack.
//   node bench/dist/streamed-transaction.js [--rows N] [--modes off,on]
//   (bun run build in bench/ first; the apps built: bunx turbo run build)
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { producerEnv } from '../pipeline/app-env.ts';
import { RecordCounter } from '../pipeline/record-counter.ts';
import { NodeApp, stopRunningApps } from '../process/node-app.ts';
import { endpoints } from '../setup/endpoints.ts';
import { benchNames } from '../setup/names.ts';
import { createTopics, dropEverything } from '../setup/scratch.ts';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, modes: { type: 'string', default: 'off,on' } } });
const rows = Number(values.rows);
const modes = (values.modes ?? 'off,on').split(',').map((m) => m.trim() === 'on');
const env = endpoints();
const sql = postgres(env.PG_URL, { max: 2, onnotice: () => undefined });
const began = Date.now();

function log(message: string): void {
  process.stdout.write(`[streamed-transaction +${((Date.now() - began) / 1000).toFixed(1)} s] ${message}\n`);
}

interface SlotStats {
  spill_txns: string;
  spill_bytes: string;
  stream_txns: string;
  stream_bytes: string;
  total_txns: string;
  total_bytes: string;
}

async function slotStats(slot: string): Promise<SlotStats | undefined> {
  const [row] = await sql<SlotStats[]>`
    select spill_txns::text, spill_bytes::text, stream_txns::text, stream_bytes::text, total_txns::text, total_bytes::text
    from pg_stat_replication_slots where slot_name = ${slot}`;
  return row;
}

/** Waits until the slot exists and a walsender streams from it (the producer's snapshot is over). */
async function streaming(slot: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const [row] = await sql<{ active: boolean }[]>`select active from pg_replication_slots where slot_name = ${slot}`;
    if (row?.active) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`slot ${slot} never became active`);
}

async function run(streamOn: boolean): Promise<Record<string, unknown>> {
  const names = benchNames(`bench_stx_${streamOn ? 'on' : 'off'}_${Date.now().toString(36)}`);
  const counter = { current: undefined as RecordCounter | undefined };
  try {
    await sql.unsafe(`create schema "${names.schema}"`);
    await sql.unsafe(`create table ${names.table} (id bigint primary key, name text not null, price numeric(10,2) not null, updated_at timestamptz not null default now())`);
    await createTopics(env.KAFKA_BROKERS, names);
    const producer = new NodeApp('producer', ['run'], { env: { ...producerEnv(env, names), STREAM_IN_PROGRESS: String(streamOn) } });
    await streaming(names.slot);
    // a first row, so the topic's schema is registered before the measured transaction
    await sql.unsafe(`insert into ${names.table} (id, name, price) values (0, 'warm-up', 0)`);
    counter.current = await RecordCounter.start(env.KAFKA_BROKERS, names.dataTopic, names.counterGroup);
    await counter.current.reach(1, 'the warm-up row');
    await sql`select pg_stat_reset_replication_slot(${names.slot})`;
    log(`streaming ${streamOn ? 'on' : 'off'}: inserting ${rows} rows in one transaction`);
    const started = Date.now();
    await sql.begin((tx) => tx.unsafe(`insert into ${names.table} (id, name, price) select g, 'product ' || g, (g % 1000) / 10.0 from generate_series(1, ${rows}) g`));
    const committed = Date.now();
    log(`committed after ${((committed - started) / 1000).toFixed(1)} s; waiting for ${rows} rows in Kafka (read_committed)`);
    await counter.current.reach(rows + 1, 'the transaction', 600_000);
    let last = 0;
    for (const [partition, next] of counter.current.offsets()) last = Math.max(last, counter.current.readTime(partition, next - 1) ?? 0);
    // the statistics reach the view a moment after the walsender counted them
    await new Promise((r) => setTimeout(r, 1500));
    const stats = await slotStats(names.slot);
    await producer.stop();
    return {
      streaming: streamOn ? 'on' : 'off',
      rows,
      insertSeconds: (committed - started) / 1000,
      commitToLastRowSeconds: (last - committed) / 1000,
      ...stats,
    };
  } finally {
    await counter.current?.stop();
    await stopRunningApps();
    const problems = await dropEverything(sql, env, names);
    if (problems.length > 0) process.stderr.write(`clean-up: ${problems.join('; ')}\n`);
  }
}

try {
  const [setting] = await sql<{ setting: string; unit: string }[]>`select setting, unit from pg_settings where name = 'logical_decoding_work_mem'`;
  const [version] = await sql<{ server_version: string }[]>`show server_version`;
  log(`PostgreSQL ${version?.server_version}, logical_decoding_work_mem ${setting?.setting} ${setting?.unit}`);
  const results = [];
  for (const on of modes) results.push(await run(on));
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
} finally {
  await sql.end();
}
