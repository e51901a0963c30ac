import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Workload } from './report/result.ts';
import { repoRoot } from './setup/endpoints.ts';

export const USAGE = `Usage: bash bench/run.sh [--rows N] [--flat-updates N] [--paced-updates N] [--rate ROWS_PER_S] [--tx-rows N] [--writers N] [--profile] [--skip-limits] [--cpu-hog] [--with-debezium] [--out DIR]
  --rows N            rows in the products table, snapshotted first (200000)
  --flat-updates N    updates written flat out, in --tx-rows transactions (100000)
  --paced-updates N   updates written at --rate rows/s, for the latency (50000)
  --rate R            paced rows per second (5000): one transaction every tx-rows/R seconds
  --tx-rows N         rows per update transaction (100)
  --writers N         writer connections (4)
  --profile           run producer and consumer under node --cpu-prof (<out>/profiles-<time>/) and summarize the profiles
  --skip-limits       measure the pipeline only (no COPY, pg_recvlogical, bare consume and produce figures)
  --with-debezium     also run Debezium 3 on Kafka Connect (tooling/debezium/debezium.sh; a worker started for the run
                      and stopped after) on the same table and WAL: its own slot and publication, created once the
                      pipeline's snapshot is in Kafka, streaming the same updates; prints the pipeline's figures as
                      ratios to Debezium's. DEBEZIUM_CONFIG (a JSON object) overrides connector settings
  --cpu-hog           a CPU-bound process (one busy core) runs beside the pipeline during the paced load
  --out DIR           where last-run.json, chart.svg and profiles-<time>/ go (bench/results: the committed ones)
The apps' own variables (SNAPSHOT_PARALLELISM, POLL_BATCH_SIZE, …) in the environment reach them.`;

function positive(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) {
    process.stderr.write(`--${name}: expected a positive integer, got ${text}\n${USAGE}\n`);
    process.exit(2);
  }
  return n;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      rows: { type: 'string', default: '200000' },
      'flat-updates': { type: 'string', default: '100000' },
      'paced-updates': { type: 'string', default: '50000' },
      rate: { type: 'string', default: '5000' },
      'tx-rows': { type: 'string', default: '100' },
      writers: { type: 'string', default: '4' },
      profile: { type: 'boolean', default: false },
      'skip-limits': { type: 'boolean', default: false },
      'with-debezium': { type: 'boolean', default: false },
      'cpu-hog': { type: 'boolean', default: false },
      out: { type: 'string', default: join(repoRoot, 'bench', 'results') },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

export function parseFlags(argv: string[]): { workload: Workload; outDir: string } {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  const { values } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const workload: Workload = {
    rows: positive('rows', values.rows),
    flatUpdates: positive('flat-updates', values['flat-updates']),
    pacedUpdates: positive('paced-updates', values['paced-updates']),
    rate: positive('rate', values.rate),
    txRows: positive('tx-rows', values['tx-rows']),
    writers: positive('writers', values.writers),
    profile: values.profile,
    skipLimits: values['skip-limits'],
    withDebezium: values['with-debezium'],
    cpuHog: values['cpu-hog'],
  };
  return { workload, outDir: resolve(values.out) };
}
