import { describe, expect, it } from 'vitest';
import { describeSchemaChange } from './schema-diff.ts';

const schema = (nameType: unknown) =>
  JSON.stringify({
    type: 'record',
    name: 'Change',
    fields: [
      { name: 'after', type: ['null', { type: 'record', name: 'Row', fields: [{ name: 'id', type: 'long' }, { name: 'name', type: nameType }] }] },
      { name: 'before', type: ['null', 'Row'] },
    ],
  });

describe('describeSchemaChange', () => {
  it('names the field whose type changed', () => {
    expect(describeSchemaChange(schema(['null', 'string']), schema(['null', 'int']))).toEqual([
      'field Row.name changed type from ["null","string"] to ["null","int"]',
    ]);
  });

  it('says nothing when only fields were added or removed', () => {
    expect(describeSchemaChange(schema('string'), schema('string'))).toEqual([]);
  });
});
