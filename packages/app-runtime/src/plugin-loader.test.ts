import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, PluginRegistry } from '@buyonline/connect-api';
import { noopContext, staticOffsets } from '@buyonline/connect-api/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { configOf, configurePlugin, packageImporter, PipelineFile } from './index.ts';
import { packageSearchPaths } from './plugin-loader.ts';

const here = dirname(fileURLToPath(import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'plugin-loader-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A plain-JS plugin package, as npm would install it from a registry, under `root/<name>`. */
function installPackage(root: string, name: string, manifest: Record<string, unknown>, files: Record<string, string>): void {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', ...manifest }));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
}

/** A descriptor without zod: any object with safeParse is a schema to the registry. */
const pluginModule = (name: string, kind: string) => `
export const plugin = {
  name: ${JSON.stringify(name)}, version: '1.0.0', kind: ${JSON.stringify(kind)}, description: 'from a JS package',
  configSchema: { safeParse: (input) => (typeof input.word === 'string' ? { success: true, data: input } : { success: false, error: { issues: [{ path: ['word'], message: 'expected a word' }] } }) },
  create: (config) => ({ apply: (record) => ({ ...record, topic: record.topic + '.' + config.word }) }),
};
`;

async function rejection(promise: Promise<unknown>): Promise<ConfigError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('no ConfigError');
}

describe('packageImporter', () => {
  it('resolves the example plugin package by its npm name through the registry, and runs it from a pipeline file', async () => {
    const registry = new PluginRegistry({ importer: packageImporter({ from: [here] }) });
    const text = 'name: counting\nsource:\n  connector: "@acme/cdc-source-counter"\n  counter: c7\n  intervalMs: 1\n  batchSize: 2\n  colour: red\n';
    const err = await rejection(configurePlugin(registry, 'source', { section: PipelineFile.parse(text, 'p.yaml', {}).source(), env: {} }));
    expect(err.message).toBe(
      'invalid source configuration in source (counter):\n  source.colour: unknown key (counter takes: counter, topic, intervalMs, batchSize, limit)',
    );
    const section = PipelineFile.parse(text.replace('  colour: red\n', ''), 'p.yaml', {}).source();
    const configured = await configurePlugin(registry, 'source', { section, env: {} });
    expect(configured.plugin.name).toBe('counter');
    expect(configured.config).toEqual({ counter: 'c7', topic: 'acme.counter', intervalMs: 1, batchSize: 2 });
    const task = configured.plugin.create(configured.config, noopContext());
    await task.start(staticOffsets([[{ counter: 'c7' }, { next: 10 }]]));
    expect((await task.poll(new AbortController().signal)).map((r) => r.key)).toEqual([{ n: 10 }, { n: 11 }]);
    expect(configOf(configured, configured.plugin)).toBe(configured.config);
  });

  it('finds a package on NODE_PATH, which Node itself ignores for import, picking the ESM entry of `exports`', async () => {
    const plugins = join(tmp, 'plugins', 'node_modules');
    installPackage(plugins, '@acme/cdc-suffix', { type: 'module', exports: { '.': { types: './index.d.ts', require: './index.cjs', import: './esm/index.js' } } }, { 'esm/index.js': pluginModule('suffix', 'transform') });
    installPackage(plugins, 'legacy-main', { type: 'module', main: 'lib/main.js' }, { 'lib/main.js': pluginModule('legacy', 'transform') });
    installPackage(plugins, 'no-main', { type: 'module' }, { 'index.js': pluginModule('plain', 'transform') });
    const registry = new PluginRegistry({ importer: packageImporter({ from: [join(tmp, 'app', 'dist')], nodePath: `${join(tmp, 'elsewhere')}:${plugins}` }) });
    const suffix = await registry.resolve('transform', '@acme/cdc-suffix');
    expect(suffix.create({ word: 'x' }, noopContext()).apply({ topic: 't', key: null, value: null })?.topic).toBe('t.x');
    expect((await registry.resolve('transform', 'legacy-main')).name).toBe('legacy');
    expect((await registry.resolve('transform', 'no-main')).name).toBe('plain');
    const text = 'name: p\nsink: { connector: local-stage }\ntransforms: [{ transform: "@acme/cdc-suffix", word: 3 }]\n';
    const [section] = PipelineFile.parse(text, 'p.yaml', {}).transforms();
    const err = await rejection(configurePlugin(registry, 'transform', { section, env: {} }));
    expect(err.message).toBe('invalid transform configuration in transforms[0] (suffix):\n  transforms[0].word: expected a word');
  });

  it('prefers the app folder (its node_modules, then the parents’) over NODE_PATH, and says where it looked', async () => {
    const app = join(tmp, 'app2');
    installPackage(join(app, 'node_modules'), 'dup-plugin', { type: 'module' }, { 'index.js': pluginModule('next-to-app', 'transform') });
    installPackage(join(tmp, 'np2'), 'dup-plugin', { type: 'module' }, { 'index.js': pluginModule('on-node-path', 'transform') });
    const importer = packageImporter({ from: [join(app, 'dist')], nodePath: join(tmp, 'np2') });
    expect((await new PluginRegistry({ importer }).resolve('transform', 'dup-plugin')).name).toBe('next-to-app');
    expect(packageSearchPaths({ from: ['/app/dist'], nodePath: '/plugins/node_modules::/app/node_modules' })).toEqual([
      '/app/dist/node_modules',
      '/app/node_modules',
      '/node_modules',
      '/plugins/node_modules',
    ]);
    const err = await rejection(new PluginRegistry({ importer: packageImporter({ from: ['/app/dist'] }) }).resolve('sink', '@acme/cdc-s3'));
    expect(err.message).toMatch(/no package of that name is installed \(Cannot find package '@acme\/cdc-s3' in \/app\/dist\/node_modules, \/app\/node_modules, \/node_modules\)/);
  });

  it('refuses a package whose exports have no import entry', async () => {
    installPackage(join(tmp, 'np3'), 'cjs-only', { exports: { '.': { require: './index.cjs' } } }, { 'index.cjs': 'module.exports = {}' });
    const err = await rejection(new PluginRegistry({ importer: packageImporter({ from: [], nodePath: join(tmp, 'np3') }) }).resolve('source', 'cjs-only'));
    expect(err.message).toMatch(/the package failed to load \(package 'cjs-only' in .*np3\/cjs-only exports no "\." for import\)/);
  });
});
