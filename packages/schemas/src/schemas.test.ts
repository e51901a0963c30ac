import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { changeEnvelopeSchema } from './index.ts';

describe('the change envelope Avro schema', () => {
  it('is valid Avro, with the operations and timestamps as timestamp-micros', () => {
    const type = avro.Type.forSchema(changeEnvelopeSchema as unknown as avro.Schema, { wrapUnions: false });
    expect(type.name).toBe('io.buyonline.cdc.ChangeEnvelope');
    expect(changeEnvelopeSchema.fields.map((f) => f.name)).toEqual(['op', 'source', 'ts_us']);
    expect(changeEnvelopeSchema.fields[0].type.symbols).toEqual(['c', 'u', 'd', 'r', 't']);
    const source = changeEnvelopeSchema.fields[1].type;
    expect(source.fields.map((f) => f.name)).toEqual(['connector', 'db', 'schema', 'table', 'position', 'txid', 'lsn', 'snapshot', 'ts_us']);
    expect(JSON.stringify(changeEnvelopeSchema)).toContain('"logicalType":"timestamp-micros"');
  });

  it('round-trips a polled change (no LSN) and a logical one', () => {
    const type = avro.Type.forSchema(changeEnvelopeSchema as unknown as avro.Schema, { wrapUnions: false });
    const source = { connector: 'postgres-polling', db: 'd', schema: 's', table: 't', position: '{}', txid: 7, lsn: null, snapshot: false, ts_us: 1 };
    const polled = { op: 'c', source, ts_us: 2 };
    expect(type.fromBuffer(type.toBuffer(polled))).toEqual(polled);
    const logical = { op: 'd', source: { ...source, connector: 'postgres-logical', lsn: '0/16B3748' }, ts_us: 3 };
    expect(type.fromBuffer(type.toBuffer(logical))).toEqual(logical);
  });
});
