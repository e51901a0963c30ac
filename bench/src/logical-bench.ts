// Log-based capture benchmark: snapshot rows/s, streaming rows/s under a sustained update
// load, and commit→Kafka latency (PostgreSQL commit time → record readable with
// read_committed). Runs the real producer app against the stack in .stack/endpoints.env
// (or PG_URL / KAFKA_BROKERS / SCHEMA_REGISTRY_URL). Usage:
//   node bench/dist/logical-bench.js [--rows 100000] [--seconds 20] [--writers 4] [--batch 20]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import kafkaJavascript, { type Message } from '@confluentinc/kafka-javascript';
import { AvroJsonDeserializer, createRegistryClient } from '@buyonline/kafka-common';
import postgres from 'postgres';

const root = join(import.meta.dirname, '..', '..');
const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    seconds: { type: 'string', default: '20' },
    writers: { type: 'string', default: '4' },
    batch: { type: 'string', default: '20' },
  },
});
const rows = Number(values.rows);
const seconds = Number(values.seconds);
const writers = Number(values.writers);
const perTxn = Number(values.batch);

function endpoints(): Record<string, string> {
  if (process.env.PG_URL && process.env.KAFKA_BROKERS && process.env.SCHEMA_REGISTRY_URL) {
    return { PG_URL: process.env.PG_URL, KAFKA_BROKERS: process.env.KAFKA_BROKERS, SCHEMA_REGISTRY_URL: process.env.SCHEMA_REGISTRY_URL };
  }
  const text = readFileSync(join(root, '.stack', 'endpoints.env'), 'utf8');
  return Object.fromEntries(text.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

const env = endpoints();
const id = `bench_${Date.now().toString(36)}`;
const topic = `bench.${id}.products`;
const appEnv = {
  ...env,
  PATH: process.env.PATH ?? '',
  PG_TABLE: `${id}.products`,
  TOPIC: topic,
  OFFSETS_TOPIC: `bench.${id}.offsets`,
  SOURCE_DLQ_TOPIC: `${topic}.dlq`,
  CONNECTOR_NAME: id,
  SLOT_NAME: id,
  PUBLICATION_NAME: id,
  HEALTH_PORT: '0',
  LOG_LEVEL: 'warn',
  // Producer tuning to compare (e.g. POLL_BATCH_SIZE=5000 node bench/dist/logical-bench.js).
  ...(process.env.POLL_BATCH_SIZE ? { POLL_BATCH_SIZE: process.env.POLL_BATCH_SIZE } : {}),
  ...(process.env.SNAPSHOT_CHUNK_SIZE ? { SNAPSHOT_CHUNK_SIZE: process.env.SNAPSHOT_CHUNK_SIZE } : {}),
};
const producerMain = join(root, 'apps', 'producer', 'dist', 'main.js');

function run(args: string[]): Promise<number | null> {
  return new Promise((resolve) => spawn(process.execPath, [producerMain, ...args], { env: appEnv, stdio: 'inherit' }).on('exit', resolve));
}

const children: import('node:child_process').ChildProcess[] = [];
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

async function main(): Promise<void> {
  const sql = postgres(env.PG_URL as string, { max: writers + 2, onnotice: () => undefined });
  process.stdout.write(`seeding ${rows} rows into ${id}.products …\n`);
  if ((await run(['seed', '--rows', String(rows)])) !== 0) throw new Error('seed failed');

  const deserializer = new AvroJsonDeserializer(createRegistryClient(env.SCHEMA_REGISTRY_URL as string));
  const consumer = new kafkaJavascript.KafkaConsumer(
    {
      'metadata.broker.list': env.KAFKA_BROKERS as string,
      'group.id': `${id}-reader`,
      'enable.auto.commit': false,
      'isolation.level': 'read_committed',
      'fetch.wait.max.ms': 10,
      'topic.metadata.refresh.interval.ms': 1000,
    },
    { 'auto.offset.reset': 'earliest' },
  );
  await new Promise<void>((resolve, reject) => consumer.connect({}, (err) => (err ? reject(err) : resolve())));
  consumer.subscribe([topic]);

  const started = Date.now();
  const producer = spawn(process.execPath, [producerMain, 'run'], { env: appEnv, stdio: 'inherit' });
  children.push(producer);
  let snapshotRows = 0;
  let snapshotDoneAt = 0;
  let loadStart = 0;
  let streamed = 0;
  let firstStreamAt = 0;
  let lastStreamAt = 0;
  const latencies: number[] = [];
  let stop = false;

  const consumeLoop = (async () => {
    while (!stop) {
      // The topic appears when the producer starts: until then the broker says it is unknown.
      const batch = await new Promise<Message[]>((resolve) => consumer.consume(1000, (err, m) => resolve(err ? [] : m)));
      const now = Date.now();
      for (const m of batch) {
        if (!m.value) continue;
        const v = (await deserializer.deserialize(topic, 'value', m.value)).value as { op: string; source: { ts_us: string } };
        if (v.op === 'r') {
          snapshotRows++;
          if (snapshotRows === rows) snapshotDoneAt = now;
        } else if (loadStart > 0) {
          streamed++;
          if (!firstStreamAt) firstStreamAt = now;
          lastStreamAt = now;
          latencies.push(now - Date.parse(v.source.ts_us));
        }
      }
    }
  })();

  while (!snapshotDoneAt) await new Promise((r) => setTimeout(r, 100));
  process.stdout.write(`snapshot: ${rows} rows in ${((snapshotDoneAt - started) / 1000).toFixed(1)} s\n`);

  loadStart = Date.now();
  let committedRows = 0;
  const deadline = loadStart + seconds * 1000;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (Date.now() < deadline) {
        await sql.unsafe(
          `update "${id}".products set price = price + 0.01 where id in (select 1 + floor(random() * ${rows})::int from generate_series(1, ${perTxn}))`,
        );
        committedRows += perTxn;
      }
    }),
  );
  const loadSeconds = (Date.now() - loadStart) / 1000;
  const waitUntil = Date.now() + 60_000;
  while (Date.now() < waitUntil && Date.now() - lastStreamAt < 3000) await new Promise((r) => setTimeout(r, 200));
  stop = true;
  await consumeLoop;
  producer.kill('SIGTERM');
  await new Promise((r) => producer.on('exit', r));
  consumer.disconnect();

  latencies.sort((a, b) => a - b);
  const table = [
    ['metric', 'value'],
    ['snapshot rows', String(rows)],
    ['snapshot rows/s', ((rows * 1000) / (snapshotDoneAt - started)).toFixed(0)],
    ['update load (rows written/s)', (committedRows / loadSeconds).toFixed(0)],
    ['streaming rows/s (captured)', ((streamed * 1000) / Math.max(1, lastStreamAt - firstStreamAt)).toFixed(0)],
    ['change events captured', String(streamed)],
    ['commit→Kafka latency p50 (ms)', String(percentile(latencies, 50))],
    ['commit→Kafka latency p99 (ms)', String(percentile(latencies, 99))],
  ];
  process.stdout.write(`\n${table.map(([a, b]) => `| ${String(a).padEnd(32)} | ${String(b).padStart(10)} |`).join('\n')}\n`);

  await sql`select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = ${id} and not active`.catch(() => undefined);
  await sql.unsafe(`drop publication if exists "${id}"`);
  await sql.unsafe(`drop schema "${id}" cascade`);
  await sql.end();
}

main().catch((err: unknown) => {
  for (const child of children) child.kill('SIGTERM');
  process.stderr.write(`bench failed: ${String(err)}\n`);
  process.exit(1);
});
