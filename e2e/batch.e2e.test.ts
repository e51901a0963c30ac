import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AppProcess } from './support/app-process.ts';
import { createTopics, deleteTopics } from './support/kafka-topic.ts';
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

describe('batch run over topics that never held a record (end offset 0)', () => {
  const scenario = new Scenario('batch_empty', inject('endpoints'));
  const empty = [`e2e.${scenario.id}.empty-a`, `e2e.${scenario.id}.empty-b`];
  beforeAll(() => createTopics(scenario.endpoints.brokers, empty));
  afterAll(async () => {
    await deleteTopics(scenario.endpoints.brokers, empty);
    await scenario.cleanup();
  });

  // Before, both runs waited for a position on partitions with nothing to read and never ended.
  it('ends with exit 0 and writes nothing, named alone or matched by TOPIC_REGEX', async () => {
    expect(await scenario.consumer('batch-empty-named', 'batch', { TOPIC: empty[0] ?? '' }).start().wait(30_000)).toBe(0);
    const pattern = `^e2e\\.${scenario.id}\\.empty-.*`;
    const { TOPIC: _named, ...settings } = scenario.consumerEnv(scenario.endpoints, scenario.stageDir);
    const byPattern = new AppProcess('consumer', 'batch-empty-regex', { ...settings, TOPIC_REGEX: pattern }, ['batch'], scenario.logDir);
    expect(await byPattern.start().wait(30_000)).toBe(0);
    for (const topic of empty) expect(readStage(scenario.stageDir, topic).files).toEqual([]);
  });
});
