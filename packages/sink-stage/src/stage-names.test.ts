import { describe, expect, it } from 'vitest';
import { stageName } from './index.ts';
import { ORIGINAL_NAME, originalName, stageKey, stageNamesOf } from './stage-names.ts';

describe('stage names', () => {
  it('are the original names, with one more _ before a leading __: one-to-one, never a metadata key or __proto__', () => {
    const originals = ['id', '_x', '__op', '___op', '__proto__', '__', '_', 'p:k', '', '__kafka', '____'];
    const names = originals.map(stageName);
    expect(names).toEqual(['id', '_x', '___op', '____op', '___proto__', '___', '_', 'p:k', '', '___kafka', '_____']);
    expect(new Set(names).size).toBe(originals.length);
    for (const meta of ['__op', '__deleted', '__source', '__processed_at', '__unchanged_toast', '__kafka', '__proto__']) expect(names).not.toContain(meta);
  });

  it('take a field’s original name from buyonline.pg.name', () => {
    expect(originalName({ name: 'p_u003ak', [ORIGINAL_NAME]: 'p:k' })).toBe('p:k');
    expect(originalName({ name: 'id' })).toBe('id');
  });

  it('are computed once per schema, and none is listed when no field is renamed', () => {
    const plain = { type: 'record', name: 'V', fields: [{ name: 'id', type: 'int' }] };
    expect(stageNamesOf(plain)?.size).toBe(0);
    expect(stageNamesOf(undefined)).toBeNull();
    const odd = { type: 'record', name: 'V', fields: [{ name: 'p_u003ak', type: 'int', [ORIGINAL_NAME]: 'p:k' }, { name: '__op', type: 'string' }] };
    expect(stageNamesOf(odd)).toEqual(new Map([['p_u003ak', 'p:k'], ['__op', '___op']]));
    expect(stageNamesOf(odd)).toBe(stageNamesOf(odd));
    const key = { id: 1 };
    expect(stageKey(key, stageNamesOf(odd))).toBe(key);
    expect(stageKey({ p_u003ak: 1 }, stageNamesOf(odd))).toEqual({ 'p:k': 1 });
  });
});
