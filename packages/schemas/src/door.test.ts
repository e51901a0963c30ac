import { describe, expect, it } from 'vitest';
import * as door from './index.ts';

describe("schemas' door", () => {
  it('publishes the change envelope that source, transforms and sinks share: its schema, guards, field and property names (plus its types)', () => {
    expect(Object.keys(door).sort()).toEqual(['ENVELOPE_FIELDS', 'PG_PROPERTIES', 'STAGE_METADATA', 'UNCHANGED_TOAST_HEADER', 'changeEnvelopeSchema', 'hasSource', 'isChangeValue']);
  });
});
