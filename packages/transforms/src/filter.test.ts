import type { Transform } from '@buyonline/connect-api';
import { describe, expect, it } from 'vitest';
import { filterTransform } from './filter.ts';
import { asSinkRecord, change, configProblem, customerRow, make, recordingContext, tombstone } from './testing/fixtures.ts';

const insert = (overrides = {}) => change('c', null, customerRow(overrides));
const passes = (filter: Transform, record = insert()) => filter.apply(record) !== null;
const where = (condition: unknown) => make(filterTransform, { where: condition });

describe('filter: ops', () => {
  it('keeps only the listed operations, the record itself unchanged', () => {
    const filter = make(filterTransform, { ops: ['c', 'u'] });
    const record = insert();
    expect(filter.apply(record)).toBe(record);
    expect(passes(filter, change('u', customerRow(), customerRow()))).toBe(true);
    expect(passes(filter, change('d', customerRow(), null))).toBe(false);
    expect(passes(filter, change('r', null, customerRow()))).toBe(false);
    expect(passes(filter, change('t', null, null))).toBe(false);
  });

  it('drops the matching records with action: drop', () => {
    const filter = make(filterTransform, { ops: ['d'], action: 'drop' });
    expect(passes(filter, change('d', customerRow(), null))).toBe(false);
    expect(passes(filter, insert())).toBe(true);
  });
});

describe('filter: conditions', () => {
  it('compares text as text', () => {
    expect(passes(where({ column: 'status', operator: 'eq', value: 'active' }))).toBe(true);
    expect(passes(where({ column: 'status', operator: 'ne', value: 'active' }))).toBe(false);
    expect(passes(where({ column: 'status', operator: 'in', value: ['closed', 'active'] }))).toBe(true);
    expect(passes(where({ column: 'status', operator: 'notIn', value: ['closed', 'active'] }))).toBe(false);
    expect(passes(where({ column: 'email', operator: 'matches', value: '@example\\.com$' }))).toBe(true);
    expect(passes(where({ column: 'name', operator: 'gt', value: 'Ada' }))).toBe(true);
    expect(passes(where({ column: 'name', operator: 'lt', value: 'Ada' }))).toBe(false);
    // A number written as text compares as text: '7' is not the integer 7.
    expect(passes(where({ column: 'id', operator: 'eq', value: '7' }))).toBe(false);
  });

  it('compares numbers numerically, decimal strings exactly', () => {
    expect(passes(where({ column: 'id', operator: 'eq', value: 7 }))).toBe(true);
    expect(passes(where({ column: 'id', operator: 'gte', value: 7 }))).toBe(true);
    expect(passes(where({ column: 'id', operator: 'gt', value: 7 }))).toBe(false);
    expect(passes(where({ column: 'balance', operator: 'eq', value: 1234.5 }))).toBe(true);
    expect(passes(where({ column: 'balance', operator: 'gt', value: 1234.49 }))).toBe(true);
    expect(passes(where({ column: 'balance', operator: 'lte', value: -1 }))).toBe(false);
    expect(passes(where({ column: 'balance', operator: 'in', value: [1, 1234.5] }))).toBe(true);
    // Beyond a double's precision: a float comparison would call these equal.
    const big = insert({ balance: '100000000000000000000.01' });
    expect(passes(where({ column: 'balance', operator: 'gt', value: 100000000000000000000 }), big)).toBe(true);
    expect(passes(where({ column: 'balance', operator: 'eq', value: 100000000000000000000 }), big)).toBe(false);
    expect(passes(where({ column: 'balance', operator: 'lt', value: 0 }), insert({ balance: '-0.01' }))).toBe(true);
    expect(passes(where({ column: 'balance', operator: 'eq', value: 0 }), insert({ balance: '-0.00' }))).toBe(true);
    // Microseconds since the epoch, as the source carries timestamps.
    expect(passes(where({ column: 'created_at', operator: 'gt', value: 1_764_000_000_000_000 }))).toBe(true);
  });

  it('never orders a null or a value of another type', () => {
    expect(passes(where({ column: 'notes', operator: 'lt', value: 'z' }))).toBe(false);
    expect(passes(where({ column: 'notes', operator: 'gte', value: 0 }))).toBe(false);
    expect(passes(where({ column: 'status', operator: 'gt', value: 0 }))).toBe(false);
    expect(passes(where({ column: 'notes', operator: 'isNull' }))).toBe(true);
    expect(passes(where({ column: 'email', operator: 'isNotNull' }))).toBe(true);
    expect(passes(where({ column: 'notes', operator: 'eq', value: null }))).toBe(true);
    expect(passes(where({ column: 'notes', operator: 'ne', value: 'x' }))).toBe(true);
  });

  it('combines conditions with all, any and not', () => {
    const vipActive = where({
      all: [
        { column: 'status', operator: 'eq', value: 'active' },
        { any: [{ column: 'balance', operator: 'gt', value: 10000 }, { not: { column: 'email', operator: 'matches', value: '@example\\.com$' } }] },
      ],
    });
    expect(passes(vipActive)).toBe(false);
    expect(passes(vipActive, insert({ balance: '10000.01' }))).toBe(true);
    expect(passes(vipActive, insert({ email: 'ada@bank.test' }))).toBe(true);
    expect(passes(vipActive, insert({ email: 'ada@bank.test', status: 'closed' }))).toBe(false);
  });

  it('reads the current row by default (before for a delete), or the row asked for', () => {
    const big = { column: 'balance', operator: 'gt', value: 1000 };
    const deleted = change('d', customerRow(), null);
    expect(passes(where(big), deleted)).toBe(true);
    expect(passes(where({ ...big, row: 'after' }), deleted)).toBe(false);
    expect(passes(where({ column: 'balance', row: 'after', operator: 'isNull' }), deleted)).toBe(true);
    const grew = change('u', customerRow({ balance: '10.00' }), customerRow());
    expect(passes(where({ all: [big, { column: 'balance', row: 'before', operator: 'lt', value: 100 }] }), grew)).toBe(true);
    // A truncate has no row: every column reads as null.
    expect(passes(where(big), change('t', null, null))).toBe(false);
  });

  it('works the same on records without schemas (the sink side)', () => {
    const filter = make(filterTransform, { ops: ['c'], where: { column: 'status', operator: 'eq', value: 'active' } });
    expect(passes(filter, asSinkRecord(insert()))).toBe(true);
    expect(passes(filter, asSinkRecord(insert({ status: 'closed' })))).toBe(false);
  });

  it('warns once per schema about condition columns the table does not have (they read as null)', () => {
    const { ctx, warnings } = recordingContext();
    const filter = make(filterTransform, { where: { column: 'stauts', operator: 'isNull' } }, ctx);
    expect(passes(filter)).toBe(true);
    expect(passes(filter)).toBe(true);
    expect(warnings).toEqual([{ obj: { topic: 'shop.public.customers', columns: ['stauts'] }, msg: expect.stringContaining('read as null') }]);
  });
});

describe('filter: tombstones and scope', () => {
  it('keeps tombstones by default and drops them when asked', () => {
    const grave = tombstone(change('d', customerRow(), null));
    expect(make(filterTransform, { ops: ['c'] }).apply(grave)).toBe(grave);
    expect(make(filterTransform, { ops: ['c'], tombstones: 'drop' }).apply(grave)).toBeNull();
  });

  it('lets records outside the scope through; a tombstone belongs to the table last seen on its topic', () => {
    const filter = make(filterTransform, { ops: ['c'], tables: ['public.customers'], tombstones: 'drop' });
    const order = change('d', { id: 1 }, null, { table: 'orders', schemas: undefined });
    expect(filter.apply(order)).toBe(order);
    expect(filter.apply(tombstone(order))).not.toBeNull();
    const deleted = change('d', customerRow(), null);
    expect(filter.apply(deleted)).toBeNull();
    expect(filter.apply(tombstone(deleted))).toBeNull();
  });
});

describe('filter: configuration', () => {
  it('names what is wrong with a condition, and where', () => {
    expect(configProblem(filterTransform, { where: { column: 'a' } })).toContain('where.operator: give an operator');
    expect(configProblem(filterTransform, { where: { column: 'a', operator: 'gt' } })).toContain('where.value: gt needs a value');
    expect(configProblem(filterTransform, { where: { column: 'a', operator: 'in', value: 1 } })).toContain('in needs a non-empty list');
    expect(configProblem(filterTransform, { where: { column: 'a', operator: 'eq', value: [1] } })).toContain('not a list (use in / notIn)');
    expect(configProblem(filterTransform, { where: { column: 'a', operator: 'isNull', value: 1 } })).toContain('isNull takes no value');
    expect(configProblem(filterTransform, { where: { column: 'a', operator: 'matches', value: '(' } })).toContain('a valid regular expression');
    expect(configProblem(filterTransform, { where: { column: 'a', operator: 'gt', value: true } })).toContain('gt compares with a number or a string');
    expect(configProblem(filterTransform, { where: { column: 'a', operator: 'like', value: 'x' } })).toContain('where.operator');
    expect(configProblem(filterTransform, { where: { column: 'a', operator: 'isNull', all: [] } })).toContain('a condition is one of');
    expect(configProblem(filterTransform, { where: { all: [{ column: 'a', operator: 'eq' }] } })).toContain('where.all.0.value: eq needs a value');
    expect(configProblem(filterTransform, { ops: ['x'] })).toContain('ops.0');
  });
});
