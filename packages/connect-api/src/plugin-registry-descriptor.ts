import type { ConnectorPlugin, PluginKind } from './connector-api.ts';
import { ConfigError } from './errors.ts';

const KINDS: readonly PluginKind[] = ['source', 'sink', 'transform'];

/** Something a module exports that claims to be a plugin (it has a known `kind`), with where it came from. */
export interface ExportedPlugin {
  /** `default`, `default[1]`, `counterSource`, … */
  exportName: string;
  kind: PluginKind;
  value: unknown;
}

function claimedKind(value: unknown): PluginKind | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const kind = (value as { kind?: unknown }).kind;
  return KINDS.find((k) => k === kind);
}

/**
 * The plugin descriptors a module exports: its default export and its named exports, each a
 * descriptor or an array of them (`export const transformPlugins = [...]`). An object exported
 * under two names counts once.
 */
export function exportedPlugins(mod: unknown): ExportedPlugin[] {
  if (typeof mod !== 'object' || mod === null) return [];
  const found: ExportedPlugin[] = [];
  const seen = new Set<unknown>();
  const add = (exportName: string, value: unknown) => {
    const kind = claimedKind(value);
    if (kind === undefined || seen.has(value)) return;
    seen.add(value);
    found.push({ exportName, kind, value });
  };
  const entries = Object.entries(mod as Record<string, unknown>).sort(([a], [b]) => (a === 'default' ? -1 : b === 'default' ? 1 : 0));
  for (const [exportName, value] of entries) {
    if (!Array.isArray(value)) add(exportName, value);
    else
      for (const [i, item] of value.entries()) add(`${exportName}[${i}]`, item);
  }
  return found;
}

/**
 * Checks that `value` has a descriptor's shape: `name`, `version`, `description` strings, a known
 * `kind`, a `configSchema` with `safeParse` (any zod 4 schema, whichever copy of zod built it) and
 * a `create` function. Throws a ConfigError saying `where` and what is missing.
 */
export function checkPlugin(value: unknown, where: string): ConnectorPlugin {
  if (typeof value !== 'object' || value === null) throw new ConfigError(`${where} is not a plugin descriptor (got ${value === null ? 'null' : typeof value})`);
  const v = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of ['name', 'version', 'description'] as const) {
    if (typeof v[key] !== 'string' || v[key] === '') problems.push(`\`${key}\` must be a non-empty string`);
  }
  if (claimedKind(v) === undefined) problems.push(`\`kind\` must be one of ${KINDS.join(', ')} (got ${JSON.stringify(v.kind)})`);
  const schema = v.configSchema as { safeParse?: unknown } | undefined;
  if (typeof schema !== 'object' || schema === null || typeof schema.safeParse !== 'function') problems.push('`configSchema` must be a zod schema (an object with safeParse)');
  if (typeof v.create !== 'function') problems.push('`create` must be a function (config, ctx) → task or transform');
  if (problems.length > 0) throw new ConfigError(`${where} is not a valid plugin descriptor: ${problems.join('; ')}`);
  return value as ConnectorPlugin;
}
