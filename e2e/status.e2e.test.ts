import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AppName, AppProcess } from './support/app-process.ts';
import { repoRoot } from './support/native-stack.ts';
import { runWorkload, Scenario, waitFor } from './support/scenario.ts';

const ROWS = 6_000;

interface StatusUnit {
  kind: string;
  name: string;
  phase?: string;
  progress?: { done: number; total: number | null; percent: number | null; rate: number | null; etaSeconds: number | null };
  position?: string;
  lagBytes?: number;
  lagMessages?: number;
  lagSeconds?: number | null;
  filesWritten?: number;
  lastFile?: string;
  deadLettered?: number;
  lastCommitAt?: string;
  lastCommit?: string;
  records?: number;
}
interface StatusView {
  app: string;
  status: string;
  units: StatusUnit[];
}

/** `node apps/<app>/dist/main.js status [--json] --url …`, as an operator runs it. */
function statusCommand(app: AppName, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(repoRoot, 'apps', app, 'dist', 'main.js'), 'status', ...args], { env: { PATH: process.env.PATH ?? '' }, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function statusOf(app: AppProcess): Promise<StatusView | undefined> {
  const base = app.healthBase();
  if (!base) return undefined;
  const run = await statusCommand(app.app, ['--json', '--url', base]);
  return run.code === 0 ? (JSON.parse(run.stdout) as StatusView) : undefined;
}

async function metricsOf(app: AppProcess): Promise<string> {
  const res = await fetch(`${app.healthBase()}/metrics`);
  return res.text();
}

/** The value of one sample line (`name{labels} value`) summed over its label sets. */
function sampleSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

/** The app's own metrics (not the default process/nodejs ones) whose help text is missing or just the name. */
function badHelp(text: string, prefix: string): string[] {
  const defaults = /_(process|nodejs)_/;
  return text
    .split('\n')
    .filter((l) => l.startsWith(`# HELP ${prefix}`) && !defaults.test(l))
    .filter((l) => {
      const [, , name = '', ...help] = l.split(' ');
      const text = help.join(' ');
      return text.length < 10 || text === name || text === name.slice(prefix.length) || text.includes('undeclared');
    });
}

describe('status command and endpoint, and the metrics a dashboard needs', () => {
  const scenario = new Scenario('status', inject('endpoints'));
  afterAll(() => scenario.cleanup());
  beforeAll(async () => {
    await scenario.seed(ROWS);
    await scenario.sql.unsafe(`analyze ${scenario.table}`); // pg_class.reltuples: the snapshot's estimated total
  });

  it('producer status shows the snapshot reaching its total, then the stream; consumer status shows lag falling to 0 and the files; /metrics has the latency histograms', async () => {
    const producer = scenario.producer('producer', { SNAPSHOT_CHUNK_SIZE: '500' }).start();
    const streaming = await waitFor('the producer to report its table streaming after the snapshot', async () => {
      const view = await statusOf(producer);
      const table = view?.units.find((u) => u.kind === 'table');
      return table?.phase === 'stream' && table.progress?.done === ROWS ? view : undefined;
    });
    expect(streaming.app).toBe('producer');
    const table = streaming.units.find((u) => u.kind === 'table');
    expect(table).toMatchObject({ name: `${scenario.schema}.products`, phase: 'stream', progress: { done: ROWS, total: ROWS, percent: 100, etaSeconds: 0 } });
    const kafka = streaming.units.find((u) => u.kind === 'kafka');
    expect(kafka?.records).toBeGreaterThanOrEqual(ROWS);
    expect(kafka?.lastCommit).toContain(scenario.topic);
    expect(Number.isNaN(Date.parse(kafka?.lastCommitAt ?? ''))).toBe(false);
    expect(streaming.units.find((u) => u.kind === 'stream')?.position).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);

    await runWorkload(scenario.sql, scenario.table, { writers: 2, transactions: 100 });
    const consumer = scenario.consumer('consumer').start();
    await scenario.waitUntilStageMatchesPostgres();
    const caughtUp = await waitFor('the consumer to report every partition caught up (lag 0)', async () => {
      const view = await statusOf(consumer);
      const parts = view?.units.filter((u) => u.kind === 'partition') ?? [];
      return parts.length === 3 && parts.every((p) => p.lagMessages === 0 && p.lagSeconds === 0) ? view : undefined;
    });
    const partitions = caughtUp.units.filter((u) => u.kind === 'partition');
    expect(partitions.map((p) => p.name).sort()).toEqual([0, 1, 2].map((p) => `${scenario.topic}[${p}]`));
    expect(partitions.reduce((n, p) => n + (p.filesWritten ?? 0), 0)).toBeGreaterThan(0);
    expect(partitions.some((p) => p.lastFile?.startsWith(scenario.stageDir))).toBe(true);
    expect(caughtUp.units.find((u) => u.kind === 'kafka')).toMatchObject({ deadLettered: 0 });

    // the slot's lag is measured while streaming
    const slot = await waitFor('the producer to report its slot lag', async () => (await statusOf(producer))?.units.find((u) => u.kind === 'slot' && u.lagBytes !== undefined));
    expect(slot.lagBytes).toBeGreaterThanOrEqual(0);

    // for people: one line per unit
    const human = await statusCommand('consumer', ['--url', consumer.healthBase() ?? '']);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`partition ${scenario.topic}[0]`);
    expect(human.stdout).toContain('lag 0 messages');

    const producerMetrics = await metricsOf(producer);
    expect(sampleSum(producerMetrics, 'buyonline_producer_source_commit_latency_seconds_count')).toBeGreaterThan(0);
    expect(producerMetrics).toContain('buyonline_producer_source_commit_latency_seconds_bucket{le="0.005"}');
    expect(sampleSum(producerMetrics, 'buyonline_producer_source_records_total')).toBeGreaterThanOrEqual(ROWS);
    expect(sampleSum(producerMetrics, 'buyonline_producer_source_snapshot_read_rows')).toBe(ROWS);
    expect(badHelp(producerMetrics, 'buyonline_producer_')).toEqual([]);
    const consumerMetrics = await metricsOf(consumer);
    expect(sampleSum(consumerMetrics, 'buyonline_consumer_stage_latency_seconds_count')).toBeGreaterThan(0);
    expect(sampleSum(consumerMetrics, 'buyonline_consumer_sink_consumer_lag_messages')).toBe(0);
    expect(sampleSum(consumerMetrics, 'buyonline_consumer_sink_consumed_records_total')).toBeGreaterThanOrEqual(ROWS);
    expect(badHelp(consumerMetrics, 'buyonline_consumer_')).toEqual([]);

    expect(await consumer.terminate()).toBe(0);

    // a batch run (its own group, from the start) ends its progress at the end offsets: plain lines, as under CI=true
    const batch = scenario.consumer('batch', 'batch', { CONSUMER_GROUP: `${scenario.group}-batch`, STAGE_DIR: `${scenario.stageDir}-batch`, CI: 'true' });
    expect(await batch.start().wait()).toBe(0);
    const progress = readFileSync(batch.logFile, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('batch: '));
    expect(progress.at(-1)).toMatch(/^batch: ([\d,]+) \/ \1 records \(100\.0%\)/);
    expect(progress.every((l) => !l.includes('\r'))).toBe(true);
    expect(await producer.terminate()).toBe(0);
  });

  it('status names the URL it asked when nothing answers there', async () => {
    const url = 'http://127.0.0.1:9/status';
    const run = await statusCommand('producer', ['--url', url]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`nothing answers at ${url}`);
  });
});
