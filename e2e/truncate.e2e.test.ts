import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runReconcile } from './support/reconcile.ts';
import { readStage } from './support/stage-files.ts';
import { latestByKey, Scenario, waitFor } from './support/scenario.ts';

describe('TRUNCATE and a primary-key change reach the stage (log-based capture)', () => {
  const scenario = new Scenario('truncate', inject('endpoints'));
  afterAll(() => scenario.cleanup());
  beforeAll(() => scenario.seed(50));

  it('leaves no key alive in the stage that PostgreSQL no longer has; reconcile agrees', async () => {
    const producer = scenario.producer().start();
    const consumer = scenario.consumer('consumer').start();
    await scenario.waitUntilStageMatchesPostgres();

    await scenario.sql.unsafe(`update ${scenario.table} set id = 1000 where id = 7`);
    await scenario.sql.unsafe(`truncate ${scenario.table}`);
    const inserted = await scenario.sql.unsafe<{ id: number }[]>(
      `insert into ${scenario.table} (name, category, price) select 'after truncate ' || g, 'new', g from generate_series(1, 5) g returning id::int as id`,
    );
    // The inserts come last: once they are in the stage with everything Kafka holds, so is all before them.
    await waitFor('the five inserts in the stage', () => {
      const ids = new Set(readStage(scenario.stageDir, scenario.topic).lines.map((l) => l.id));
      return inserted.every((r) => ids.has(r.id)) ? true : undefined;
    });
    await scenario.waitUntilStageHoldsKafka();

    const pgIds = (await scenario.pgRows()).map((r) => r.id);
    expect(pgIds).toEqual(inserted.map((r) => r.id));
    const alive = [...latestByKey(readStage(scenario.stageDir, scenario.topic).lines).keys()].sort((a, b) => a - b);
    expect.soft(alive).toEqual(pgIds);
    const reconcile = await runReconcile(scenario);
    expect(reconcile.code, reconcile.stdout.slice(-2000) + reconcile.stderr.slice(-2000)).toBe(0);
    await scenario.verifyExactlyOnce();

    expect(await producer.terminate()).toBe(0);
    expect(await consumer.terminate()).toBe(0);
  });
});
