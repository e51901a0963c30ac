import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { ConfigError } from '@buyonline/connect-api';
import { parse as parseYaml } from 'yaml';
import { type EnvValues, substituteEnv } from './env-substitute.ts';
import { formatPath } from './schema-fields.ts';

/** Top-level sections of each app's own settings, keyed by their variable names (`producer: { TOPIC_PARTITIONS: 6 }`). */
export const PIPELINE_APP_SECTIONS = ['producer', 'consumer'] as const;
export type PipelineAppSection = (typeof PIPELINE_APP_SECTIONS)[number];

const TOP_LEVEL = ['name', 'source', 'transforms', 'sink', ...PIPELINE_APP_SECTIONS];
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/** One plugin's section of the pipeline file, its variables substituted. */
export interface PipelineSection {
  /** Where it is in the file: `source`, `sink`, `transforms[1]`, `sink.transforms[0]`. */
  path: string;
  /** The plugin's name: `connector:` (source, sink) or `transform:`; a registered name or an npm package. */
  plugin: string;
  /** The plugin's own keys, without `connector` / `transform` (and a sink's `transforms`). */
  values: Record<string, unknown>;
}

type Raw = Record<string, unknown>;
const isMapping = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A pipeline file (YAML or JSON):
 *
 * ```yaml
 * name: buyonline-products        # connector instance name
 * source: { connector: postgres, url: ${PG_URL}, tables: [public.products] }
 * transforms: [{ transform: mask, columns: [email] }]
 * sink: { connector: local-stage, dir: ./.stage, transforms: [] }
 * producer: { TOPIC_PARTITIONS: 6 }  # each app's own settings, by variable name
 * ```
 *
 * The structure is checked on read; a section's variables are substituted (and the plugin's schema
 * applied, see configurePlugin) only when an app takes it, so the producer never needs the
 * consumer's variables or plugins, nor the other way round.
 */
export class PipelineFile {
  private constructor(
    /** The file it was read from, for messages. */
    readonly file: string,
    /** The pipeline's name: the producer's connector instance name. */
    readonly name: string,
    private readonly raw: Raw,
    private readonly env: EnvValues,
  ) {}

  /** Parses `text` (JSON when `file` ends in .json, YAML otherwise) and checks its structure. */
  static parse(text: string, file: string, env: EnvValues): PipelineFile {
    let raw: unknown;
    try {
      raw = extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text, { prettyErrors: true });
    } catch (err) {
      throw new ConfigError(`pipeline file ${file}: not valid ${extname(file).toLowerCase() === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message}`);
    }
    if (!isMapping(raw)) throw new ConfigError(`pipeline file ${file}: expected a mapping with name, source, transforms, sink (got ${raw === null ? 'nothing' : Array.isArray(raw) ? 'a list' : typeof raw})`);
    const problems = structureProblems(raw);
    if (problems.length > 0) throw new ConfigError(`pipeline file ${file}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    return new PipelineFile(file, raw.name as string, raw, env);
  }

  static read(file: string, env: EnvValues): PipelineFile {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read pipeline file ${file}: ${(err as Error).message}`);
    }
    return PipelineFile.parse(text, file, env);
  }

  source(): PipelineSection | undefined {
    return isMapping(this.raw.source) ? this.section(['source'], this.raw.source, 'connector') : undefined;
  }

  sink(): PipelineSection | undefined {
    return isMapping(this.raw.sink) ? this.section(['sink'], this.raw.sink, 'connector', 'transforms') : undefined;
  }

  /** The source-side chain (top-level `transforms`), applied before serialization. */
  transforms(): PipelineSection[] {
    return this.chain(['transforms'], this.raw.transforms);
  }

  /** The sink-side chain (`sink.transforms`), applied to deserialized records. */
  sinkTransforms(): PipelineSection[] {
    return this.chain(['sink', 'transforms'], isMapping(this.raw.sink) ? this.raw.sink.transforms : undefined);
  }

  /** An app's own settings (`producer:`), keyed by variable name, substituted. */
  appSettings(app: PipelineAppSection): PipelineSection | undefined {
    const raw = this.raw[app];
    return isMapping(raw) ? { path: app, plugin: app, values: this.substitute(raw, [app]) } : undefined;
  }

  private chain(path: (string | number)[], list: unknown): PipelineSection[] {
    if (!Array.isArray(list)) return [];
    return list.map((item, i) => this.section([...path, i], item as Raw, 'transform'));
  }

  /** A plugin's section: its name key and (a sink's) nested chain set apart, the rest substituted. */
  private section(path: (string | number)[], raw: Raw, nameKey: string, nested?: string): PipelineSection {
    const own = Object.fromEntries(Object.entries(raw).filter(([k]) => k !== nested));
    const { [nameKey]: plugin, ...values } = this.substitute(own, path);
    return { path: formatPath(path), plugin: String(plugin), values };
  }

  private substitute(raw: Raw, path: (string | number)[]): Raw {
    const problems: string[] = [];
    const values = substituteEnv(raw, this.env, path, problems) as Raw;
    if (problems.length > 0) throw new ConfigError(`pipeline file ${this.file}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    return values;
  }
}

/** What is wrong with the file's shape (before any plugin looks at its section). */
function structureProblems(raw: Raw): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(raw)) if (!TOP_LEVEL.includes(key)) problems.push(`${key}: unknown section (a pipeline file has ${TOP_LEVEL.join(', ')})`);
  if (typeof raw.name !== 'string' || !NAME.test(raw.name)) {
    problems.push(`name: ${raw.name === undefined ? 'required' : 'must be'} a name of letters, digits, . _ - (the connector instance name: it keys the stored positions and the Kafka transactional id)`);
  }
  if (raw.source === undefined && raw.sink === undefined) problems.push('source, sink: neither is given (the producer reads source, the consumer sink)');
  const connector = (path: string, value: unknown) => {
    if (value === undefined) return;
    if (!isMapping(value)) problems.push(`${path}: expected a mapping with connector: and the connector's settings`);
    else if (typeof value.connector !== 'string' || value.connector === '') problems.push(`${path}.connector: required: the plugin's name (postgres, local-stage, … or an npm package name)`);
  };
  const chain = (path: (string | number)[], value: unknown) => {
    if (value === undefined || value === null) return;
    if (!Array.isArray(value)) {
      problems.push(`${formatPath(path)}: expected a list of transforms (- transform: <name>, then its settings)`);
      return;
    }
    value.forEach((item, i) => {
      if (!isMapping(item)) problems.push(`${formatPath([...path, i])}: expected a mapping with transform: <name> and its settings`);
      else if (typeof item.transform !== 'string' || item.transform === '') problems.push(`${formatPath([...path, i, 'transform'])}: required: the transform plugin's name`);
    });
  };
  connector('source', raw.source);
  connector('sink', raw.sink);
  chain(['transforms'], raw.transforms);
  if (isMapping(raw.sink)) chain(['sink', 'transforms'], raw.sink.transforms);
  for (const app of PIPELINE_APP_SECTIONS) {
    if (raw[app] !== undefined && !isMapping(raw[app])) problems.push(`${app}: expected a mapping of the ${app}'s settings by variable name (e.g. HEALTH_PORT: 8088)`);
  }
  return problems;
}
