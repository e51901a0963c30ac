// `consumer verify` of one large table under the images' heap: its peak RSS and time against
// the table's rows. The stage is written directly (one snapshot line per row, as the sink
// writes them) and the slot is advanced by hand (pg_replication_slot_advance), so no producer or
// consumer runs: what is measured is verify's own reading, sorting and comparing. Not a test: a
// measurement, run by hand on the native stack.
//   node bench/dist/verify-rss.js [--rows N] [--range-keys N]
//   (bun run build in bench/ first; the consumer built: bunx turbo run build)
import { createWriteStream, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { appNodeOptions } from '../pipeline/app-env.ts';
import { NodeApp } from '../process/node-app.ts';
import { endpoints } from '../setup/endpoints.ts';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '600000' }, 'range-keys': { type: 'string', default: '1000' } } });
const rows = Number(values.rows);
const env = endpoints();
const sql = postgres(env.PG_URL, { max: 2, onnotice: () => undefined });
const id = `vrss_${Date.now().toString(36)}`;
const schema = `bench_${id}`;
const topic = `bench.${id}.${schema}.items`;
const dir = join(tmpdir(), 'buyonline-bench', id);
const stageDir = join(dir, 'stage');
const FILE_LINES = 50_000;

async function writeStage(lsn: string): Promise<void> {
  const partition = join(stageDir, topic, 'partition=0');
  mkdirSync(partition, { recursive: true });
  for (let first = 0; first < rows; first += FILE_LINES) {
    const last = Math.min(rows, first + FILE_LINES) - 1;
    const out = createWriteStream(join(partition, `${topic}+0+${String(first).padStart(20, '0')}+${String(last).padStart(20, '0')}.jsonl`));
    let chunk = '';
    for (let offset = first; offset <= last; offset++) {
      const key = offset + 1;
      const source = { connector: 'postgres-logical', db: 'buyonline', schema, table: 'items', position: '{}', txid: null, lsn, snapshot: true };
      chunk += `${JSON.stringify({ id: key, name: `item ${key}`, qty: key, __op: 'r', __deleted: false, __source: source, __kafka: { topic, partition: 0, offset } })}\n`;
      if (chunk.length > 1 << 20) {
        if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
        chunk = '';
      }
    }
    await new Promise((resolve) => out.end(chunk, () => resolve(undefined)));
  }
}

try {
  await sql.unsafe(`create schema "${schema}"`);
  await sql.unsafe(`create table "${schema}".items (id bigint primary key, name text not null, qty int not null)`);
  await sql.unsafe(`insert into "${schema}".items select g, 'item ' || g, g from generate_series(1, ${rows}) g`);
  const [slot] = await sql<{ lsn: string }[]>`select lsn::text from pg_create_logical_replication_slot(${id}, 'pgoutput')`;
  await writeStage(slot?.lsn ?? '0/0');
  const pipeline = join(dir, 'pipeline.yaml');
  writeFileSync(
    pipeline,
    `name: bench-${id}\nsource:\n  connector: postgres\n  url: \${PG_URL}\n  tables: [${schema}.items]\n  topicPrefix: bench.${id}\n  slot: ${id}\n  publication: ${id}\nsink:\n  connector: local-stage\n  dir: ${stageDir}\nconsumer:\n  CONSUMER_GROUP: bench-${id}\n`,
  );
  // what the producer would do: confirm the slot up to where the WAL is
  const advance = setInterval(() => void sql`select pg_replication_slot_advance(${id}, pg_current_wal_insert_lsn())`.catch(() => undefined), 200);
  const app = new NodeApp('consumer', ['verify', '--json', '--range-keys', values['range-keys'] ?? '1000'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NODE_OPTIONS: appNodeOptions(), ...env, PIPELINE_FILE: pipeline },
    captureStdout: true,
  });
  const exit = await app.exited;
  clearInterval(advance);
  const report = JSON.parse(exit.stdout.split('\n').find((l) => l.startsWith('{"verify"')) ?? '{"verify":{}}') as { verify: { equal?: boolean; first?: { tables: { rows: unknown; ranges: number; stage: unknown }[] } } };
  const table = report.verify.first?.tables[0];
  process.stdout.write(
    `${JSON.stringify({ rows, exit: exit.code, equal: report.verify.equal, compared: table?.rows, ranges: table?.ranges, stage: table?.stage, wallMs: exit.wallMs, peakRssMb: exit.rss.peakMb, appNodeOptions: appNodeOptions() })}\n`,
  );
} finally {
  await sql`select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = ${id}`.catch(() => undefined);
  await sql.unsafe(`drop schema if exists "${schema}" cascade`).catch(() => undefined);
  await sql.end({ timeout: 5 });
  rmSync(dir, { recursive: true, force: true });
}
