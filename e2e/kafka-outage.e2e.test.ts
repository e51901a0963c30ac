import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { repoRoot } from './support/native-stack.ts';
import { readStage } from './support/stage-files.ts';
import { runWorkload, Scenario, sleep, waitFor } from './support/scenario.ts';

const endpoints = inject('endpoints');
const kafkaPidFile = join(repoRoot, '.stack', 'run', 'kafka.pid');

// Kills the broker the whole suite shares: only on the native stack, where this test owns the broker's
// process (the e2e files run one at a time); the container path runs the main scenario only.
describe.runIf(endpoints.provider === 'native')('the Kafka broker dies mid-stream and comes back', () => {
  const scenario = new Scenario('kafka_outage', endpoints);
  afterAll(() => scenario.cleanup());
  beforeAll(() => scenario.seed(2_000));

  it('the producer waits it out in process (no exit), resumes from the positions in Kafka, and nothing is lost or doubled', async () => {
    const producer = scenario.producer('producer', { HEALTH_STALL_MS: '5000', KAFKA_TRANSACTION_TIMEOUT_MS: '30000' }).start();
    const consumer = scenario.consumer('consumer').start();
    const workload = new AbortController();
    const writes = runWorkload(scenario.sql, scenario.table, { writers: 2, transactions: 100_000, signal: workload.signal });
    await waitFor('first stage files', () => (readStage(scenario.stageDir, scenario.topic).files.length > 1 ? true : undefined), 120_000);

    const pid = Number(readFileSync(kafkaPidFile, 'utf8').trim());
    process.kill(pid, 'SIGKILL');
    const statuses = new Set<string>();
    // Longer than librdkafka waits for a delivery (message.timeout.ms counts from the send): the transaction fails and must be retried in process.
    for (let i = 0; i < 70; i++) {
      await sleep(1_000);
      const status = (await producer.health())?.status;
      if (status) statuses.add(status);
    }
    expect(producer.running).toBe(true);
    execFileSync('bash', [join(repoRoot, 'tooling', 'stack', 'stack.sh'), 'up'], { stdio: ['ignore', 'inherit', 'inherit'] });

    await sleep(5_000);
    workload.abort();
    expect(await writes).toBeGreaterThan(0);
    await scenario.waitUntilStageMatchesPostgres();
    const report = await scenario.verifyExactlyOnce();
    process.stdout.write(`[e2e] kafka outage: health while down ${[...statuses].join(', ')}; ${JSON.stringify(report)}\n`);
    // While the broker was gone, the producer did not claim to be healthy.
    expect([...statuses].some((s) => s !== 'ok')).toBe(true);
    expect((await producer.health())?.status).toBe('ok');
    expect(producer.running).toBe(true);
    expect(await producer.terminate()).toBe(0);
    expect(await consumer.terminate()).toBe(0);
  }, 600_000);
});
