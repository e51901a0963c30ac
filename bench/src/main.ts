// The benchmark of issue 11, in one run on the native stack, on one table and one WAL: the
// pipeline's figures (snapshot, streaming flat out, latency at a steady rate, Kafka → stage,
// memory) beside the machine's limits (COPY, pg_recvlogical, a bare consume and a bare
// transactional produce loop), each as a ratio, against the targets; with
// --with-debezium, beside Debezium on Kafka Connect too, on the same table and WAL.
//   node bench/dist/main.js [flags]   (bash bench/run.sh [flags] builds first; --help lists the flags)
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { type ConnectWorker, startWorker, stopWorker } from './debezium/connect-worker.ts';
import { connectorConfig, parseConfigOverrides } from './debezium/connector-config.ts';
import { DebeziumRun } from './debezium/debezium-run.ts';
import { parseFlags } from './flags.ts';
import { bareConsume, bestBareConsume } from './limits/bare-consume.ts';
import { bareProduce } from './limits/bare-produce.ts';
import { copyLimit } from './limits/copy.ts';
import { pgRecvlogicalLimit } from './limits/pg-recvlogical.ts';
import { appNodeOptions, consumerEnv, producerEnv } from './pipeline/app-env.ts';
import { latencyFigure, snapshotFigure, splitPhases, streamingFigure } from './pipeline/phase-figures.ts';
import { RecordCounter } from './pipeline/record-counter.ts';
import { stageBatch } from './pipeline/stage-batch.ts';
import { flatOut, paced, UpdatePlan } from './pipeline/update-load.ts';
import { CpuHog } from './process/cpu-hog.ts';
import { NodeApp, runApp, stopRunningApps } from './process/node-app.ts';
import { renderChart } from './report/chart.ts';
import { compareWithDebezium } from './report/debezium-comparison.ts';
import type { DebeziumFigures } from './report/debezium-figures.ts';
import { gitCommit, machineInfo } from './report/machine.ts';
import { renderProfileSummary, summarizeProfileFile } from './report/profile-summary.ts';
import { type BenchResult, buildMeasures, type LimitFigures, type PipelineFigures } from './report/result.ts';
import { debeziumTable, measuresTable, runHeader } from './report/table.ts';
import { endpoints } from './setup/endpoints.ts';
import { benchNames } from './setup/names.ts';
import { createTopics, dropEverything } from './setup/scratch.ts';

const { workload, outDir: resultsDir } = parseFlags(process.argv.slice(2));
const env = endpoints();
const names = benchNames();
const profileDir = workload.profile ? join(resultsDir, `profiles-${new Date().toISOString().replaceAll(':', '-').slice(0, 19)}`) : undefined;
const sql = postgres(env.PG_URL, { max: workload.writers + 1, onnotice: () => undefined });
const began = Date.now();
let counter: RecordCounter | undefined;
let hog: CpuHog | undefined;
let stageDir: string | undefined;
let debezium: DebeziumRun | undefined;
let worker: Promise<ConnectWorker> | undefined;
const workerEnv = { ...process.env, ...env };

function log(message: string): void {
  process.stdout.write(`[bench +${((Date.now() - began) / 1000).toFixed(1)} s] ${message}\n`);
}

const perSec = (n: number) => `${Math.round(n).toLocaleString('en-US')} rows/s`;

async function measure(): Promise<BenchResult> {
  const { rows, flatUpdates, pacedUpdates, rate, txRows, writers, skipLimits } = workload;
  const total = rows + flatUpdates + pacedUpdates;
  const loadAtStart = loadavg();
  const [version] = await sql<{ server_version: string }[]>`show server_version`;
  const problems: string[] = [];

  // the Connect worker starts (~20 s) while the table is seeded
  const debeziumConfig = workload.withDebezium ? connectorConfig(env.PG_URL, names, parseConfigOverrides(process.env.DEBEZIUM_CONFIG)) : undefined;
  if (debeziumConfig) {
    worker = startWorker(workerEnv);
    worker.catch(() => undefined); // awaited below
  }
  log(`${names.id}: seeding ${rows} rows into ${names.table}`);
  await runApp('producer', ['seed', '--rows', String(rows)], { env: producerEnv(env, names) });
  await createTopics(env.KAFKA_BROKERS, names);
  const copy = skipLimits ? null : await copyLimit(env.PG_URL, names.table);
  if (copy) log(`limit COPY TO STDOUT: ${copy.rows} rows in ${copy.seconds.toFixed(2)} s, ${perSec(copy.rowsPerSec)} (best of ${copy.attempts.map(perSec).join(', ')})`);

  counter = await RecordCounter.start(env.KAFKA_BROKERS, names.dataTopic, names.counterGroup);
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const producer = new NodeApp('producer', ['run'], { env: producerEnv(env, names), profileDir });
  await counter.reach(rows, 'snapshot');
  const snapshotEnd = counter.offsets();
  log(`snapshot: ${rows} records in Kafka after ${((Date.now() - producer.startedAt) / 1000).toFixed(1)} s`);
  if (worker && debeziumConfig) {
    debezium = await DebeziumRun.start(await worker, env, names, debeziumConfig);
    await debezium.reach(rows, 'snapshot');
    debezium.mark();
    log(`debezium snapshot: ${rows} records in Kafka after ${((Date.now() - debezium.startedAt) / 1000).toFixed(1)} s`);
  }

  // the decoding slots start where the flat-out updates do; pg_recvlogical decodes them after
  if (!skipLimits) for (const slot of names.decodeSlots) await sql`select pg_create_logical_replication_slot(${slot}, 'pgoutput')`;
  const plan = new UpdatePlan(names.table, rows, txRows);
  const flatLoad = await flatOut(sql, plan, flatUpdates, writers);
  const [end] = await sql<{ lsn: string }[]>`select pg_current_wal_lsn()::text as lsn`;
  log(`flat out: ${flatUpdates} rows committed in ${flatLoad.seconds.toFixed(1)} s (${perSec(flatLoad.rowsPerSec)}) by ${writers} writers`);
  await counter.reach(rows + flatUpdates, 'flat-out updates');
  const flatEnd = counter.offsets();
  log(`flat out: all in Kafka ${((Date.now() - flatLoad.startedAt) / 1000).toFixed(1)} s after the load started`);
  if (debezium) {
    await debezium.reach(rows + flatUpdates, 'flat-out updates');
    debezium.mark();
    log(`debezium flat out: all in Kafka ${((Date.now() - flatLoad.startedAt) / 1000).toFixed(1)} s after the load started`);
  }
  let pgRecvlogical = null;
  if (!skipLimits) {
    pgRecvlogical = await pgRecvlogicalLimit(sql, env.PG_URL, names.decodeSlots, names.publication, end?.lsn as string, flatUpdates);
    log(`limit pg_recvlogical (pgoutput): ${flatUpdates} rows in ${pgRecvlogical.seconds.toFixed(2)} s, ${perSec(pgRecvlogical.rowsPerSec)} (best of ${pgRecvlogical.attempts.map(perSec).join(', ')})`);
  }

  hog = workload.cpuHog ? new CpuHog() : undefined;
  const pacedLoad = await paced(sql, plan, pacedUpdates, rate, flatLoad.transactions);
  log(`paced: ${pacedUpdates} rows in ${pacedLoad.seconds.toFixed(1)} s (${perSec(pacedLoad.rowsPerSec)}; at most ${pacedLoad.lateMs.toFixed(0)} ms behind schedule)`);
  await counter.reach(total, 'paced updates');
  await debezium?.reach(total, 'paced updates');
  if (hog) {
    log(`cpu hog: ${hog.cpuSeconds()?.toFixed(1) ?? '?'} CPU seconds beside the paced load`);
    hog.stop();
    hog = undefined;
  }
  const producerExit = await producer.stop();
  if (producerExit.code !== 0) problems.push(`producer exited with ${producerExit.code ?? producerExit.signal}`);
  await counter.stop();
  let debeziumFigures: DebeziumFigures | undefined;
  if (debezium) {
    // read, then the worker stopped: the consumer batch and the limits after run without it
    debeziumFigures = await debezium.finish(env.SCHEMA_REGISTRY_URL, env.KAFKA_BROKERS, { flatStartedAt: flatLoad.startedAt });
    await stopWorker(workerEnv);
    worker = undefined;
    log(`debezium ${debeziumFigures.version}: topic read, worker stopped (peak RSS ${debeziumFigures.rss.peakMb} MB)`);
  }

  stageDir = mkdtempSync(join(tmpdir(), `${names.id}-stage-`));
  const stage = await stageBatch(consumerEnv(env, names, stageDir), profileDir);
  log(`consumer batch: ${stage.records} records in ${stage.seconds.toFixed(1)} s, ${perSec(stage.rowsPerSec)}`);
  if (stage.records !== counter.count) problems.push(`consumer batch wrote ${stage.records} records, the topic has ${counter.count}`);

  // skipping the limits, the topic is still read once: the figures come from its records
  const { limit: consumeLimit, records } = skipLimits
    ? await bareConsume(env.KAFKA_BROKERS, names.dataTopic, names.bareGroups[0] as string, counter.count)
    : await bestBareConsume(env.KAFKA_BROKERS, names.dataTopic, names.bareGroups, counter.count);
  if (!skipLimits) log(`limit bare consume: ${records.length} records in ${consumeLimit.seconds.toFixed(1)} s, ${perSec(consumeLimit.rowsPerSec)} (best of ${(consumeLimit.attempts ?? []).map(perSec).join(', ')})`);
  const produceLimit = skipLimits ? null : await bareProduce(env.KAFKA_BROKERS, names.scratchTopic, `${names.id}-bare`, records, 1000);
  if (produceLimit) log(`limit bare transactional produce: ${produceLimit.records} records in ${produceLimit.seconds.toFixed(1)} s, ${perSec(produceLimit.rowsPerSec)}`);

  const split = await splitPhases(records, { snapshotEnd, flatEnd }, env.SCHEMA_REGISTRY_URL, names.dataTopic);
  const expected = { snapshot: { r: rows }, flat: { u: flatUpdates }, paced: { u: pacedUpdates } };
  for (const [phase, ops] of Object.entries(expected)) {
    const found = split.ops[phase as keyof typeof split.ops];
    if (JSON.stringify(found) !== JSON.stringify(ops)) problems.push(`${phase}: expected ${JSON.stringify(ops)}, found ${JSON.stringify(found)}`);
    const theirs = debeziumFigures?.ops[phase as keyof typeof split.ops];
    if (debeziumFigures && JSON.stringify(theirs) !== JSON.stringify(ops)) problems.push(`debezium ${phase}: expected ${JSON.stringify(ops)}, found ${JSON.stringify(theirs)}`);
  }
  const pipeline: PipelineFigures = {
    snapshot: snapshotFigure(split.records.snapshot, producer.startedAt),
    flatLoad,
    streaming: streamingFigure(split.records.flat, flatLoad.startedAt),
    pacedLoad,
    latency: latencyFigure(split, (p, o) => counter?.readTime(p, o)),
    stage,
    rss: { producer: producerExit.rss, consumer: stage.rss },
  };
  const limits: LimitFigures = { copy, pgRecvlogical, bareConsume: skipLimits ? null : consumeLimit, bareProduce: produceLimit };
  const measures = buildMeasures(pipeline, limits, workload.cpuHog === true);
  return {
    date: new Date(began).toISOString(),
    commit: gitCommit(),
    machine: machineInfo(version?.server_version ?? 'unknown', loadAtStart),
    workload,
    appNodeOptions: appNodeOptions(),
    pipeline,
    limits,
    checks: { ops: split.ops, problems },
    measures,
    ...(debeziumFigures ? { debezium: debeziumFigures, comparison: compareWithDebezium(pipeline, debeziumFigures, measures) } : {}),
  };
}

function profileSummaries(result: BenchResult): string {
  if (!profileDir) return '';
  const files = readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'));
  const summaries = files.map((f) => summarizeProfileFile(join(profileDir, f)));
  // the JSON keeps the head of each; the full summaries are printed and beside the profiles
  result.profiles = summaries.map((s) => ({ ...s, top: s.top.slice(0, 10), packages: s.packages.slice(0, 10) }));
  const text = summaries.map(renderProfileSummary).join('\n\n');
  writeFileSync(join(profileDir, 'summary.txt'), `${text}\n`);
  return `\nCPU profiles (${profileDir}):\n\n${text}\n`;
}

let cleaned: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  cleaned ??= (async () => {
    hog?.stop();
    await counter?.stop().catch(() => undefined);
    await debezium?.stop().catch((err: Error) => process.stderr.write(`cleanup: debezium connector: ${err.message}\n`));
    if (worker) await stopWorker(workerEnv).catch((err: Error) => process.stderr.write(`cleanup: Connect worker: ${err.message}\n`));
    await stopRunningApps();
    const problems = await dropEverything(sql, env, names);
    for (const p of problems) process.stderr.write(`cleanup: ${p}\n`);
    if (stageDir) rmSync(stageDir, { recursive: true, force: true });
    await sql.end({ timeout: 5 });
  })();
  return cleaned;
}

// a closed pipe on our output (… | head) must not stop the cleanup
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`${signal}: cleaning up ${names.id}\n`);
    void cleanUp().finally(() => process.exit(130));
  });
}

try {
  const result = await measure();
  const profiles = profileSummaries(result);
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, 'last-run.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(resultsDir, 'chart.svg'), renderChart(result));
  const versusDebezium = result.comparison ? `\n${debeziumTable(result)}\n` : '';
  process.stdout.write(`\n${runHeader(result)}\n\n${measuresTable(result)}\n${versusDebezium}${profiles}`);
  for (const p of result.checks.problems) process.stdout.write(`check failed: ${p}\n`);
  process.stdout.write(`\nresults: ${join(resultsDir, 'last-run.json')}, ${join(resultsDir, 'chart.svg')}\n`);
  await cleanUp();
  process.exit(result.checks.problems.length > 0 ? 1 : 0);
} catch (err) {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  await cleanUp();
  process.exit(1);
}
