import { type CdcError, ConnectionError, DataError, type SinkRecord, type Transform, type TransformRecord } from '@buyonline/connect-api';
import { noopContext } from '@buyonline/connect-api/testing';
import { describe, expect, it } from 'vitest';
import { PartitionTracker } from './partition-tracker.ts';
import { RecordDelivery } from './record-delivery.ts';
import { type ConsumedMessage, SinkDeadLetterReporter } from './sink-dead-letter.ts';

const TOPIC = 'shop.public.products';
const tracker = () => {
  const t = new PartitionTracker();
  t.assign([{ topic: TOPIC, partition: 0 }], []);
  return t;
};
const everythingDurable = <T>(consumed: readonly T[]) => [...consumed];

/** A message whose value is JSON (the fake decoder's wire format); "poison" cannot be decoded. */
const message = (offset: number, value: object | 'poison'): ConsumedMessage => ({
  topic: TOPIC,
  partition: 0,
  offset,
  key: Buffer.from(String(offset)),
  value: Buffer.from(value === 'poison' ? value : JSON.stringify(value)),
  timestamp: 1_000 + offset,
});

const decodeJson = (m: ConsumedMessage): SinkRecord => {
  const text = String(m.value);
  if (text === 'poison') throw new DataError('value is not in the Confluent Avro wire format');
  return { topic: m.topic, partition: m.partition, offset: String(m.offset), timestampMs: m.timestamp ?? 0, key: String(m.key), value: JSON.parse(text) };
};
/** Knows its "schemas" from the start: records take the synchronous path; poison falls back to `decode`, which dead-letters it. */
const decoder = {
  decodeKnown: decodeJson,
  async decode(m: ConsumedMessage): Promise<SinkRecord> {
    return decodeJson(m);
  },
};

const transform = (apply: (record: TransformRecord) => TransformRecord | null): Transform => ({
  apply: <R extends TransformRecord>(record: R) => apply(record) as R | null,
});
const dropDeletes = transform((r) => ((r.value as { op: string }).op === 'd' ? null : r));
const maskEmail = transform((r) => ({ ...r, value: { ...(r.value as object), email: '***' } }));

function fixture(transforms: Transform[] = []) {
  const put: SinkRecord[][] = [];
  const dead: { offset: number; err: CdcError }[] = [];
  const t = tracker();
  const delivery = new RecordDelivery({
    task: { put: async (records) => void put.push([...records]) },
    tracker: t,
    decoder,
    deadLetters: { report: async (m, err) => void dead.push({ offset: m.offset, err }) },
    transforms,
    metrics: noopContext().metrics,
  });
  return { put, dead, tracker: t, delivery, signal: new AbortController().signal };
}

describe('RecordDelivery', () => {
  it('puts the decoded records in one batch and counts every one of them consumed', async () => {
    const f = fixture();
    await f.delivery.deliver([message(0, { op: 'c', id: 1 }), message(1, { op: 'u', id: 1 })], f.signal);
    expect(f.put).toEqual([
      [
        { topic: TOPIC, partition: 0, offset: '0', timestampMs: 1_000, key: '0', value: { op: 'c', id: 1 } },
        { topic: TOPIC, partition: 0, offset: '1', timestampMs: 1_001, key: '1', value: { op: 'u', id: 1 } },
      ],
    ]);
    expect(f.delivery.records).toBe(2);
    expect(f.tracker.toCommit(everythingDurable)).toEqual([{ topic: TOPIC, partition: 0, offset: 2 }]);
  });

  it('applies the transforms in order before put', async () => {
    const f = fixture([maskEmail, transform((r) => ({ ...r, value: { ...(r.value as object), seen: (r.value as { email: string }).email } }))]);
    await f.delivery.deliver([message(0, { op: 'c', email: 'a@b.c' })], f.signal);
    expect(f.put[0]?.map((r) => r.value)).toEqual([{ op: 'c', email: '***', seen: '***' }]);
  });

  it('a record a transform drops is not put, but its offset commits', async () => {
    const f = fixture([dropDeletes]);
    await f.delivery.deliver([message(0, { op: 'c' }), message(1, { op: 'd' }), message(2, { op: 'u' })], f.signal);
    expect(f.put[0]?.map((r) => r.offset)).toEqual(['0', '2']);
    expect(f.delivery.filtered).toBe(1);
    expect(f.dead).toEqual([]);
    // A batch made only of dropped records puts nothing, and still moves the committable offset on.
    await f.delivery.deliver([message(3, { op: 'd' })], f.signal);
    expect(f.put).toHaveLength(1);
    expect(f.tracker.toCommit(everythingDurable)).toEqual([{ topic: TOPIC, partition: 0, offset: 4 }]);
  });

  it('a record whose transform throws goes to the dead-letter topic with the reason, and the batch goes on', async () => {
    const boom = transform((r) => {
      if ((r.value as { id: number }).id === 2) throw new TypeError('cannot read email of undefined');
      return r;
    });
    const f = fixture([boom]);
    await f.delivery.deliver([message(0, { id: 1 }), message(1, { id: 2 }), message(2, { id: 3 })], f.signal);
    expect(f.put[0]?.map((r) => r.offset)).toEqual(['0', '2']);
    expect(f.dead).toHaveLength(1);
    expect(f.dead[0]?.offset).toBe(1);
    expect(f.dead[0]?.err).toBeInstanceOf(DataError);
    expect(f.dead[0]?.err.message).toBe('transform failed: cannot read email of undefined');
    expect(f.tracker.toCommit(everythingDurable)).toEqual([{ topic: TOPIC, partition: 0, offset: 3 }]);
  });

  it("keeps a transform's own DataError as the reason", async () => {
    const refuse = new DataError('column price is negative');
    const f = fixture([
      transform(() => {
        throw refuse;
      }),
    ]);
    await f.delivery.deliver([message(0, { id: 1 })], f.signal);
    expect(f.dead).toEqual([{ offset: 0, err: refuse }]);
  });

  it('dead-letters a record a transform moved to another topic (its offset commits where it was read)', async () => {
    const f = fixture([transform((r) => ({ ...r, topic: 'elsewhere' }))]);
    await f.delivery.deliver([message(0, { id: 1 })], f.signal);
    expect(f.put).toEqual([]);
    expect(f.dead[0]?.err.message).toMatch(/moved the record from shop\.public\.products\[0\]@0 to elsewhere\[0\]@0/);
  });

  it('a transform failure reaches the dead-letter topic like a poison record: original bytes, reason and coordinates', async () => {
    const sent: { topic: string; messages: { key?: unknown; value: unknown; headers?: unknown }[] }[] = [];
    const ctx = noopContext();
    const reporter = new SinkDeadLetterReporter(
      {
        send: async (record) => {
          sent.push(record);
          return [];
        },
      },
      'sink-dlq',
      'sink-group',
      ctx.logger,
      ctx.metrics,
    );
    const t = tracker();
    const delivery = new RecordDelivery({
      task: { put: async () => undefined },
      tracker: t,
      decoder,
      deadLetters: reporter,
      transforms: [
        transform(() => {
          throw new Error('boom');
        }),
      ],
      metrics: ctx.metrics,
    });
    await delivery.deliver([message(5, { id: 1 }), message(6, 'poison')], new AbortController().signal);
    expect(sent.map((s) => s.topic)).toEqual(['sink-dlq', 'sink-dlq']);
    const [transformFailed, poison] = sent.map((s) => s.messages[0]);
    expect(transformFailed?.value).toEqual(Buffer.from('{"id":1}'));
    expect(transformFailed?.headers).toEqual({
      'dlq.error.code': 'DATA_INVALID',
      'dlq.error.message': 'transform failed: boom',
      'dlq.topic': TOPIC,
      'dlq.partition': '0',
      'dlq.offset': '5',
      'dlq.group': 'sink-group',
    });
    expect(poison?.headers).toMatchObject({ 'dlq.error.message': 'value is not in the Confluent Avro wire format', 'dlq.offset': '6' });
    expect(reporter.deadLettered).toBe(2);
  });

  it('a poison record goes to the dead-letter topic without reaching the transforms, and is consumed', async () => {
    let applied = 0;
    const f = fixture([
      transform((r) => {
        applied++;
        return r;
      }),
    ]);
    await f.delivery.deliver([message(0, 'poison'), message(1, { id: 1 })], f.signal);
    expect(f.dead.map((d) => d.offset)).toEqual([0]);
    expect(applied).toBe(1);
    expect(f.tracker.toCommit(everythingDurable)).toEqual([{ topic: TOPIC, partition: 0, offset: 2 }]);
  });

  it('stops on a failure that is not the record\'s fault, without counting the record consumed', async () => {
    const t = tracker();
    const delivery = new RecordDelivery({
      task: { put: async () => undefined },
      tracker: t,
      decoder: {
        decodeKnown: () => undefined,
        decode: async () => {
          throw new ConnectionError('schema registry unavailable');
        },
      },
      deadLetters: { report: async () => undefined },
      transforms: [],
      metrics: noopContext().metrics,
    });
    await expect(delivery.deliver([message(0, { id: 1 })], new AbortController().signal)).rejects.toThrow(ConnectionError);
    expect(t.consumedOffsets()).toEqual([]);
  });

  it('skips messages of partitions no longer ours and before a recovered start', async () => {
    const f = fixture();
    f.tracker.assign([{ topic: TOPIC, partition: 0 }], [{ topic: TOPIC, partition: 0, offset: '10' }]);
    await f.delivery.deliver([message(9, { id: 1 }), message(10, { id: 2 }), { ...message(3, { id: 3 }), partition: 1 }], f.signal);
    expect(f.put[0]?.map((r) => r.offset)).toEqual(['10']);
  });
});
