import { z } from 'zod';
import { type ChangeValue, currentRow, type Row } from './change-value.ts';
import { columnName } from './config-parts.ts';

export const OPERATORS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'notIn', 'isNull', 'isNotNull', 'matches'] as const;
export type Operator = (typeof OPERATORS)[number];
export type Scalar = string | number | boolean | null;

/** A condition as written in the configuration: a comparison of one column, or all/any/not of conditions. */
export interface Condition {
  column?: string | undefined;
  row?: 'current' | 'after' | 'before' | undefined;
  operator?: Operator | undefined;
  value?: Scalar | Scalar[] | undefined;
  all?: Condition[] | undefined;
  any?: Condition[] | undefined;
  not?: Condition | undefined;
}

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const ORDERING: readonly Operator[] = ['gt', 'gte', 'lt', 'lte'];

function validRegex(text: string): boolean {
  try {
    new RegExp(text);
    return true;
  } catch {
    return false;
  }
}

/** What is wrong with one comparison (`{ column, operator, value }`), or undefined. */
function comparisonProblem(c: Condition): { message: string; path: string } | undefined {
  if (c.operator === undefined) return { message: `give an operator (${OPERATORS.join(', ')})`, path: 'operator' };
  const { operator, value } = c;
  if (operator === 'isNull' || operator === 'isNotNull') {
    return value === undefined ? undefined : { message: `${operator} takes no value`, path: 'value' };
  }
  if (value === undefined) return { message: `${operator} needs a value`, path: 'value' };
  if (operator === 'in' || operator === 'notIn') {
    return Array.isArray(value) && value.length > 0 ? undefined : { message: `${operator} needs a non-empty list of values`, path: 'value' };
  }
  if (Array.isArray(value)) return { message: `${operator} compares with one value, not a list (use in / notIn)`, path: 'value' };
  if (operator === 'matches') {
    return typeof value === 'string' && validRegex(value) ? undefined : { message: 'matches needs a valid regular expression (a string)', path: 'value' };
  }
  if (ORDERING.includes(operator) && typeof value !== 'number' && typeof value !== 'string') {
    return { message: `${operator} compares with a number or a string`, path: 'value' };
  }
  return undefined;
}

export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z
    .object({
      column: columnName.optional().describe('The column compared.'),
      row: z
        .enum(['current', 'after', 'before'])
        .optional()
        .describe('The row the column is read from: current (after, or before for a delete; the default), after or before. A missing row reads as all-null.'),
      operator: z.enum(OPERATORS).optional().describe(`How the column is compared: ${OPERATORS.join(', ')}.`),
      value: z
        .union([scalar, z.array(scalar)])
        .optional()
        .describe('What the column is compared with: a number compares numerically (exact for decimal strings), a string as text; a list for in / notIn.'),
      all: z.array(conditionSchema).min(1).optional().describe('True when every condition of the list is.'),
      any: z.array(conditionSchema).min(1).optional().describe('True when one condition of the list is.'),
      not: conditionSchema.optional().describe('True when the condition is not.'),
    })
    .superRefine((c, ctx) => {
      const forms = [c.column !== undefined, c.all !== undefined, c.any !== undefined, c.not !== undefined].filter(Boolean).length;
      if (forms !== 1) {
        ctx.addIssue({ code: 'custom', message: 'a condition is one of: { column, operator, value }, { all: [...] }, { any: [...] } or { not: {...} }' });
        return;
      }
      if (c.column === undefined) return;
      const problem = comparisonProblem(c);
      if (problem) ctx.addIssue({ code: 'custom', message: problem.message, path: [problem.path] });
    })
    .describe('A condition on the columns of the change'),
);

const DECIMAL = /^([+-])?0*(\d+?)(?:\.(\d*?)0*)?$/;

/** Compares two exact decimal strings; undefined when one is not a plain decimal. */
function compareDecimalText(a: string, b: string): number | undefined {
  const x = DECIMAL.exec(a);
  const y = DECIMAL.exec(b);
  if (!x || !y) return undefined;
  const zero = (m: RegExpExecArray) => m[2] === '0' && !m[3];
  const sign = (m: RegExpExecArray) => (zero(m) ? 0 : m[1] === '-' ? -1 : 1);
  const sx = sign(x);
  const sy = sign(y);
  if (sx !== sy) return sx < sy ? -1 : 1;
  if (sx === 0) return 0;
  const [ix = '', fx = ''] = [x[2], x[3]];
  const [iy = '', fy = ''] = [y[2], y[3]];
  let magnitude = ix.length !== iy.length ? ix.length - iy.length : ix < iy ? -1 : ix > iy ? 1 : 0;
  if (magnitude === 0) {
    const width = Math.max(fx.length, fy.length);
    const px = fx.padEnd(width, '0');
    const py = fy.padEnd(width, '0');
    magnitude = px < py ? -1 : px > py ? 1 : 0;
  }
  return Math.sign(magnitude) * sx;
}

/** -1, 0 or 1 for actual vs expected; undefined when they cannot be compared (null, other types). */
function compare(actual: unknown, expected: string | number): number | undefined {
  if (typeof expected === 'string') {
    if (typeof actual !== 'string') return undefined;
    return actual < expected ? -1 : actual > expected ? 1 : 0;
  }
  if (typeof actual === 'number') return Number.isNaN(actual) || Number.isNaN(expected) ? undefined : Math.sign(actual - expected) || 0;
  if (typeof actual === 'bigint') return actual < expected ? -1 : actual > expected ? 1 : 0;
  if (typeof actual === 'string') {
    // A decimal column arrives as its exact text: compared exactly, never through a float.
    const text = String(expected);
    const exact = /e/i.test(text) ? undefined : compareDecimalText(actual, text);
    if (exact !== undefined) return exact;
    const n = Number(actual);
    return actual.trim() === '' || Number.isNaN(n) ? undefined : Math.sign(n - expected) || 0;
  }
  return undefined;
}

function equals(actual: unknown, expected: Scalar): boolean {
  if (expected === null) return actual === null || actual === undefined;
  if (typeof expected === 'boolean') return actual === expected;
  return compare(actual, expected) === 0;
}

export type Predicate = (change: ChangeValue) => boolean;

function rowReader(which: Condition['row']): (change: ChangeValue) => Row | null {
  if (which === 'after') return (change) => change.after;
  if (which === 'before') return (change) => change.before;
  return currentRow;
}

/** An ordering comparison: false whenever the two cannot be compared (a null, another type). */
function ordered(value: Condition['value'], holds: (order: number) => boolean): (actual: unknown) => boolean {
  const expected = value as string | number;
  return (actual) => {
    const order = compare(actual, expected);
    return order !== undefined && holds(order);
  };
}

function comparison(operator: Operator, value: Condition['value']): (actual: unknown) => boolean {
  switch (operator) {
    case 'isNull':
      return (actual) => actual === null || actual === undefined;
    case 'isNotNull':
      return (actual) => actual !== null && actual !== undefined;
    case 'eq':
      return (actual) => equals(actual, value as Scalar);
    case 'ne':
      return (actual) => !equals(actual, value as Scalar);
    case 'in': {
      const list = value as Scalar[];
      return (actual) => list.some((v) => equals(actual, v));
    }
    case 'notIn': {
      const list = value as Scalar[];
      return (actual) => !list.some((v) => equals(actual, v));
    }
    case 'matches': {
      const pattern = new RegExp(value as string);
      return (actual) => typeof actual === 'string' && pattern.test(actual);
    }
    case 'gt':
      return ordered(value, (order) => order > 0);
    case 'gte':
      return ordered(value, (order) => order >= 0);
    case 'lt':
      return ordered(value, (order) => order < 0);
    case 'lte':
      return ordered(value, (order) => order <= 0);
  }
}

/** Compiles a (validated) condition into a predicate on a change. */
export function compileCondition(c: Condition): Predicate {
  if (c.all) {
    const parts = c.all.map(compileCondition);
    return (change) => parts.every((p) => p(change));
  }
  if (c.any) {
    const parts = c.any.map(compileCondition);
    return (change) => parts.some((p) => p(change));
  }
  if (c.not) {
    const inner = compileCondition(c.not);
    return (change) => !inner(change);
  }
  const column = c.column as string;
  const read = rowReader(c.row);
  const test = comparison(c.operator as Operator, c.value);
  return (change) => test(read(change)?.[column] ?? null);
}

/** Every column a condition reads. */
export function conditionColumns(c: Condition): string[] {
  if (c.all) return c.all.flatMap(conditionColumns);
  if (c.any) return c.any.flatMap(conditionColumns);
  if (c.not) return conditionColumns(c.not);
  return c.column === undefined ? [] : [c.column];
}
