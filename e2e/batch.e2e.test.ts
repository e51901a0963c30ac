import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readStage } from './support/stage-files.ts';
import { runWorkload, Scenario } from './support/scenario.ts';

describe('batch run: drain to the end offsets recorded at start, then exit 0', () => {
  const scenario = new Scenario('batch', inject('endpoints'));
  afterAll(() => scenario.cleanup());
  beforeAll(() => scenario.seed(3_000));

  it('drains, flushes, commits, prints a summary and exits 0; a second run picks up only what is new', async () => {
    const producer = scenario.producer().start();
    await scenario.waitUntilKafkaMatchesPostgres();

    const first = scenario.consumer('batch-1', 'batch');
    expect(await first.start().wait()).toBe(0);
    const afterFirst = await scenario.verifyExactlyOnce();
    expect(afterFirst.stageLines).toBe(3_000);

    await runWorkload(scenario.sql, scenario.table, { writers: 2, transactions: 200 });
    await scenario.waitUntilKafkaMatchesPostgres();
    expect(await scenario.consumer('batch-2', 'batch').start().wait()).toBe(0);
    const afterSecond = await scenario.verifyExactlyOnce();
    expect(afterSecond.stageLines).toBeGreaterThan(afterFirst.stageLines);

    // Nothing new: a third batch run writes no file and still exits 0.
    const files = readStage(scenario.stageDir, scenario.topic).files.length;
    expect(await scenario.consumer('batch-3', 'batch').start().wait()).toBe(0);
    expect(readStage(scenario.stageDir, scenario.topic).files.length).toBe(files);
    expect(await producer.terminate()).toBe(0);
  });
});
