import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readTopic } from './support/kafka-topic.ts';
import { runReconcile } from './support/reconcile.ts';
import { Scenario, waitFor } from './support/scenario.ts';
import { readStage } from './support/stage-files.ts';

const endpoints = inject('endpoints');

const q = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * The names of issue 17: a quoted schema and table with quotes, spaces and dots, columns Avro
 * refuses, and columns named like the stage lines' metadata, through PostgreSQL → Kafka →
 * stage → reconcile.
 */
describe('every name PostgreSQL accepts, through the whole pipeline', () => {
  const scenario = new Scenario('names', endpoints);
  const schema = `${scenario.schema}_Quoted_" . Schema`;
  const table = 'Quoted_" . Table';
  const target = `${q(schema)}.${q(table)}`;
  // What Kafka accepts: "  " and the space as _uXXXX, the dot kept.
  const topic = `e2e.${scenario.schema}_Quoted__u0022_u0020._u0020Schema.Quoted__u0022_u0020._u0020Table`;
  const env = { PG_TABLE: target, TOPIC: '{prefix}.{schema}.{table}', TOPIC_PREFIX: 'e2e' };

  afterAll(async () => {
    await scenario.sql.unsafe(`drop schema if exists ${q(schema)} cascade`).catch(() => undefined);
    await scenario.cleanup();
  });

  beforeAll(async () => {
    await scenario.sql.unsafe(`create schema ${q(schema)}`);
    await scenario.sql.unsafe(`
      create table ${target} (
        "p:k" int primary key, "col,2" text, "123starts_with_digit" int,
        "__op" text, "__deleted" boolean, "__source" text, "__proto__" text, "__kafka" text, "__processed_at" int, "constructor" text)`);
    await scenario.sql.unsafe(`alter table ${target} replica identity full`);
    await scenario.sql.unsafe(`insert into ${target} select g, 'c' || g, g, 'op ' || g, g % 2 = 0, 'src ' || g, 'proto ' || g, 'kafka ' || g, g, 'ctor ' || g from generate_series(1, 3) g`);
  });

  it('captures them, stages each column under its original name (one more _ before a leading __), and reconcile finds them equal', async () => {
    const producer = scenario.producer('producer', env).start();
    const consumer = scenario.consumer('consumer', 'stream', { TOPIC: topic }).start();
    await waitFor('the snapshot in the stage', () => (readStage(scenario.stageDir, topic).lines.length >= 3 ? true : undefined), 120_000);
    // While streaming: an insert, an update of columns named like metadata, a delete.
    await scenario.sql.unsafe(`insert into ${target} values (4, 'c,4', 4, 'op 4', true, 'src 4', 'proto 4', 'kafka 4', 4, 'ctor 4')`);
    await scenario.sql.unsafe(`update ${target} set "__op" = 'changed', "__proto__" = 'proto changed', "__deleted" = true where "p:k" = 1`);
    await scenario.sql.unsafe(`delete from ${target} where "p:k" = 2`);

    const latest = await waitFor(
      'the stage to hold every change',
      () => {
        const lines = readStage(scenario.stageDir, topic).lines as unknown as Record<string, unknown>[];
        return lines.length >= 6 ? lines : undefined;
      },
      120_000,
    );
    const byKey = new Map<unknown, Record<string, unknown>>();
    for (const line of latest.sort((a, b) => (a.__kafka as { offset: number }).offset - (b.__kafka as { offset: number }).offset)) byKey.set(line['p:k'], line);
    const updated = byKey.get(1) as Record<string, unknown>;
    const { __source, __kafka, __processed_at, file: _file, ...row } = updated;
    expect(row).toEqual({
      'p:k': 1,
      'col,2': 'c1',
      '123starts_with_digit': 1,
      ___op: 'changed',
      ___deleted: true,
      ___source: 'src 1',
      ___proto__: 'proto changed',
      ___kafka: 'kafka 1',
      ___processed_at: 1,
      constructor: 'ctor 1',
      __op: 'u',
      __deleted: false,
    });
    expect(__source).toMatchObject({ schema, table });
    expect(__kafka).toMatchObject({ topic, key: { 'p:k': 1 } });
    expect(__processed_at).not.toBeNull(); // the envelope's processing time, not the column's 1
    expect(__processed_at).not.toBe(1);
    expect(byKey.get(2)).toMatchObject({ 'p:k': 2, ___op: 'op 2', __op: 'd', __deleted: true });
    expect(byKey.get(4)).toMatchObject({ 'col,2': 'c,4', ___proto__: 'proto 4', __op: 'c' });

    // The registry holds the Avro names, each with the PostgreSQL name where it differs.
    const subject = await fetch(`${endpoints.registryUrl}/subjects/${topic}-value/versions/latest`).then((r) => r.json() as Promise<{ schema: string }>);
    expect(subject.schema).toMatch(/\{"name":"p_u003ak",[^}]*"buyonline\.pg\.name":"p:k"\}/);
    expect(subject.schema).toMatch(/\{"name":"_u005f_proto__",[^}]*"buyonline\.pg\.name":"__proto__"\}/);

    const reconciled = await runReconcile(scenario, { PG_TABLE: target, TOPIC: topic });
    expect(reconciled.report, reconciled.stderr).toMatchObject({ equal: true, counts: { missing: 0, extra: 0, differing: 0 } });
    expect(reconciled.code).toBe(0);
    expect(reconciled.stdout).toContain('"notCarried":{}'); // every column found in the lines, none taken as absent

    expect(await producer.terminate()).toBe(0);
    expect(await consumer.terminate()).toBe(0);
  });

  it('refuses at start, naming both, two columns that would share an Avro name, producing nothing', async () => {
    const clash = `${q(schema)}.clash`;
    await scenario.sql.unsafe(`create table ${clash} (id int primary key, "a:b" text, "a_u003ab" text)`);
    await scenario.sql.unsafe(`insert into ${clash} values (1, 'x', 'y')`);
    const producer = scenario.producer('producer-clash', { ...env, PG_TABLE: clash, SLOT_NAME: `${scenario.slot}_clash`, PUBLICATION_NAME: `${scenario.slot}_clash` }).start();
    expect(await producer.wait(60_000)).toBe(2);
    expect(readFileSync(producer.logFile, 'utf8')).toMatch(/columns of [^\n]*clash: "a:b" and "a_u003ab" would have the same name/);
    const clashTopic = `e2e.${scenario.schema}_Quoted__u0022_u0020._u0020Schema.clash`;
    expect(await readTopic(endpoints.brokers, clashTopic).catch(() => [])).toEqual([]);
    await scenario.sql`select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = ${`${scenario.slot}_clash`} and not active`;
    await scenario.sql.unsafe(`drop publication if exists "${scenario.slot}_clash"`);
  });
});
