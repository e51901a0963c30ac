import { type Dirent, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..', '..');
const skip = new Set(['node_modules', 'dist', 'generated', '.turbo']);

function tsFiles(dir: string): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return entries.flatMap((e) => (skip.has(e.name) ? [] : e.isDirectory() ? tsFiles(join(dir, e.name)) : /\.m?ts$/.test(e.name) ? [join(dir, e.name)] : []));
}

describe('one PostgreSQL driver wherever the replication path allows it', () => {
  it('only the replication connection reaches `pg` (through pg-logical-replication); everything else uses `postgres`', () => {
    const dirs = ['packages', 'apps', 'examples'].flatMap((top) => readdirSync(join(root, top)).map((name) => join(root, top, name))).concat([join(root, 'bench'), join(root, 'e2e')]);
    const users = dirs
      .flatMap(tsFiles)
      .filter((file) => /from '(pg|pg-logical-replication)(\/[^']*)?'|import\('(pg|pg-logical-replication)'\)|require\('(pg|pg-logical-replication)'\)/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(root, file))
      .sort();
    expect(users).toEqual(['packages/source-postgres/src/logical/pgoutput-decoder.ts', 'packages/source-postgres/src/logical/wal-stream.ts']);
  });
});
