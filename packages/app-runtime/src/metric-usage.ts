import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The metric names a package's sources emit (`metrics.count('name'`, `gauge`, `observe`),
 * tests left out; `only` keeps the files whose path matches. What an app's test checks its
 * declared metrics against.
 */
export function emittedMetricNames(dir: string, only?: RegExp): string[] {
  const names = new Set<string>();
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (!entry.endsWith('.ts') || entry.endsWith('.test.ts') || (only && !only.test(entry))) continue;
    for (const m of readFileSync(join(dir, entry), 'utf8').matchAll(/metrics\.(?:count|gauge|observe)\('([a-z_]+)'/g)) names.add(m[1] as string);
  }
  return [...names].sort();
}
