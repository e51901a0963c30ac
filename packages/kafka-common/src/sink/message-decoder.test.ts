import { ConnectionError, DataError } from '@buyonline/connect-api';
import { noopContext } from '@buyonline/connect-api/testing';
import { describe, expect, it } from 'vitest';
import { MessageDecoder } from './message-decoder.ts';

const m = { topic: 't', partition: 3, offset: 12, key: Buffer.from('key'), value: Buffer.from('value'), timestamp: 1_700_000_000_000 };

/** Decodes "x" to { decoded: "x" }; answers with the failures given first. Knows no schema up front (every call is a lookup). */
function deserializer(failures: Error[] = []) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    deserializeKnown: () => undefined,
    async deserialize(_topic: string, role: 'key' | 'value', payload: Buffer) {
      calls++;
      const failure = failures.shift();
      if (failure) throw failure;
      return { value: { [role]: payload.toString() }, schemaId: role === 'key' ? 1 : 2 };
    },
  };
}

describe('MessageDecoder', () => {
  it('puts the value schema the deserializer knows on the record', async () => {
    const schema = { type: 'record', name: 'V', fields: [] };
    const decoder = new MessageDecoder({ ...deserializer(), schemaOf: (id: number) => (id === 2 ? schema : undefined) }, noopContext().logger);
    const record = await decoder.decode(m, new AbortController().signal);
    expect(record.valueSchema).toBe(schema);
    expect((await decoder.decode({ ...m, value: null }, new AbortController().signal)).valueSchema).toBeUndefined();
  });

  it('decodes key and value, with the coordinates and the value schema id', async () => {
    const decoder = new MessageDecoder(deserializer(), noopContext().logger);
    expect(await decoder.decode(m, new AbortController().signal)).toEqual({
      topic: 't',
      partition: 3,
      offset: '12',
      timestampMs: 1_700_000_000_000,
      key: { key: 'key' },
      value: { value: 'value' },
      schemaId: 2,
    });
  });

  it('decodes a tombstone and a keyless record to nulls', async () => {
    const decoder = new MessageDecoder(deserializer(), noopContext().logger);
    expect(await decoder.decode({ ...m, key: null, value: null, timestamp: undefined }, new AbortController().signal)).toEqual({
      topic: 't',
      partition: 3,
      offset: '12',
      timestampMs: 0,
      key: null,
      value: null,
    });
  });

  it('throws a DataError at once (the caller dead-letters the record)', async () => {
    const source = deserializer([new DataError('not Avro')]);
    const decoder = new MessageDecoder(source, noopContext().logger);
    await expect(decoder.decode(m, new AbortController().signal)).rejects.toThrow('not Avro');
    expect(source.calls).toBe(1);
  });

  it('waits out a registry outage, saying so meanwhile, and decodes the same record afterwards', async () => {
    const source = deserializer([new ConnectionError('registry down')]);
    const decoder = new MessageDecoder(source, noopContext().logger);
    const decoding = decoder.decode(m, new AbortController().signal);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(decoder.waitingOnOutage).toBe(true);
    expect((await decoding).value).toEqual({ value: 'value' });
    expect(decoder.waitingOnOutage).toBe(false);
  });

  it('gives up on an outage once stopped: it tries once more at once, then throws', async () => {
    const stop = new AbortController();
    const decoder = new MessageDecoder(deserializer([new ConnectionError('down'), new ConnectionError('still down')]), noopContext().logger);
    const decoding = decoder.decode(m, stop.signal);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(decoder.waitingOnOutage).toBe(true);
    stop.abort();
    await expect(decoding).rejects.toThrow('still down');
  });
});
