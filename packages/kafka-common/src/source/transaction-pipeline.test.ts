import type { KafkaJS } from '@confluentinc/kafka-javascript';
import { describe, expect, it } from 'vitest';
import type { PreparedBatch } from './source-batch.ts';
import { pipelineTransactionalIds } from './producer-settings.ts';
import { TransactionPipeline } from './transaction-pipeline.ts';

/** A promise and the functions that settle it. */
function deferred<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Two fake transactional producers: every send, commit and abort is logged as `<producer>:<what>`;
 * deliveries and commits stay pending until the test settles them.
 */
function fakeProducers() {
  const log: string[] = [];
  const deliveries: { name: string; settle: ReturnType<typeof deferred<KafkaJS.RecordMetadata[]>> }[] = [];
  const commits: { name: string; settle: ReturnType<typeof deferred<void>> }[] = [];
  const producer = (name: string) =>
    ({
      connect: async () => void log.push(`${name}:connect`),
      disconnect: async () => undefined,
      transaction: async () => ({
        send: ({ topic }: { topic: string }) => {
          log.push(`${name}:send ${topic}`);
          const settle = deferred<KafkaJS.RecordMetadata[]>();
          deliveries.push({ name, settle });
          return settle.promise;
        },
        commit: () => {
          log.push(`${name}:commit`);
          const settle = deferred<void>();
          commits.push({ name, settle });
          return settle.promise;
        },
        abort: async () => void log.push(`${name}:abort`),
      }),
    }) as unknown as KafkaJS.Producer;
  return { log, deliveries, commits, producers: [producer('A'), producer('B')] as const };
}

const batch = (topic: string): PreparedBatch => ({
  byTopic: new Map([[topic, [{ key: null, value: Buffer.from('x') }]]]),
  deadLetters: [],
  positions: new Map([['k', topic]]),
  sent: 1,
  filtered: 0,
});
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
const delivered = (fake: ReturnType<typeof fakeProducers>) => {
  for (const d of fake.deliveries.splice(0)) d.settle.resolve([]);
};

describe('TransactionPipeline', () => {
  it('produces the next transaction while the previous one commits, and commits them in order', async () => {
    const fake = fakeProducers();
    const pipeline = new TransactionPipeline(fake.producers, () => 0);
    await pipeline.connect();
    const committed: string[] = [];
    await pipeline.add(batch('t1'), 'dlq');
    pipeline.close('offsets', async () => void committed.push('first'));
    // The second transaction waits until every record and position of the first is delivered…
    const adding = pipeline.add(batch('t2'), 'dlq');
    await tick();
    expect(fake.log).toEqual(['A:connect', 'B:connect', 'A:send t1', 'A:send offsets']);
    delivered(fake);
    await adding;
    await tick();
    // …and is produced on the other producer while the first commits.
    expect(fake.log.slice(4)).toEqual(['A:commit', 'B:send t2']);
    pipeline.close('offsets', async () => void committed.push('second'));
    delivered(fake);
    await tick();
    // The second's commit waits for the first's.
    expect(fake.commits.map((c) => c.name)).toEqual(['A']);
    fake.commits[0]?.settle.resolve();
    await tick();
    expect(committed).toEqual(['first']);
    expect(fake.commits.map((c) => c.name)).toEqual(['A', 'B']);
    fake.commits[1]?.settle.resolve();
    await pipeline.drain();
    expect(committed).toEqual(['first', 'second']);
    expect(pipeline.busy).toBe(false);
  });

  it('a failed commit fails the pipeline, and the transaction after it is aborted, never committed', async () => {
    const fake = fakeProducers();
    const pipeline = new TransactionPipeline(fake.producers, () => 0);
    await pipeline.connect();
    const committed: string[] = [];
    await pipeline.add(batch('t1'), 'dlq');
    pipeline.close('offsets', async () => void committed.push('first'));
    delivered(fake);
    await pipeline.add(batch('t2'), 'dlq');
    pipeline.close('offsets', async () => void committed.push('second'));
    delivered(fake);
    await tick();
    fake.commits[0]?.settle.reject(Object.assign(new Error('coordinator gone'), { code: 51 }));
    await expect(pipeline.drain()).rejects.toThrow(/coordinator gone/);
    expect(() => pipeline.throwIfFailed()).toThrow(/coordinator gone/);
    await pipeline.abort();
    expect(committed).toEqual([]);
    expect(fake.log.filter((l) => l.endsWith('commit'))).toEqual(['A:commit']);
    expect(fake.log.filter((l) => l.endsWith('abort')).sort()).toEqual(['A:abort', 'B:abort']);
  });

  it('a producer begins its next transaction only after its previous one committed', async () => {
    const fake = fakeProducers();
    const pipeline = new TransactionPipeline(fake.producers, () => 0);
    await pipeline.connect();
    for (const topic of ['t1', 't2']) {
      await pipeline.add(batch(topic), 'dlq');
      pipeline.close('offsets', async () => undefined);
      delivered(fake);
    }
    const third = pipeline.add(batch('t3'), 'dlq'); // producer A again: its first transaction is still committing
    await tick();
    expect(fake.log).not.toContain('A:send t3');
    fake.commits[0]?.settle.resolve();
    await third;
    expect(fake.log).toContain('A:send t3');
  });

  it('uses the connector id for the first producer and a derived one for the second', () => {
    expect(pipelineTransactionalIds('products-source')).toEqual(['products-source', 'products-source.1']);
  });
});
