import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runReconcile } from './support/reconcile.ts';
import { Scenario, waitFor } from './support/scenario.ts';
import { readStage } from './support/stage-files.ts';

/**
 * `ALTER COLUMN price TYPE numeric(12,3)` while the pipeline runs: PostgreSQL then prints every
 * row with three places, while the stage keeps the two each older row was written with.
 * Before, reconcile reported every older row as differing (`source "2.750" stage "2.75"`).
 */
describe('a numeric scale change while the pipeline runs', () => {
  const scenario = new Scenario('numscale', inject('endpoints'));
  afterAll(() => scenario.cleanup());
  beforeAll(() => scenario.seed(300));

  it('reconcile compares numerics by value: the rows written before the change are equal, a changed value is not', async () => {
    const producer = scenario.producer().start();
    const consumer = scenario.consumer('consumer').start();
    await scenario.waitUntilStageMatchesPostgres();

    await scenario.sql.unsafe(`alter table ${scenario.table} alter column price type numeric(12,3)`);
    await scenario.sql.unsafe(`update ${scenario.table} set price = price + 0.001 where id <= 5`);
    await waitFor('the updates in the stage', () => (readStage(scenario.stageDir, scenario.topic).lines.filter((l) => /\.\d{3}$/.test(l.price)).length >= 5 ? true : undefined));

    const equal = await runReconcile(scenario);
    expect(equal.report?.counts, equal.stdout.slice(-2000) + equal.stderr.slice(-2000)).toEqual({ missing: 0, extra: 0, differing: 0 });
    expect(equal.code).toBe(0);

    // A value that really differs still does: one more thousandth, written while the pipeline is stopped.
    expect(await producer.terminate()).toBe(0);
    expect(await consumer.terminate()).toBe(0);
    await scenario.sql.unsafe(`update ${scenario.table} set price = price + 0.001 where id = 7`);
    const differing = await runReconcile(scenario);
    expect(differing.code).toBe(3);
    expect(differing.report?.differing.map((d) => d.id)).toEqual(['7']);
    expect(differing.report?.differing[0]?.fields).toContain('price');
  });
});
