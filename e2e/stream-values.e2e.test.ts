import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readTopic } from './support/kafka-topic.ts';
import { Scenario, waitFor } from './support/scenario.ts';
import { readStage } from './support/stage-files.ts';

const endpoints = inject('endpoints');

/**
 * The reported table: arrays and geometric values read by the snapshot arrived exactly, but
 * streamed they arrived empty, were lost (the driver's array parser threw) or dead-lettered
 * (a point became an object). The same data written before and after the snapshot must give
 * the same stage line.
 */
describe('streamed arrays and geometric values arrive as the snapshot reads them', () => {
  const scenario = new Scenario('streamvals', endpoints);
  const hosts = `"${scenario.schema}".hosts`;
  afterAll(() => scenario.cleanup());

  const rows = (shift: number) => [
    `(${1 + shift}, '{10.0.0.1,10.0.0.2}', '(1,2)', '{1 day,"2 hours 3 minutes"}', '{ab,c}', '{(1,1),(0,0);(3,3),(2,2)}')`,
    `(${2 + shift}, '{10.0.0.1}', '(-1.5,2e10)', '{-1 year}', '{xyz}', '{}')`,
    `(${3 + shift}, '{10.0.0.1,NULL,::1/128}', null, '{1 day,NULL,P1Y2M}', '{" a",NULL,"b,c"}', null)`,
    `(${4 + shift}, '{{10.0.0.1,10.0.0.2},{10.0.0.3,NULL}}', '(0,-0)', '[0:1]={P1D,PT1S}', '{}', '{(1,1),(0,0)}')`,
  ];

  beforeAll(async () => {
    await scenario.sql.unsafe(`create schema "${scenario.schema}"`);
    await scenario.sql.unsafe(`create table ${hosts} (id int primary key, ips inet[], pts point, ivs interval[], ch char(3)[], boxes box[])`);
    await scenario.sql.unsafe(`insert into ${hosts} values ${rows(0).join(', ')}`);
  });

  it('gives the same stage line for the same data, snapshotted or streamed, and dead-letters nothing', async () => {
    const producer = scenario.producer('producer', { PG_TABLE: `${scenario.schema}.hosts` }).start();
    const consumer = scenario.consumer('consumer').start();
    await waitFor('the snapshot in the stage', () => (readStage(scenario.stageDir, scenario.topic).lines.length >= 4 ? true : undefined), 120_000);
    // one row per transaction: a row the stream failed on could not hide behind another
    for (const row of rows(100)) await scenario.sql.unsafe(`insert into ${hosts} values ${row}`);
    const lines = await waitFor(
      'the streamed rows in the stage',
      () => {
        const all = readStage(scenario.stageDir, scenario.topic).lines as unknown as Record<string, unknown>[];
        return all.length >= 8 ? new Map(all.map((l) => [l.id as number, l])) : undefined;
      },
      120_000,
    );
    const columns = ['ips', 'pts', 'ivs', 'ch', 'boxes'];
    const pick = (line: Record<string, unknown> | undefined) => Object.fromEntries(columns.map((c) => [c, line?.[c]]));
    expect(pick(lines.get(1))).toEqual({ ips: ['10.0.0.1', '10.0.0.2'], pts: '(1,2)', ivs: ['P1D', 'PT2H3M'], ch: ['ab ', 'c  '], boxes: ['(1,1),(0,0)', '(3,3),(2,2)'] });
    expect(pick(lines.get(4))).toEqual({ ips: '{{10.0.0.1,10.0.0.2},{10.0.0.3,NULL}}', pts: '(0,-0)', ivs: '[0:1]={P1D,PT1S}', ch: [], boxes: ['(1,1),(0,0)'] });
    for (const id of [1, 2, 3, 4]) {
      expect(lines.get(id)?.__op, `row ${id}`).toBe('r');
      expect(lines.get(id + 100)?.__op, `row ${id + 100}`).toBe('c');
      expect(pick(lines.get(id + 100)), `row ${id + 100} streamed = row ${id} snapshotted`).toEqual(pick(lines.get(id)));
    }
    const dead = await readTopic(endpoints.brokers, `${scenario.topic}.source-dlq`).catch(() => []);
    expect(dead).toEqual([]);
    expect(await producer.terminate()).toBe(0);
    expect(await consumer.terminate()).toBe(0);
  });
});
