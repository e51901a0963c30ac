import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PluginImporter } from '@buyonline/connect-api';

export interface PackageImporterOptions {
  /**
   * Folders to resolve from, as Node does from a file there: each one's `node_modules`, then its
   * parents'. An app passes its own folder (the bundle's: `/app/dist` → `/app/node_modules`).
   */
  from: readonly string[];
  /** NODE_PATH: more folders holding packages directly (`/plugins/node_modules`), searched after. */
  nodePath?: string | undefined;
}

/** Conditions an ESM import of a package resolves `exports` with, in Node's order of preference. */
const CONDITIONS = new Set(['node', 'import', 'default']);

/** The folders a package is looked for in, in order (no duplicates). */
export function packageSearchPaths(options: PackageImporterOptions): string[] {
  const paths: string[] = [];
  for (const start of options.from) {
    for (let dir = resolve(start); ; dir = dirname(dir)) {
      if (basename(dir) !== 'node_modules') paths.push(join(dir, 'node_modules'));
      if (dirname(dir) === dir) break;
    }
  }
  for (const entry of (options.nodePath ?? '').split(delimiter)) if (entry.trim() !== '') paths.push(resolve(entry.trim()));
  return [...new Set(paths)];
}

/** `@acme/pkg/sub` → [`@acme/pkg`, `./sub`]. */
function splitSpecifier(specifier: string): [string, string] {
  const parts = specifier.split('/');
  const take = specifier.startsWith('@') ? 2 : 1;
  const rest = parts.slice(take).join('/');
  return [parts.slice(0, take).join('/'), rest === '' ? '.' : `./${rest}`];
}

/** The target of `exports` for `subpath` under the ESM conditions (no patterns). */
function exportsTarget(exports: unknown, subpath: string): string | undefined {
  if (typeof exports === 'string') return subpath === '.' ? exports : undefined;
  if (Array.isArray(exports)) {
    for (const item of exports) {
      const target = exportsTarget(item, subpath);
      if (target !== undefined) return target;
    }
    return undefined;
  }
  if (typeof exports !== 'object' || exports === null) return undefined;
  const map = exports as Record<string, unknown>;
  if (Object.keys(map).some((k) => k.startsWith('.'))) return subpath in map ? conditional(map[subpath]) : undefined;
  return subpath === '.' ? conditional(map) : undefined;
}

function conditional(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) return value.map(conditional).find((t) => t !== undefined);
  for (const [condition, target] of Object.entries(value)) {
    if (!CONDITIONS.has(condition)) continue;
    const found = conditional(target);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The file an import of `specifier` loads from the package folder `dir`. */
export function packageEntry(dir: string, subpath: string): string | undefined {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { exports?: unknown; main?: unknown };
  if (manifest.exports !== undefined) {
    const target = exportsTarget(manifest.exports, subpath);
    return target === undefined ? undefined : join(dir, target);
  }
  if (subpath !== '.') return join(dir, subpath);
  const main = typeof manifest.main === 'string' ? join(dir, manifest.main) : join(dir, 'index.js');
  return existsSync(main) && statSync(main).isDirectory() ? join(main, 'index.js') : main;
}

/**
 * An importer for the plugin registry that finds a package the way Node would from the app's own
 * folder, and also in NODE_PATH (which Node's ESM loader ignores): a plugin installed next to the
 * app (`npm install @acme/cdc-mysql` in /app) or in a mounted folder on NODE_PATH is found the same.
 */
export function packageImporter(options: PackageImporterOptions): PluginImporter {
  return async (specifier) => {
    const [name, subpath] = splitSpecifier(specifier);
    const searched = packageSearchPaths(options);
    for (const base of searched) {
      const dir = join(base, name);
      if (!existsSync(join(dir, 'package.json'))) continue;
      const entry = packageEntry(dir, subpath);
      if (entry === undefined) throw Object.assign(new Error(`package '${specifier}' in ${dir} exports no "${subpath}" for import`), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
      return import(pathToFileURL(entry).href);
    }
    const message = `Cannot find package '${specifier}' in ${searched.join(', ') || '(no folder)'}`;
    throw Object.assign(new Error(message), { code: 'ERR_MODULE_NOT_FOUND' });
  };
}
