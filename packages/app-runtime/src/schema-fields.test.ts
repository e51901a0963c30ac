import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { configKeys, fieldInfo, fieldSchema, formatPath, unknownKeys } from './schema-fields.ts';
import { pgLikeSchema } from './test-fixtures.ts';

describe('schema fields', () => {
  it('lists the keys of a refined object and of every branch of a union', () => {
    expect(configKeys(pgLikeSchema)).toEqual(['mode', 'url', 'tables', 'tableRegex', 'topicTemplate', 'slot', 'batchSize', 'columns']);
    const union = z.preprocess((v) => v, z.discriminatedUnion('stage', [z.object({ stage: z.literal('local'), dir: z.string() }), z.object({ stage: z.literal('cloud'), account: z.string(), dir: z.string() })]));
    expect(configKeys(union)).toEqual(['stage', 'dir', 'account']);
    expect(configKeys(z.string())).toEqual([]);
  });

  it('reads description, default, whether required and whether a list, through preprocess and default wrappers', () => {
    expect(fieldInfo(fieldSchema(pgLikeSchema, 'tables'))).toEqual({ description: 'Captured tables, <schema>.<table>.', defaultValue: [], required: false, list: true });
    expect(fieldInfo(fieldSchema(pgLikeSchema, 'slot'))).toEqual({ description: 'Replication slot.', defaultValue: 'buyonline_cdc', required: false, list: false });
    expect(fieldInfo(fieldSchema(pgLikeSchema, 'url'))).toMatchObject({ description: 'Connection URL; a secret.', required: true, list: false });
    expect(fieldInfo(fieldSchema(pgLikeSchema, 'tableRegex'))).toMatchObject({ required: false, defaultValue: undefined });
    expect(fieldInfo(undefined)).toEqual({ description: undefined, defaultValue: undefined, required: true, list: false });
  });

  it('finds keys a schema does not declare, in nested objects, arrays and the chosen branch of a discriminated union', () => {
    expect(unknownKeys(pgLikeSchema, { url: 'x', colour: 1, columns: [{ name: 'a', type: 'int' }, { name: 'b', typ: 'int' }] })).toEqual([['colour'], ['columns', 1, 'typ']]);
    const union = z.discriminatedUnion('stage', [z.object({ stage: z.literal('local').default('local'), dir: z.string() }), z.object({ stage: z.literal('cloud'), account: z.string() })]);
    expect(unknownKeys(union, { stage: 'cloud', account: 'a', dir: '/x' })).toEqual([['dir']]);
    expect(unknownKeys(union, { dir: '/x', account: 'a' })).toEqual([['account']]);
    expect(unknownKeys(union, { stage: 'other', anything: 1 })).toEqual([]);
    expect(unknownKeys(z.looseObject({ a: z.string() }), { a: 'x', b: 1 })).toEqual([]);
    expect(unknownKeys(z.object({ m: z.record(z.string(), z.string()) }), { m: { any: 'x' } })).toEqual([]);
    expect(unknownKeys(z.object({ a: z.string() }).strict(), { b: 1 })).toEqual([['b']]);
  });

  it('formats a path as a pipeline file reads', () => {
    expect(formatPath(['tables', 2])).toBe('tables[2]');
    expect(formatPath(['columns', 0, 'name'])).toBe('columns[0].name');
    expect(formatPath([])).toBe('');
  });
});
