import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readStage } from './support/stage-files.ts';
import { runWorkload, Scenario, sleep, waitFor } from './support/scenario.ts';

describe.each(['logical', 'polling'] as const)('kill -9 of the producer and of a consumer mid-run, then restarts (%s capture)', (mode) => {
  const scenario = new Scenario(`crash_${mode}`, inject('endpoints'), mode);
  afterAll(() => scenario.cleanup());
  beforeAll(() => scenario.seed(5_000));

  it('leaves no gap and no duplicate, in Kafka or in the stage', async () => {
    let producer = scenario.producer('producer-1').start();
    const steady = scenario.consumer('consumer-a').start();
    let victim = scenario.consumer('consumer-b', 'stream', { FLUSH_RECORDS: '97' }).start();
    const workload = new AbortController();
    const writes = runWorkload(scenario.sql, scenario.table, { writers: 3, transactions: 100_000, signal: workload.signal });

    // Let files land, then kill the producer in the middle of its work.
    await waitFor('first stage files', () => (readStage(scenario.stageDir, scenario.topic).files.length > 2 ? true : undefined));
    await producer.kill9();
    await sleep(1_000);
    producer = scenario.producer('producer-2').start();

    await sleep(3_000);
    await victim.kill9();
    await sleep(1_000);
    victim = scenario.consumer('consumer-b2', 'stream', { FLUSH_RECORDS: '97' }).start();

    await sleep(3_000);
    await producer.kill9();
    producer = scenario.producer('producer-3').start();

    await sleep(2_000);
    workload.abort();
    const transactions = await writes;
    expect(transactions).toBeGreaterThan(0);

    await scenario.waitUntilStageMatchesPostgres();
    const report = await scenario.verifyExactlyOnce();
    process.stdout.write(`[e2e] crash ${mode}: ${transactions} transactions, ${JSON.stringify(report)}\n`);
    expect(report.pgRows).toBeGreaterThanOrEqual(5_000);

    expect(await producer.terminate()).toBe(0);
    expect(await steady.terminate()).toBe(0);
    expect(await victim.terminate()).toBe(0);
    expect((await scenario.verifyExactlyOnce()).stageLines).toBe(report.stageLines);
  });
});
