import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The packages a file reaches through static imports, following the app's own files (a dynamic import() is not followed). */
function staticPackages(file: string, seen = new Set<string>()): Set<string> {
  const packages = new Set<string>();
  if (seen.has(file)) return packages;
  seen.add(file);
  const source = readFileSync(file, 'utf8');
  for (const [, specifier] of source.matchAll(/^(?:import|export)\s[^;]*?\sfrom\s+'([^']+)'/gm)) {
    if (!specifier) continue;
    if (specifier.startsWith('.')) for (const p of staticPackages(join(dirname(file), specifier), seen)) packages.add(p);
    else packages.add(specifier);
  }
  return packages;
}

describe("the consumer's runtime", () => {
  it('does not depend on the source plugin: reconcile is a package of its own, loaded only by the reconcile command', () => {
    const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(manifest.dependencies)).not.toContain('@buyonline/source-postgres');
    const reached = staticPackages(join(import.meta.dirname, 'main.ts'));
    expect(reached).toContain('@buyonline/sink-stage');
    expect([...reached].filter((p) => p === '@buyonline/source-postgres' || p === '@buyonline/reconcile' || p === 'postgres')).toEqual([]);
  });
});
