// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} references are what these tests feed the pipeline file
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@buyonline/connect-api';
import { afterAll, describe, expect, it } from 'vitest';
import { PipelineFile } from './index.ts';
import { substituteEnv } from './env-substitute.ts';

const YAML = `
name: buyonline-products            # connector instance name
source:
  connector: postgres
  url: \${PG_URL}
  tables: [public.products, public.orders]
  slot: \${SLOT:-buyonline_cdc}
transforms:
  - transform: mask
    columns: [email]
  - transform: "@acme/cdc-uppercase"
sink:
  connector: local-stage
  dir: ./.stage
  transforms:
    - transform: mask
      columns: [name]
producer:
  TOPIC_PARTITIONS: 6
consumer:
  CONSUMER_GROUP: \${GROUP}
`;

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('no ConfigError');
}

const dir = mkdtempSync(join(tmpdir(), 'pipeline-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('PipelineFile', () => {
  it('reads the sections of a YAML file, substituting ${VAR} and ${VAR:-default} from the environment', () => {
    const file = PipelineFile.parse(YAML, 'pipeline.yaml', { PG_URL: 'postgres://u:p@h/db', GROUP: 'g1' });
    expect(file.name).toBe('buyonline-products');
    expect(file.source()).toEqual({
      path: 'source',
      plugin: 'postgres',
      values: { url: 'postgres://u:p@h/db', tables: ['public.products', 'public.orders'], slot: 'buyonline_cdc' },
    });
    expect(file.transforms()).toEqual([
      { path: 'transforms[0]', plugin: 'mask', values: { columns: ['email'] } },
      { path: 'transforms[1]', plugin: '@acme/cdc-uppercase', values: {} },
    ]);
    expect(file.sink()).toEqual({ path: 'sink', plugin: 'local-stage', values: { dir: './.stage' } });
    expect(file.sinkTransforms()).toEqual([{ path: 'sink.transforms[0]', plugin: 'mask', values: { columns: ['name'] } }]);
    expect(file.appSettings('producer')?.values).toEqual({ TOPIC_PARTITIONS: 6 });
    expect(file.appSettings('consumer')?.values).toEqual({ CONSUMER_GROUP: 'g1' });
  });

  it('substitutes a section only when an app takes it: the consumer does not need the source variables', () => {
    const file = PipelineFile.parse(YAML, 'pipeline.yaml', { GROUP: 'g1' });
    expect(file.sink()?.values).toEqual({ dir: './.stage' });
    const err = configError(() => file.source());
    expect(err.message).toBe('pipeline file pipeline.yaml:\n  source.url: ${PG_URL} is not set (set the variable, or write ${PG_URL:-default})');
  });

  it('reads JSON by extension and from disk', () => {
    const path = join(dir, 'p.json');
    writeFileSync(path, JSON.stringify({ name: 'p', sink: { connector: 'local-stage', dir: '${STAGE_DIR:-/tmp/s}' } }));
    const file = PipelineFile.read(path, {});
    expect(file.source()).toBeUndefined();
    expect(file.transforms()).toEqual([]);
    expect(file.sink()?.values).toEqual({ dir: '/tmp/s' });
    expect(configError(() => PipelineFile.read(join(dir, 'missing.yaml'), {})).message).toMatch(/^cannot read pipeline file .*missing\.yaml: ENOENT/);
  });

  it('says where the YAML or JSON is broken', () => {
    expect(configError(() => PipelineFile.parse('name: p\nsource:\n  connector: postgres\n  tables: [a, b\n', 'p.yaml', {})).message).toMatch(
      /^pipeline file p\.yaml: not valid YAML: Flow sequence .* at line 5, column 1/s,
    );
    expect(configError(() => PipelineFile.parse('{"name": "p",}', 'p.json', {})).message).toMatch(/^pipeline file p\.json: not valid JSON: /);
    expect(configError(() => PipelineFile.parse('name: a\nname: b\nsource: {connector: x}\n', 'p.yaml', {})).message).toMatch(/unique/i);
    expect(configError(() => PipelineFile.parse('- a\n- b\n', 'p.yaml', {})).message).toBe('pipeline file p.yaml: expected a mapping with name, source, transforms, sink (got a list)');
  });

  it('lists every structural problem with its path before any plugin is looked at', () => {
    const text = `
name: "has spaces"
sources: {}
source: { url: x }
transforms:
  - transform: mask
  - columns: [a]
  - just-a-string
sink: { connector: local-stage, transforms: { transform: mask } }
producer: [1]
`;
    expect(configError(() => PipelineFile.parse(text, 'p.yaml', {})).message).toBe(
      [
        'pipeline file p.yaml:',
        '  sources: unknown section (a pipeline file has name, source, transforms, sink, producer, consumer)',
        '  name: must be a name of letters, digits, . _ - (the connector instance name: it keys the stored positions and the Kafka transactional id)',
        "  source.connector: required: the plugin's name (postgres, local-stage, … or an npm package name)",
        "  transforms[1].transform: required: the transform plugin's name",
        '  transforms[2]: expected a mapping with transform: <name> and its settings',
        '  sink.transforms: expected a list of transforms (- transform: <name>, then its settings)',
        "  producer: expected a mapping of the producer's settings by variable name (e.g. HEALTH_PORT: 8088)",
      ].join('\n'),
    );
    expect(configError(() => PipelineFile.parse('source: { connector: postgres }', 'p.yaml', {})).message).toMatch(/name: required a name/);
  });
});

describe('substituteEnv', () => {
  it('replaces references inside strings, keeps $$ as $, and collects every problem with its path', () => {
    const problems: string[] = [];
    const out = substituteEnv(
      { a: 'x-${A}-y', b: ['${B:-dflt}', '${EMPTY:-used}', 'cost $$5', '$PLAIN'], n: 3, c: { d: '${MISSING}', e: '${bad name}', f: 'open ${X' } },
      { A: '1', EMPTY: '', N: 2 },
      ['source'],
      problems,
    );
    expect(out).toEqual({ a: 'x-1-y', b: ['dflt', 'used', 'cost $5', '$PLAIN'], n: 3, c: { d: '${MISSING}', e: '${bad name}', f: 'open ${X' } });
    expect(problems).toEqual([
      'source.c.d: ${MISSING} is not set (set the variable, or write ${MISSING:-default})',
      'source.c.e: ${bad name} is not a variable reference (write ${NAME} or ${NAME:-default}; $$ for a literal $)',
      'source.c.f: an unterminated ${ (write ${NAME} or ${NAME:-default}; $$ for a literal $)',
    ]);
    expect(substituteEnv('${N}', { N: 2 }, [], [])).toBe('2');
  });
});
