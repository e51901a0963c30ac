import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as door from './index.ts';
import * as testing from './testing.ts';

const src = import.meta.dirname;
const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));

describe("sink-stage's doors", () => {
  it('the package publishes what a sink user needs: the two plugins, the Snowflake setup SQL, the stage reader and the stage line names', () => {
    expect(Object.keys(door).sort()).toEqual(['localStagePlugin', 'readStageLines', 'setupStatements', 'snowflakeStagePlugin', 'stageName']);
  });

  it('test helpers are behind ./testing, which production code never imports', () => {
    const manifest = JSON.parse(readFileSync(join(src, '..', 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    expect(manifest.exports['./testing']).toEqual({ types: './src/testing.ts', default: './src/testing.ts' });
    expect(Object.keys(testing)).toContain('stageFileName');
    const production = files(src).filter((f) => f.endsWith('.ts') && !/\.(test|integration\.test|real\.test)\.ts$/.test(f) && !f.endsWith('testing.ts'));
    expect(production.filter((f) => /from '\.{1,2}\/(\.\.\/)*testing\.ts'/.test(readFileSync(f, 'utf8'))).map((f) => relative(src, f))).toEqual([]);
  });
});
