import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import * as door from './index.ts';
import { transformPlugins } from './index.ts';
import { avroProblems, change, customerRow, customers } from './testing/fixtures.ts';

describe('transformPlugins', () => {
  it('is all the package publishes: an app registers the list, each transform keeps its schema and config type in its own file', () => {
    expect(Object.keys(door)).toEqual(['transformPlugins']);
  });

  it('lists every transform once, by name', () => {
    expect(transformPlugins.map((p) => p.name)).toEqual(['columns', 'mask', 'rename', 'filter', 'route', 'envelope']);
    for (const plugin of transformPlugins) {
      expect(plugin.kind).toBe('transform');
      expect(plugin.version).toBe('0.1.0');
      expect(plugin.description.length).toBeGreaterThan(20);
    }
  });

  it('describes every configuration key', () => {
    for (const plugin of transformPlugins) {
      const schema = plugin.configSchema as z.ZodObject;
      expect(schema).toBeInstanceOf(z.ZodObject);
      for (const [key, field] of Object.entries(schema.shape)) {
        expect(field.description, `${plugin.name}.${key}`).toBeTruthy();
      }
    }
  });
});

describe('the test fixtures', () => {
  it('build records that fit their schema, and the checker sees a record that does not', () => {
    const record = change('u', customerRow(), customerRow());
    expect(avroProblems(customers.valueSchema, record.value)).toEqual([]);
    expect(avroProblems(customers.valueSchema, { ...(record.value as object), op: 'x' })).not.toEqual([]);
    expect(avroProblems(customers.valueSchema, change('c', null, customerRow({ balance: 12.5 })).value)).not.toEqual([]);
  });
});
