import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, isPackageName, PluginRegistry, type SourcePlugin, type TransformPlugin } from './index.ts';
import { noopContext } from './testing.ts';

const source = (name: string): SourcePlugin => ({
  name,
  version: '1.0.0',
  kind: 'source',
  description: `source ${name}`,
  configSchema: z.object({ n: z.number().default(1) }),
  create: () => ({ start: async () => undefined, poll: async () => [], commit: async () => undefined, stop: async () => undefined }),
});

const transform = (name: string): TransformPlugin => ({
  name,
  version: '1.0.0',
  kind: 'transform',
  description: `transform ${name}`,
  configSchema: z.object({}),
  create: () => ({ apply: (r) => r }),
});

/** An importer over in-memory modules that counts its calls. */
function modules(entries: Record<string, unknown>) {
  const calls: string[] = [];
  const importer = async (specifier: string) => {
    calls.push(specifier);
    if (specifier in entries) return entries[specifier];
    throw Object.assign(new Error(`Cannot find package '${specifier}' imported from /app/dist/main.js`), { code: 'ERR_MODULE_NOT_FOUND' });
  };
  return { importer, calls };
}

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('no ConfigError');
}

async function rejection(promise: Promise<unknown>): Promise<ConfigError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('no ConfigError');
}

describe('PluginRegistry', () => {
  it('finds registered plugins by kind and name, and names the known ones when a name is unknown', () => {
    const registry = new PluginRegistry().register(source('postgres'), source('mysql'), transform('mask'));
    expect(registry.get('source', 'postgres').description).toBe('source postgres');
    expect(registry.get('transform', 'mask').kind).toBe('transform');
    expect(registry.names('source')).toEqual(['mysql', 'postgres']);
    expect(registry.has('transform', 'postgres')).toBe(false);
    const err = configError(() => registry.get('source', 'postgress'));
    expect(err.message).toBe('unknown source connector "postgress": known source connectors: mysql, postgres, or an npm package name that exports one');
    expect(configError(() => registry.get('sink', 'stage')).message).toMatch(/known sink connectors: \(none\)/);
  });

  it('refuses a second plugin of the same kind and name, and a descriptor with a wrong shape', () => {
    const registry = new PluginRegistry().register(source('postgres'));
    expect(configError(() => registry.register(source('postgres'))).message).toBe('source connector "postgres" is registered twice');
    registry.register(transform('postgres')); // another kind: another namespace
    const broken = { name: 'x', kind: 'source', configSchema: {}, create: 'no' } as unknown as SourcePlugin;
    expect(configError(() => registry.register(broken)).message).toBe(
      'registered plugin "x" is not a valid plugin descriptor: `version` must be a non-empty string; `description` must be a non-empty string; `configSchema` must be a zod schema (an object with safeParse); `create` must be a function (config, ctx) → task or transform',
    );
  });

  it('resolves a registered name without importing anything, and refuses a name that is no package without importing', async () => {
    const { importer, calls } = modules({});
    const registry = new PluginRegistry({ importer }).register(source('postgres'));
    expect((await registry.resolve('source', 'postgres')).name).toBe('postgres');
    const err = await rejection(registry.resolve('source', 'My Source'));
    expect(err.message).toBe('unknown source connector "My Source": known source connectors: postgres, or an npm package name that exports one');
    expect(calls).toEqual([]);
  });

  it('imports an npm package named in the config and takes its default export, once', async () => {
    const mysql = source('mysql');
    const { importer, calls } = modules({ '@acme/cdc-mysql': { default: mysql } });
    const registry = new PluginRegistry({ importer });
    expect(await registry.resolve('source', '@acme/cdc-mysql')).toBe(mysql);
    expect(await registry.resolve('source', '@acme/cdc-mysql')).toBe(mysql);
    expect(calls).toEqual(['@acme/cdc-mysql']);
    expect(registry.has('source', '@acme/cdc-mysql')).toBe(true);
    const created = (await registry.resolve('source', '@acme/cdc-mysql')).create({ n: 1 }, noopContext());
    expect(await created.poll(new AbortController().signal)).toEqual([]);
  });

  it('takes the named export whose kind matches, also from exported arrays, and picks by #name among several', async () => {
    const upper = transform('upper');
    const lower = transform('lower');
    const counter = source('counter');
    const { importer } = modules({
      'some-pkg': { counterSource: counter, VERSION: '1.0.0', helper: () => 1 },
      '@acme/transforms': { transformPlugins: [upper, lower], upper },
    });
    const registry = new PluginRegistry({ importer });
    expect(await registry.resolve('source', 'some-pkg')).toBe(counter);
    expect(await registry.resolve('transform', '@acme/transforms#lower')).toBe(lower);
    const several = await rejection(registry.resolve('transform', '@acme/transforms'));
    expect(several.message).toBe('transform "@acme/transforms": the package exports several (upper, lower); pick one as "@acme/transforms#<name>"');
    const wrongKind = await rejection(registry.resolve('sink', 'some-pkg'));
    expect(wrongKind.message).toBe('sink connector "some-pkg": the package exports no sink connector (only source "counter")');
    const wrongPick = await rejection(registry.resolve('transform', '@acme/transforms#mask'));
    expect(wrongPick.message).toMatch(/exports no transform named "mask" \(only transform "upper", transform "lower"\)/);
  });

  it('checks the shape of an imported descriptor, naming the package and the export', async () => {
    const { importer } = modules({ 'bad-plugin': { default: { name: 'bad', version: '1', description: 'd', kind: 'source', configSchema: z.object({}) } } });
    const err = await rejection(new PluginRegistry({ importer }).resolve('source', 'bad-plugin'));
    expect(err.message).toBe('package "bad-plugin", export "default", is not a valid plugin descriptor: `create` must be a function (config, ctx) → task or transform');
  });

  it('says whether a package is missing or failed to load', async () => {
    const { importer } = modules({});
    const registry = new PluginRegistry({ importer }).register(source('postgres'));
    const missing = await rejection(registry.resolve('source', '@acme/cdc-mysql'));
    expect(missing.message).toMatch(/^source connector "@acme\/cdc-mysql": it is not registered and no package of that name is installed \(Cannot find package '@acme\/cdc-mysql'/);
    expect(missing.message).toMatch(/known source connectors: postgres/);
    const failing = new PluginRegistry({
      importer: async () => {
        throw new SyntaxError('Unexpected token }');
      },
    });
    expect((await rejection(failing.resolve('source', 'broken-pkg'))).message).toMatch(/^source connector "broken-pkg": the package failed to load \(Unexpected token \}\)/);
  });

  it('imports with import() by default', async () => {
    const registry = new PluginRegistry();
    expect((await rejection(registry.resolve('source', 'zod'))).message).toBe('source connector "zod": the package exports no source connector (no plugin descriptor at all)');
    expect((await rejection(registry.resolve('source', '@acme/not-installed-anywhere'))).message).toMatch(/no package of that name is installed/);
  });
});

describe('isPackageName', () => {
  it('accepts npm names, scoped or not, with an optional #plugin', () => {
    for (const ok of ['some-pkg', '@acme/cdc-mysql', 'a.b_c~d', '@acme/transforms#upper']) expect(isPackageName(ok)).toBe(true);
    for (const bad of ['', 'Some-Pkg', '.hidden', '_x', '@acme', '@acme/', 'a b', '../local', '/abs/path', 'a#', 'x'.repeat(215)]) expect(isPackageName(bad)).toBe(false);
  });
});
