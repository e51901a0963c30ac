import { DataError } from '@buyonline/connect-api';
import { noopContext } from '@buyonline/connect-api/testing';
import { describe, expect, it } from 'vitest';
import { SinkDeadLetterReporter, sinkDeadLetter } from './sink-dead-letter.ts';

const consumed = { topic: 'shop.public.products', partition: 2, offset: 41, key: Buffer.from('k'), value: Buffer.from('not avro') };

describe('sinkDeadLetter', () => {
  it('carries the reason, the topic, partition, offset and group, with the original bytes', () => {
    const message = sinkDeadLetter(consumed, new DataError('not in the Confluent Avro wire format'), 'sink-group');
    expect(message.headers).toEqual({
      'dlq.error.code': 'DATA_INVALID',
      'dlq.error.message': 'not in the Confluent Avro wire format',
      'dlq.topic': 'shop.public.products',
      'dlq.partition': '2',
      'dlq.offset': '41',
      'dlq.group': 'sink-group',
    });
    expect(message.key).toEqual(Buffer.from('k'));
    expect(message.value).toEqual(Buffer.from('not avro'));
  });

  it('turns a string key into bytes, and a missing key or value into null', () => {
    expect(sinkDeadLetter({ ...consumed, key: 'k2' }, new DataError('x'), 'g').key).toEqual(Buffer.from('k2'));
    const bare = sinkDeadLetter({ topic: 't', partition: 0, offset: 0, value: null }, new DataError('x'), 'g');
    expect(bare.key).toBeNull();
    expect(bare.value).toBeNull();
  });
});

describe('SinkDeadLetterReporter', () => {
  it('sends each poison record to the dead-letter topic at once and counts it by reason', async () => {
    const sent: { topic: string; messages: unknown[] }[] = [];
    const counted: unknown[] = [];
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
      { ...ctx.metrics, count: (name, value, labels) => counted.push([name, value, labels]) },
    );
    await reporter.report(consumed, new DataError('bad'));
    expect(sent).toEqual([{ topic: 'sink-dlq', messages: [sinkDeadLetter(consumed, new DataError('bad'), 'sink-group')] }]);
    expect(reporter.deadLettered).toBe(1);
    expect(counted).toEqual([['sink_dead_letter_total', 1, { reason: 'DATA_INVALID' }]]);
  });
});
