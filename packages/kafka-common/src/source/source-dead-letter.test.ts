import { DataError, type SourceRecord } from '@buyonline/connect-api';
import { describe, expect, it } from 'vitest';
import { sourceDeadLetter } from './source-dead-letter.ts';

const sourceRecord = (value: unknown): SourceRecord => ({
  topic: 'shop.public.products',
  sourcePartition: { slot: 's' },
  sourceOffset: { lsn: '0/16B3748' },
  keySchema: {},
  key: { id: 7 },
  valueSchema: {},
  value,
});

describe('sourceDeadLetter', () => {
  it('carries the reason, the topic and the source position, with key, value and position as JSON', () => {
    const message = sourceDeadLetter(sourceRecord({ name: 'x' }), new DataError('c_date out of range'));
    expect(message.headers).toEqual({
      'dlq.error.code': 'DATA_INVALID',
      'dlq.error.message': 'c_date out of range',
      'dlq.topic': 'shop.public.products',
      'dlq.source.position': '{"lsn":"0/16B3748"}',
    });
    expect(message.key).toBe('{"id":7}');
    expect(JSON.parse(String(message.value))).toEqual({ key: { id: 7 }, value: { name: 'x' }, sourceOffset: { lsn: '0/16B3748' } });
  });

  it('keeps only key and position of a value too large to produce', () => {
    const message = sourceDeadLetter(sourceRecord({ blob: 'x'.repeat(1_000_000) }), new DataError('too large'));
    expect(JSON.parse(String(message.value))).toEqual({ key: { id: 7 }, sourceOffset: { lsn: '0/16B3748' }, valueOmitted: true });
  });
});
