import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as door from './index.ts';
import * as testing from './testing.ts';

const root = join(import.meta.dirname, '..', '..', '..');

/** The TypeScript files under a folder that are not tests nor test support. */
function productionFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'testing' && entry.name !== 'generated') out.push(...productionFiles(path));
    } else if (entry.name.endsWith('.ts') && !/\.(test|test-support|integration\.test|real\.test)\.ts$/.test(entry.name)) out.push(path);
  }
  return out;
}

describe('the test helpers live behind @buyonline/connect-api/testing', () => {
  it('the main door publishes none of them', () => {
    for (const name of Object.keys(testing)) expect(Object.keys(door)).not.toContain(name);
    expect(door.silentLogger.child({}).info({}, 'dropped')).toBeUndefined();
  });

  it('no production file of a package or app imports them', () => {
    const sources = ['packages', 'apps'].flatMap((top) => readdirSync(join(root, top)).map((name) => join(root, top, name, 'src')));
    const offenders = sources
      .flatMap((dir) => {
        try {
          return productionFiles(dir);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
          throw err;
        }
      })
      .filter((file) => readFileSync(file, 'utf8').includes("'@buyonline/connect-api/testing'"));
    expect(offenders).toEqual([]);
  });
});
