import { ConfigError, DataError, type Transform, type TransformRecord } from '@buyonline/connect-api';
import { describe, expect, it } from 'vitest';
import { applyTransforms, transformFailure } from './transform-chain.ts';

const record: TransformRecord = { topic: 't', key: { id: 1 }, value: { op: 'c' } };
const retopic: Transform = { apply: (r) => ({ ...r, topic: `${r.topic}.x` }) };
const drop: Transform = { apply: () => null };

describe('applyTransforms', () => {
  it('applies the transforms in order and stops at the first that drops the record', () => {
    expect(applyTransforms([retopic, retopic], record)?.topic).toBe('t.x.x');
    let after = 0;
    const count: Transform = {
      apply: (r) => {
        after++;
        return r;
      },
    };
    expect(applyTransforms([retopic, drop, count], record)).toBeNull();
    expect(after).toBe(0);
    expect(applyTransforms([], record)).toBe(record);
  });
});

describe('transformFailure', () => {
  it('dead-letters a bad record, with an unexpected error as its reason', () => {
    const own = new DataError('bad value');
    expect(transformFailure(own)).toBe(own);
    const reason = transformFailure(new TypeError('x is undefined'));
    expect(reason).toBeInstanceOf(DataError);
    expect(reason.message).toBe('transform failed: x is undefined');
  });

  it('rethrows a pipeline error: a misconfigured transform stops the worker instead of dead-lettering every record', () => {
    expect(() => transformFailure(new ConfigError('rename: two columns named b'))).toThrow(ConfigError);
  });
});
