import { describe, expect, it } from 'vitest';
import { changeEnvelopeSchema, ENVELOPE_FIELDS, hasSource, isChangeValue, STAGE_METADATA } from './index.ts';

describe('the change envelope', () => {
  it('names the Avro envelope\'s fields (the shared part; before, after and unchanged_toast are added per table)', () => {
    const shared = changeEnvelopeSchema.fields.map((f) => f.name);
    expect(shared).toEqual([ENVELOPE_FIELDS.op, ENVELOPE_FIELDS.source, ENVELOPE_FIELDS.tsUs]);
    expect(changeEnvelopeSchema.doc).toContain(`\`${ENVELOPE_FIELDS.before}\``);
    expect(changeEnvelopeSchema.doc).toContain(`\`${ENVELOPE_FIELDS.unchangedToast}\``);
  });

  it('tells an envelope from a row: op, before and after; the source block checked apart', () => {
    const source = { connector: 'postgres-logical', db: 'd', schema: 's', table: 't' };
    expect(isChangeValue({ op: 'c', before: null, after: { id: 1 }, source })).toBe(true);
    expect(isChangeValue({ op: 't', before: null, after: null, source, ts_us: '2026-01-01T00:00:00.000000Z' })).toBe(true);
    expect(isChangeValue({ id: 1, op: 'c' })).toBe(false);
    expect(isChangeValue({ op: 1, before: null, after: {}, source })).toBe(false);
    expect(hasSource({ op: 'c', before: null, after: {}, source })).toBe(true);
    expect(hasSource({ op: 'c', before: null, after: {}, source: null })).toBe(false);
    expect(hasSource({ op: 'c', before: null, after: {} })).toBe(false);
    expect(isChangeValue(null)).toBe(false);
    expect(isChangeValue('c')).toBe(false);
  });

  it('keeps every stage-line metadata key in the reserved `__` namespace', () => {
    for (const key of Object.values(STAGE_METADATA)) expect(key).toMatch(/^__[a-z_]+$/);
  });
});
