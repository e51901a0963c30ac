import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_MALLOC_ARENA_MAX, APP_NODE_OPTIONS } from './node-options.ts';

const repo = join(import.meta.dirname, '..', '..', '..');
const read = (path: string) => readFileSync(join(repo, path), 'utf8');

describe('APP_NODE_OPTIONS', () => {
  it('bounds the old and the young generation', () => {
    expect(APP_NODE_OPTIONS).toMatch(/--max-old-space-size=\d+/);
    expect(APP_NODE_OPTIONS).toMatch(/--max-semi-space-size=\d+/);
  });

  it.each(['apps/producer/Dockerfile', 'apps/consumer/Dockerfile'])('is what %s sets as NODE_OPTIONS', (file) => {
    expect(read(file)).toContain(`NODE_OPTIONS="${APP_NODE_OPTIONS}"`);
  });

  it('is the default scripts/demo.sh runs the apps with', () => {
    expect(read('scripts/demo.sh')).toContain(`NODE_OPTIONS="\${NODE_OPTIONS:-${APP_NODE_OPTIONS}}"`);
  });
});

describe('APP_MALLOC_ARENA_MAX', () => {
  it.each(['apps/producer/Dockerfile', 'apps/consumer/Dockerfile'])('is what %s sets as MALLOC_ARENA_MAX', (file) => {
    expect(read(file)).toContain(`MALLOC_ARENA_MAX=${APP_MALLOC_ARENA_MAX}`);
  });

  it('is the default scripts/demo.sh runs the apps with', () => {
    expect(read('scripts/demo.sh')).toContain(`MALLOC_ARENA_MAX="\${MALLOC_ARENA_MAX:-${APP_MALLOC_ARENA_MAX}}"`);
  });
});
