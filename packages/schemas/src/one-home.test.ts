import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PG_PROPERTIES, UNCHANGED_TOAST_HEADER } from './index.ts';

const packagesDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Production sources of every package but this one: no tests, no test helpers. */
function productionFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'testing' || name === 'generated') continue;
    if (statSync(path).isDirectory()) out.push(...productionFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && name !== 'test-fixtures.ts') out.push(path);
  }
  return out;
}

function sources(): { file: string; text: string }[] {
  return readdirSync(packagesDir)
    .filter((pkg) => pkg !== 'schemas')
    .flatMap((pkg) => {
      const src = join(packagesDir, pkg, 'src');
      try {
        return productionFiles(src);
      } catch {
        return []; // a package without src/
      }
    })
    .map((file) => ({ file: relative(packagesDir, file), text: readFileSync(file, 'utf8') }));
}

/** The lines of production code (comments left out) that spell `needle` as a string literal. */
function literalUses(needle: RegExp): string[] {
  const hits: string[] = [];
  for (const { file, text } of sources()) {
    text.split('\n').forEach((line, i) => {
      const code = line.trimStart();
      if (code.startsWith('*') || code.startsWith('//') || code.startsWith('/*')) return;
      if (needle.test(line)) hits.push(`${file}:${i + 1}: ${code}`);
    });
  }
  return hits;
}

const quoted = (text: string) => new RegExp(`['"\`]${text.replaceAll('.', '\\.')}`);

describe('the change envelope has one home (@buyonline/schemas)', () => {
  it('no other package declares the envelope type or its guard again', () => {
    expect(literalUses(/\binterface (ChangeEnvelope|ChangeValue|ChangeEvent)\b|function (isEnvelope|isChangeValue)\(/)).toEqual([]);
  });

  it('no other package spells a buyonline.pg.* property or the unchanged-TOAST header', () => {
    const properties = Object.values(PG_PROPERTIES).map((p) => quoted(p).source);
    expect(literalUses(new RegExp([...properties, quoted('buyonline.pg.').source, quoted(UNCHANGED_TOAST_HEADER).source].join('|')))).toEqual([]);
  });
});
