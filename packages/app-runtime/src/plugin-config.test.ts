// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} references are what these tests feed the pipeline file
import { readFileSync } from 'node:fs';
import { ConfigError, PluginRegistry, Redacted } from '@buyonline/connect-api';
import { noopContext } from '@buyonline/connect-api/testing';
import { describe, expect, it } from 'vitest';
import { configOf, configureChain, configurePlugin, type EnvShortcuts, PipelineFile } from './index.ts';
import { cloudStageLikePlugin, localStageLikePlugin, maskLikePlugin, pgLikePlugin } from './test-fixtures.ts';

const registry = () => new PluginRegistry().register(pgLikePlugin, localStageLikePlugin, cloudStageLikePlugin, maskLikePlugin);

const SOURCE_SHORTCUTS: Record<string, EnvShortcuts> = {
  postgres: {
    CAPTURE_MODE: 'mode',
    PG_URL: 'url',
    PG_TABLE: { key: 'tables', default: 'public.products', unlessSet: ['tableRegex'] },
    PG_TABLE_REGEX: 'tableRegex',
    TOPIC: 'topicTemplate',
    SLOT_NAME: { key: 'slot', default: 'buyonline_products' },
    POLL_BATCH_SIZE: 'batchSize',
  },
};

async function rejection(promise: Promise<unknown>): Promise<ConfigError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('no ConfigError');
}

const file = (text: string, env: Record<string, string> = {}) => PipelineFile.parse(text, 'p.yaml', env);

describe('configurePlugin', () => {
  it('with no pipeline file, builds the config from the variables and the app defaults, as the env-only apps always did', async () => {
    const env = { PG_URL: 'postgres://u:p@h/db', POLL_BATCH_SIZE: '500' };
    const configured = await configurePlugin(registry(), 'source', { defaultPlugin: 'postgres', env, shortcuts: SOURCE_SHORTCUTS });
    const config = configOf(configured, pgLikePlugin);
    expect(config).toMatchObject({ mode: 'logical', tables: ['public.products'], slot: 'buyonline_products', batchSize: 500, topicTemplate: '{prefix}.{schema}.{table}' });
    expect(config?.url).toBeInstanceOf(Redacted);
    expect(configured.fromEnv).toEqual({ url: 'PG_URL', batchSize: 'POLL_BATCH_SIZE' });
    expect(configOf(configured, maskLikePlugin)).toBeUndefined();
  });

  it('splits a comma list for a list key, and leaves out the app default of a key another setting replaces', async () => {
    const env = { PG_URL: 'postgres://h/db', PG_TABLE: ' public.a , public.b,' };
    const listed = await configurePlugin(registry(), 'source', { defaultPlugin: 'postgres', env, shortcuts: SOURCE_SHORTCUTS });
    expect(configOf(listed, pgLikePlugin)?.tables).toEqual(['public.a', 'public.b']);
    const byRegex = await configurePlugin(registry(), 'source', { defaultPlugin: 'postgres', env: { PG_URL: 'postgres://h/db', PG_TABLE_REGEX: '^shop\\.' }, shortcuts: SOURCE_SHORTCUTS });
    expect(configOf(byRegex, pgLikePlugin)).toMatchObject({ tables: [], tableRegex: '^shop\\.' });
  });

  it('names the variable a bad value came from (and the item of a list)', async () => {
    const env = { PG_URL: '', PG_TABLE: 'public.a,Bad', SLOT_NAME: 'Has-Caps', POLL_BATCH_SIZE: 'lots' };
    const err = await rejection(configurePlugin(registry(), 'source', { defaultPlugin: 'postgres', env, shortcuts: SOURCE_SHORTCUTS }));
    expect(err.message).toBe(
      [
        'invalid source configuration (postgres):',
        '  PG_URL: Invalid input: expected string, received undefined',
        '  PG_TABLE (tables[1]): expected <schema>.<table>, e.g. public.products',
        '  SLOT_NAME: lower-case letters, digits and _ only',
        '  POLL_BATCH_SIZE: Invalid input: expected number, received NaN',
      ].join('\n'),
    );
  });

  it('validates a file section by the plugin schema, naming the path of each bad or unknown key', async () => {
    const text = `
name: p
source:
  connector: postgres
  url: postgres://h/db
  tables: [public.a, public.b, products]
  colour: blue
  columns: [{ name: id, type: int, nullable: true }]
`;
    const err = await rejection(configurePlugin(registry(), 'source', { section: file(text).source(), env: {}, shortcuts: SOURCE_SHORTCUTS }));
    expect(err.message).toBe(
      [
        'invalid source configuration in source (postgres):',
        '  source.colour: unknown key (postgres takes: mode, url, tables, tableRegex, topicTemplate, slot, batchSize, columns)',
        '  source.columns[0].nullable: unknown key (postgres takes: mode, url, tables, tableRegex, topicTemplate, slot, batchSize, columns)',
        '  source.tables[2]: expected <schema>.<table>, e.g. public.products',
      ].join('\n'),
    );
  });

  it('with a file, the environment wins where both set a key, and only the plugin defaults apply', async () => {
    const text = 'name: p\nsource:\n  connector: postgres\n  url: ${PG_URL}\n  tables: public.a\n  slot: from_file\n';
    const env = { PG_URL: 'postgres://h/db', SLOT_NAME: 'from_env' };
    const configured = await configurePlugin(registry(), 'source', { section: file(text, env).source(), env, shortcuts: SOURCE_SHORTCUTS });
    expect(configOf(configured, pgLikePlugin)).toMatchObject({ slot: 'from_env', tables: ['public.a'], batchSize: 2000 });
    expect(configured.fromEnv).toEqual({ url: 'PG_URL', slot: 'SLOT_NAME' });
    const noTables = 'name: p\nsource:\n  connector: postgres\n  url: postgres://h/db\n';
    const err = await rejection(configurePlugin(registry(), 'source', { section: file(noTables).source(), env: {}, shortcuts: SOURCE_SHORTCUTS }));
    expect(err.message).toBe('invalid source configuration in source (postgres):\n  source.tables (or PG_TABLE): no table to capture');
  });

  it('takes the plugin the section names, or the default without one; unknown names list the known ones', async () => {
    const env = { SNOW_ACCOUNT: 'acc', SNOW_PASSWORD: 'pw' };
    const shortcuts = { 'cloud-stage': { SNOW_ACCOUNT: 'account', SNOW_PASSWORD: 'password' }, 'local-stage': { STAGE_DIR: 'dir' } };
    const section = file('name: p\nsink: { connector: local-stage, dir: /tmp/x }\n').sink();
    expect((await configurePlugin(registry(), 'sink', { section, env, shortcuts })).plugin.name).toBe('local-stage');
    const byDefault = await configurePlugin(registry(), 'sink', { section: undefined, defaultPlugin: 'cloud-stage', env, shortcuts });
    expect(byDefault.plugin.name).toBe('cloud-stage');
    expect(byDefault.fromEnv).toEqual({ account: 'SNOW_ACCOUNT', password: 'SNOW_PASSWORD' });
    const err = await rejection(configurePlugin(registry(), 'sink', { section: file('name: p\nsink: { connector: "S3 Stage" }\n').sink(), env }));
    expect(err.message).toBe('unknown sink connector "S3 Stage": known sink connectors: cloud-stage, local-stage, or an npm package name that exports one');
    expect((await rejection(configurePlugin(registry(), 'source', { env }))).message).toMatch(/^no source plugin named/);
  });

  it('a shortcut may read its variable (a file, \\n escapes); the first variable set wins for a key', async () => {
    const shortcuts = {
      'cloud-stage': {
        SNOW_ACCOUNT: 'account',
        SNOW_KEY: { key: 'privateKey', read: (text: string) => text.replaceAll('\\n', '\n') },
        SNOW_KEY_FILE: { key: 'privateKey', read: (text: string) => readFileSync(text, 'utf8') },
      },
    };
    const both = await configurePlugin(registry(), 'sink', { defaultPlugin: 'cloud-stage', env: { SNOW_ACCOUNT: 'a', SNOW_KEY: 'line1\\nline2', SNOW_KEY_FILE: '/nonexistent' }, shortcuts });
    expect(configOf(both, cloudStageLikePlugin)?.privateKey?.reveal()).toBe('line1\nline2');
    expect(both.fromEnv).toEqual({ account: 'SNOW_ACCOUNT', privateKey: 'SNOW_KEY' });
  });

  it('configures a chain of transforms in order, each by its own schema, errors naming the item', async () => {
    const text = `
name: p
sink: { connector: local-stage }
transforms:
  - transform: mask
    columns: [email]
  - transform: mask
    columns: []
    method: scramble
`;
    const err = await rejection(configureChain(registry(), file(text).transforms(), {}));
    expect(err.message).toBe(
      [
        'invalid transform configuration in transforms[1] (mask):',
        '  transforms[1].columns: name at least one column',
        '  transforms[1].method: Invalid option: expected one of "hash"|"redact"',
      ].join('\n'),
    );
    const [mask] = await configureChain(registry(), file(text).transforms().slice(0, 1), {});
    const transform = mask?.plugin.create(mask.config, noopContext());
    expect(transform?.apply({ topic: 't', key: { id: 1 }, value: { op: 'c', after: { id: 1, email: 'a@b' } } })?.value).toEqual({ op: 'c', after: { id: 1, email: '***' } });
  });
});
