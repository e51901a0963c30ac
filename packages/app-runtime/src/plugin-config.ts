import { ConfigError, type ConnectorPlugin, type PluginKind, type PluginOf, type PluginRegistry } from '@buyonline/connect-api';
import type { z } from 'zod';
import { type EnvValues, envText } from './env-substitute.ts';
import type { PipelineSection } from './pipeline-file.ts';
import { configKeys, fieldInfo, fieldSchema, formatPath, unknownKeys } from './schema-fields.ts';

/**
 * An environment variable that sets one key of a plugin's config: the variable is a shortcut, the
 * plugin's schema stays the one declaration of the key (its type, description and default).
 */
export interface EnvShortcutSpec {
  /** The plugin's config key. */
  key: string;
  /**
   * The app's value when there is no pipeline file, given as the variable's text: only for a key
   * the plugin leaves unset (the demo configuration's table, say); never a second default.
   */
  default?: string;
  /** The default is not applied when one of these config keys is set (e.g. `tables` not when `tableRegex` is). */
  unlessSet?: readonly string[];
  /** Turns the variable's text into the key's input (`\n` escapes, a file to read); the schema still validates it. */
  read?: (text: string, variable: string) => unknown;
  /** Help text when the variable is not plainly the key's value (a file holding it): else the key's own description. */
  help?: string;
}
export type EnvShortcut = string | EnvShortcutSpec;
/** Variable → plugin key, per plugin: `{ SLOT_NAME: 'slot', PG_TABLE: { key: 'tables', default: 'public.products' } }`. */
export type EnvShortcuts = Readonly<Record<string, EnvShortcut>>;

export const shortcutSpec = (shortcut: EnvShortcut): EnvShortcutSpec => (typeof shortcut === 'string' ? { key: shortcut } : shortcut);

/**
 * For a plugin variable put in an app's own section of the pipeline file: where it goes instead
 * (`SLOT_NAME` → `a source setting: write it as source.slot`).
 */
export function shortcutHints(shortcuts: Readonly<Record<string, EnvShortcuts>>, section: 'source' | 'sink'): Record<string, string> {
  return Object.fromEntries(
    Object.values(shortcuts).flatMap((byVariable) => Object.entries(byVariable).map(([variable, s]) => [variable, `a ${section} setting: write it as ${section}.${shortcutSpec(s).key}`])),
  );
}

export interface PluginSettings {
  /** The pipeline file's section of this plugin; without one, the environment alone configures it. */
  section?: PipelineSection | undefined;
  /** The plugin to use when the section names none (no file): e.g. `postgres`. */
  defaultPlugin?: string;
  env: EnvValues;
  /** Each plugin's variables, by plugin name (only the chosen plugin's are read). */
  shortcuts?: Readonly<Record<string, EnvShortcuts>>;
}

export interface ConfiguredPlugin<K extends PluginKind> {
  plugin: PluginOf<K>;
  /** The config as the plugin's schema parsed it: pass it to `plugin.create`. */
  config: unknown;
  /** Keys the environment set, with the variable (for the startup log). */
  fromEnv: Record<string, string>;
}

/** A plugin with its config typed by its own schema. */
export interface BuiltPlugin<P extends ConnectorPlugin> {
  plugin: P;
  config: z.output<P['configSchema']>;
  fromEnv: Record<string, string>;
}

/** The config as `plugin`'s type when `configured` is that very plugin, undefined otherwise. */
export function configOf<K extends PluginKind, S extends z.ZodType>(configured: ConfiguredPlugin<K>, plugin: { configSchema: S }): z.output<S> | undefined {
  return (configured.plugin as unknown) === plugin ? (configured.config as z.output<S>) : undefined;
}

const KIND_LABEL: Record<PluginKind, string> = { source: 'source', sink: 'sink', transform: 'transform' };

/**
 * Finds the plugin (registered, or an npm package) and builds its config: the file's section, then
 * the plugin's variables over it (the environment wins where both set a key), then, only without a
 * file, the app's defaults. Validated by the plugin's own schema; unknown keys in the file are
 * refused. Errors name where the bad value came from: `source.tables[2]: …` or `PG_TABLE (tables[1]): …`.
 */
export async function configurePlugin<K extends PluginKind>(registry: PluginRegistry, kind: K, settings: PluginSettings): Promise<ConfiguredPlugin<K>> {
  const name = settings.section?.plugin ?? settings.defaultPlugin;
  if (name === undefined) throw new ConfigError(`no ${KIND_LABEL[kind]} plugin named: add a \`${kind}\` section with connector: <name> to the pipeline file`);
  return buildPluginConfig(await registry.resolve(kind, name), settings);
}

/** configurePlugin for a plugin already in hand (no registry, no import): the same layers, checks and messages. */
export function buildPluginConfig<P extends ConnectorPlugin>(plugin: P, settings: PluginSettings): BuiltPlugin<P> {
  const { section, env } = settings;
  const kind: PluginKind = plugin.kind;
  const schema = plugin.configSchema;
  const where = section ? section.path : KIND_LABEL[kind];
  const fileInput = section?.values ?? {};
  const input: Record<string, unknown> = { ...fileInput };
  /** Config key → the variable that set it (its value, or without a file its app default). */
  const origin: Record<string, string> = {};
  const fromEnv: Record<string, string> = {};
  const shortcuts = Object.entries(settings.shortcuts?.[plugin.name] ?? {}).map(([variable, s]) => [variable, shortcutSpec(s)] as const);
  for (const [variable, spec] of shortcuts) {
    const text = envText(env, variable);
    if (text === undefined || text === '' || spec.key in fromEnv) continue;
    input[spec.key] = readShortcut(schema, spec, text, variable);
    fromEnv[spec.key] = variable;
    origin[spec.key] = variable;
  }
  if (!section) {
    for (const [variable, spec] of shortcuts) {
      if (spec.default === undefined || input[spec.key] !== undefined || (spec.unlessSet ?? []).some((k) => input[k] !== undefined)) continue;
      input[spec.key] = readShortcut(schema, spec, spec.default, variable);
      origin[spec.key] = variable;
    }
  }

  const label = (path: readonly PropertyKey[]): string => {
    const [top, ...rest] = path;
    const key = top === undefined ? '' : String(top);
    const shortcut = shortcuts.find(([, s]) => s.key === key)?.[0];
    const variable = origin[key] ?? (section ? undefined : shortcut);
    if (variable !== undefined) return rest.length > 0 ? `${variable} (${formatPath(path)})` : variable;
    if (!section) return formatPath(path) || where;
    const inFile = [where, formatPath(path)].filter((p) => p !== '').join('.');
    return shortcut !== undefined && !(key in fileInput) ? `${inFile} (or ${shortcut})` : inFile;
  };
  const problems = unknownKeys(schema, fileInput).map((path) => `${label(path)}: unknown key (${plugin.name} takes: ${configKeys(schema).join(', ')})`);
  const result = schema.safeParse(input);
  if (!result.success) problems.push(...result.error.issues.map((issue) => `${label(issue.path)}: ${issue.message}`));
  if (problems.length > 0) {
    const inSection = section ? ` in ${where}` : '';
    throw new ConfigError(`invalid ${KIND_LABEL[kind]} configuration${inSection} (${plugin.name}):\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
  return { plugin, config: result.data as z.output<P['configSchema']>, fromEnv };
}

function readShortcut(schema: z.ZodType, spec: EnvShortcutSpec, text: string, variable: string): unknown {
  if (spec.read) return spec.read(text, variable);
  const info = fieldInfo(fieldSchema(schema, spec.key));
  return info.list
    ? text
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
    : text;
}

/** Each section of a chain configured (transforms in order), e.g. the file's `transforms`. */
export async function configureChain(registry: PluginRegistry, sections: readonly PipelineSection[], env: EnvValues): Promise<ConfiguredPlugin<'transform'>[]> {
  const chain: ConfiguredPlugin<'transform'>[] = [];
  for (const section of sections) chain.push(await configurePlugin(registry, 'transform', { section, env }));
  return chain;
}
