import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type CarriedChange, type CommittedVersion, latestState, type RowFields, versionProblems } from './support/row-versions.ts';
import { Scenario } from './support/scenario.ts';

const f = (name: string, price = '1.00', ts = '2024-01-01T00:00:00.000000Z'): RowFields => ({ name, category: null, price, ts });

/** Synthetic history and changes: the check itself, without services. */
describe('the exactly-once check counts every committed version, not only the latest state', () => {
  // id 1: seeded, then three updates; id 2: inserted, updated, deleted; one TRUNCATE.
  const history: CommittedVersion[] = [
    { seq: 1, id: 1, op: 'c', fields: f('a') },
    { seq: 2, id: 2, op: 'c', fields: f('x') },
    { seq: 3, id: 1, op: 'u', fields: f('a', '2.00') },
    { seq: 4, id: 1, op: 'u', fields: f('a', '3.00') },
    { seq: 5, id: 2, op: 'u', fields: f('y') },
    { seq: 6, id: 1, op: 'u', fields: f('a', '4.00') },
    { seq: 7, id: 2, op: 'd', fields: f('y') },
    { seq: 8, id: null, op: 't', fields: null },
  ];
  let offset = 0;
  const at = (partition: number, op: string, id: number | undefined, fields: RowFields | undefined, lsn: string | null = '0/100'): CarriedChange => ({
    op,
    id,
    fields,
    lsn,
    partition,
    offset: offset++,
  });
  const complete = (): CarriedChange[] => [
    at(0, 'r', 1, f('a'), '0/10'),
    at(1, 'c', 2, f('x'), '0/20'),
    at(0, 'u', 1, f('a', '2.00'), '0/30'),
    at(0, 'u', 1, f('a', '3.00'), '0/40'),
    at(1, 'u', 2, f('y'), '0/50'),
    at(0, 'u', 1, f('a', '4.00'), '0/60'),
    at(1, 'd', 2, f('y'), '0/70'),
    at(0, 't', undefined, undefined, '0/80'),
  ];
  const without = (i: number) => complete().filter((_, j) => j !== i);

  it('passes when every version is there once', () => {
    expect(versionProblems(history, complete(), { everyVersion: true })).toEqual([]);
  });

  it('fails on a lost intermediate update, although the latest state per key is right', () => {
    const lost = without(3); // id 1's update to 3.00
    expect(latestState(lost).get(1)?.fields).toEqual(latestState(complete()).get(1)?.fields);
    expect(versionProblems(history, lost, { everyVersion: true })).toEqual([`id 1 u ${JSON.stringify(f('a', '3.00'))}: committed, never carried`]);
  });

  it('fails on a lost insert, a lost delete, a lost latest update and a lost TRUNCATE', () => {
    expect(versionProblems(history, without(1), { everyVersion: true }).join('\n')).toMatch(/id 2 c .*committed, never carried/);
    expect(versionProblems(history, without(6), { everyVersion: true }).join('\n')).toMatch(/id 2 d .*committed, never carried/);
    expect(versionProblems(history, without(5), { everyVersion: true }).join('\n')).toMatch(/id 1 u .*4\.00.*committed, never carried/);
    expect(versionProblems(history, without(7), { everyVersion: true })).toEqual(['1 TRUNCATE committed, 0 carried (positions none)']);
  });

  it('fails on a duplicated change, a duplicated snapshot read and a change PostgreSQL never committed', () => {
    const changes = complete();
    expect(versionProblems(history, [...changes, { ...(changes[4] as CarriedChange), offset: 99 }], { everyVersion: true }).join('\n')).toMatch(
      /id 2 u .*carried twice/,
    );
    expect(versionProblems(history, [{ ...(changes[0] as CarriedChange), offset: -1 }, ...changes], { everyVersion: true }).join('\n')).toMatch(/read twice/);
    expect(versionProblems(history, [...changes, at(0, 'u', 1, f('a', '9.99'))], { everyVersion: true }).join('\n')).toMatch(/not a version PostgreSQL committed/);
  });

  it('lets a snapshot read stand for the versions committed before it, and nothing else', () => {
    // The snapshot saw id 1 at 3.00: the versions before it were never streamed.
    const resumed = [at(0, 'r', 1, f('a', '3.00'), '0/45'), ...complete().filter((c) => c.id !== 1)];
    expect(versionProblems(history, resumed, { everyVersion: true })).toEqual([`id 1 u ${JSON.stringify(f('a', '4.00'))}: committed, never carried`]);
    expect(versionProblems(history, [...resumed, at(0, 'u', 1, f('a', '4.00'))], { everyVersion: true })).toEqual([]);
  });

  it('polling may skip versions overwritten before a poll, but not carry one twice', () => {
    const polled = without(3);
    expect(versionProblems(history, polled, { everyVersion: false })).toEqual([]);
    expect(versionProblems(history, [...polled, { ...(polled[2] as CarriedChange), offset: 99 }], { everyVersion: false }).join('\n')).toMatch(/carried twice/);
  });

  it('a key change carried as an update of the new key (no delete of the old one) fails', () => {
    const keyChange: CommittedVersion[] = [
      { seq: 1, id: 7, op: 'c', fields: f('p') },
      { seq: 2, id: 7, op: 'd', fields: f('p') },
      { seq: 3, id: 1000, op: 'c', fields: f('p', '1.00', '2024-01-02T00:00:00.000000Z') },
    ];
    const asUpdate = [at(0, 'r', 7, f('p')), at(1, 'u', 1000, f('p', '1.00', '2024-01-02T00:00:00.000000Z'))];
    const problems = versionProblems(keyChange, asUpdate, { everyVersion: true }).join('\n');
    expect(problems).toMatch(/id 7 d .*committed, never carried/);
    expect(problems).toMatch(/id 1000 u .*not a version PostgreSQL committed/);
    const asDeleteAndCreate = [at(0, 'r', 7, f('p')), at(0, 'd', 7, f('p')), at(1, 'c', 1000, f('p', '1.00', '2024-01-02T00:00:00.000000Z'))];
    expect(versionProblems(keyChange, asDeleteAndCreate, { everyVersion: true })).toEqual([]);
  });

  it('a TRUNCATE removes the keys written before it, by source position, not those written after', () => {
    const state = latestState([at(0, 'r', 1, f('a'), '0/10'), at(2, 'c', 5, f('b'), '0/90'), at(1, 't', undefined, undefined, '0/80'), at(2, 'c', 3, f('c'), '0/20')]);
    expect([...state.keys()]).toEqual([5]);
  });
});

/** The same check on a real run: an update PostgreSQL committed but never decoded for the slot. */
describe('the exactly-once check on a real run with one intermediate update missing', () => {
  const scenario = new Scenario('versions', inject('endpoints'));
  afterAll(() => scenario.cleanup());
  beforeAll(() => scenario.seed(20));

  it('passes on the whole run, then fails once one committed update was left out of the publication', async () => {
    const producer = scenario.producer().start();
    const consumer = scenario.consumer('consumer').start();
    for (const price of [10, 11, 12]) await scenario.sql.unsafe(`update ${scenario.table} set price = $1 where id = 3`, [price]);
    await scenario.waitUntilStageMatchesPostgres();
    await scenario.waitUntilStageHoldsKafka();
    expect((await scenario.verifyExactlyOnce()).versions).toBe(23);

    // Decoded while the table is not published, this update never reaches the slot's reader:
    // Kafka and the stage agree with each other and hold the latest state, but one committed
    // version is gone. The latest-state check passes; the version check must not.
    await scenario.sql.unsafe(`alter publication "${scenario.slot}" drop table ${scenario.table}`);
    await scenario.sql.unsafe(`update ${scenario.table} set price = 13 where id = 3`);
    await scenario.sql.unsafe(`alter publication "${scenario.slot}" add table ${scenario.table}`);
    await scenario.sql.unsafe(`update ${scenario.table} set price = 14 where id = 3`);
    await scenario.waitUntilStageMatchesPostgres();
    await scenario.waitUntilStageHoldsKafka();
    await expect(scenario.verifyExactlyOnce()).rejects.toThrow(/id 3 u \{[^}]*"price":"13\.00"[^}]*\}: committed, never carried/);
    expect(await producer.terminate()).toBe(0);
    expect(await consumer.terminate()).toBe(0);
  });
});
