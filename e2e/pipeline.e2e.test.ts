import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runWorkload, Scenario } from './support/scenario.ts';

describe.each(['logical', 'polling'] as const)('streaming pipeline (%s capture): initial load, live changes, a group of three consumers', (mode) => {
  const scenario = new Scenario(`stream_${mode}`, inject('endpoints'), mode);
  afterAll(() => scenario.cleanup());
  beforeAll(() => scenario.seed(10_000));

  it('lands every row version in the stage exactly once, equal to PostgreSQL', async () => {
    const started = Date.now();
    const producer = scenario.producer().start();
    const consumers = [1, 2, 3].map((n) => scenario.consumer(`consumer-${n}`).start());

    const committed = await runWorkload(scenario.sql, scenario.table, { writers: 4, transactions: 1500 });
    expect(committed).toBeGreaterThanOrEqual(1500);
    await scenario.waitUntilStageMatchesPostgres();
    const report = await scenario.verifyExactlyOnce();
    process.stdout.write(`[e2e] stream ${mode}: ${JSON.stringify(report)} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    expect(report.pgRows).toBeGreaterThanOrEqual(10_000);
    expect(report.kafkaRecords).toBeGreaterThan(report.pgRows);

    // Clean shutdown: SIGTERM drains, flushes, commits and exits 0.
    expect(await producer.terminate()).toBe(0);
    for (const c of consumers) expect(await c.terminate()).toBe(0);
    const afterShutdown = await scenario.verifyExactlyOnce();
    expect(afterShutdown.stageLines).toBe(report.stageLines);
  });
});
