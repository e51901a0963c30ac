import { type SourceRecord, silentLogger } from '@buyonline/connect-api';
import avro from 'avsc';
import { afterEach, describe, expect, it } from 'vitest';
import { AvroProducerSerde } from '../serde/avro-producer-serde.ts';
import { createRegistryClient } from '../serde/registry-client.ts';
import { closeRegistries, registeringRegistry, registry, schema } from '../serde/registry-fakes.test-support.ts';
import { BatchPreparer } from './source-batch.ts';

afterEach(closeRegistries);

const partition = { table: 'public.things' };
const thing = avro.Type.forSchema(schema as avro.Schema);

function record(id: unknown, extra: Partial<SourceRecord> = {}): SourceRecord {
  return { topic: 't', sourcePartition: partition, sourceOffset: { lsn: `0/${id}` }, keySchema: null, key: null, valueSchema: schema, value: { id }, ...extra };
}

async function preparer() {
  const handle = registeringRegistry();
  let requests = 0;
  const fake = await registry((req, body, res) => {
    requests++;
    handle(req, body, res);
  });
  const serde = new AvroProducerSerde(createRegistryClient(fake.url));
  return { preparer: new BatchPreparer({ connector: 'c', serde, transforms: [], maxRecordBytes: 1000, log: silentLogger }), requests: () => requests };
}

describe('BatchPreparer: records → Kafka messages', () => {
  it('registers a schema on its first record only, encodes every record in order, and dead-letters what cannot be encoded', async () => {
    const { preparer: p, requests } = await preparer();
    const first = await p.prepare([record(1, { timestampMs: 1_700_000_000_123, headers: { h: 'v' }, inTransaction: true }), record('not a long', { inTransaction: true }), record(3)]);
    const registryCalls = requests();
    const second = await p.prepare([record(4), record(5, { positionOnly: true })]);

    expect(registryCalls).toBeGreaterThan(0);
    expect(requests()).toBe(registryCalls); // the second batch encodes with the registered schema
    const messages = first.byTopic.get('t') ?? [];
    expect(messages.map((m) => thing.fromBuffer((m.value as Buffer).subarray(5)))).toEqual([{ id: 1 }, { id: 3 }]);
    expect(messages.map((m) => [(m.value as Buffer)[0], (m.value as Buffer).readInt32BE(1), m.key])).toEqual([
      [0, 1, null],
      [0, 1, null],
    ]);
    expect(messages[0]?.timestamp).toBe('1700000000123');
    expect(messages[0]?.headers).toEqual({ h: 'v' });
    expect(first.sent).toBe(2);
    expect(first.deadLetters).toHaveLength(1);
    expect(String(first.deadLetters[0]?.value)).toContain('not a long');
    expect([...first.positions.values()]).toEqual([JSON.stringify({ lsn: '0/3' })]);
    expect((second.byTopic.get('t') ?? []).map((m) => thing.fromBuffer((m.value as Buffer).subarray(5)))).toEqual([{ id: 4 }]);
    expect([...second.positions.values()]).toEqual([JSON.stringify({ lsn: '0/5' })]);
  });

  it('dead-letters a record larger than the largest Kafka takes', async () => {
    const wide = { type: 'record', name: 'Wide', fields: [{ name: 's', type: 'string' }] };
    const { preparer: p } = await preparer();
    const batch = await p.prepare([record(0, { valueSchema: wide, value: { s: 'x'.repeat(2000) } })]);
    expect(batch.sent).toBe(0);
    expect(batch.byTopic.size).toBe(0);
    expect(batch.deadLetters).toHaveLength(1);
  });
});
